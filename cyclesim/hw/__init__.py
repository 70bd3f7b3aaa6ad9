"""Hardware model: circuits, floorplan and area."""
