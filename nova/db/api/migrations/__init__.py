"""Alembic environment of the API database (run through nova.db.migration)."""
