"""The package version: one place, read by setup.cfg and written into every results.json."""

__version__ = "0.1.0"
