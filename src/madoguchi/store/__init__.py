"""Persistence: SQLAlchemy models, the database engine and the Alembic migrations."""
