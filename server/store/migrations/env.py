"""Alembic environment. Hearth runs migrations itself at start-up (see
``server.store.db.migrate``), handing over an open connection; the ``alembic``
command line works too with ``-x url=...``."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from server.store.models import Base

config = context.config
target_metadata = Base.metadata


def run_with(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        # SQLite cannot ALTER most things in place; batch mode copies the table.
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


async def run_from_url(url: str) -> None:
    engine = create_async_engine(url)
    async with engine.begin() as connection:
        await connection.run_sync(run_with)
    await engine.dispose()


given = config.attributes.get("connection")
if given is not None:
    run_with(given)
else:
    asyncio.run(run_from_url(context.get_x_argument(as_dictionary=True)["url"]))
