"""Durable records (SQLAlchemy async) and the event bus."""
