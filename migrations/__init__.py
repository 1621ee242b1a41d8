"""Alembic migrations, applied automatically at start-up."""
