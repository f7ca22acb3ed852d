"""Everything paperboy keeps, in one SQLite file (sqlite-utils)."""
