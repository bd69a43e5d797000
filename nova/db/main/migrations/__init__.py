"""Alembic environment of a cell database (run through nova.db.migration)."""
