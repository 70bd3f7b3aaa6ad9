"""What the user sees: console reports and exported files."""
