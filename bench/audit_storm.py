"""Alerts during a session start's storm of admission audit entries, at the store alone.

    python bench/audit_storm.py
    createdb -h 127.0.0.1 -U postgres hearth_storm_bench
    python bench/audit_storm.py --database-url postgresql://postgres@127.0.0.1:5432/hearth_storm_bench

The session-start case of docs/performance.md ("Alerts", point 4), without the
server: a room's worth of facilitators admits ``--admissions`` people within
``--storm-seconds`` (each admission is one moderation audit entry, queued the way
the hub queues it: not awaited by the admission), while an urgent alert is
raised every ``--alert-every`` seconds for ``--duration`` seconds. Each alert's
latency is the time ``SafeguardingRecords.raise_alert`` takes to return (its
commit, invariant 6); the announcement and the WebSocket are left out, which
``bench/alert_latency.py`` measures. Prints the alerts' latencies, when the
last admission entry was committed, and checks the chain afterwards.

A temporary SQLite file by default (WAL, as ``hearth serve`` runs it); with
``--database-url`` a PostgreSQL database of its own: it empties that database's
safeguarding tables first, so never point it at one that matters. Run it on
purpose; it asserts nothing.

It prints a calibration first (``bench/calibrate.py``: one row inserted and committed in a
SQLite file of its own in the temporary folder, WAL and synchronous FULL as Hearth's store;
an alert is a few such commits, and the disk's fsync is most of it) and the alerts'
latencies in those commits too. On PostgreSQL the calibration is still SQLite's: the
machine's disk, not the database server's. With ``--baseline REV`` it then runs this
benchmark as it was at ``REV`` (``python -m bench.audit_storm`` in a clean copy of that
commit: its store, with the same options) after a calibration of its own, and prints this
tree's figures over its:

    python bench/audit_storm.py --baseline HEAD~1
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.calibrate import (
    Figures,
    SqliteCommit,
    add_baseline_option,
    calibrated_figures,
    compare_with_module_at,
    printed,
    read_figures,
    resolve,
    sqlite_commits,
)
from bench.chat_fanout import percentile
from server.store.db import SqlStore
from server.store.records import AlertRecord

TABLES = ("escalation_notes", "escalations", "alerts", "audit")


async def empty(store: SqlStore) -> None:
    async with store.engine.begin() as connection:
        for table in TABLES:
            await connection.exec_driver_sql(f"DELETE FROM {table}")  # the names are constants
        await connection.exec_driver_sql(
            "UPDATE audit_head SET seq = 0, hash = '" + "0" * 64 + "'")


async def run(url: str, args: argparse.Namespace, commit: SqliteCommit) -> None:
    # A key of the run's own: the store writes no audit entry without one.
    store = SqlStore(url, audit_key=secrets.token_hex(32).encode())
    await store.migrate()
    if not url.startswith("sqlite"):
        await empty(store)
    room = await store.add_room("Storm", "mothers")
    records = store.safeguarding
    # Warm the connections and the statement caches once, outside the measurement.
    await records.raise_alert(alert(room.id, 0), escalate=True)
    await asyncio.gather(asyncio.ensure_future(records.audit("Fran", "warm", room_id=room.id)))

    admissions: list[asyncio.Future[Any]] = []
    latencies: list[int] = []  # nanoseconds
    storm_done = asyncio.get_running_loop().create_future()
    start = time.monotonic()

    async def admit() -> None:
        per_tick = args.admissions / max(1, round(args.storm_seconds / 0.01))
        owed = 0.0
        while len(admissions) < args.admissions:
            owed += per_tick
            while owed >= 1 and len(admissions) < args.admissions:
                owed -= 1
                n = len(admissions)
                admissions.append(asyncio.ensure_future(records.audit(
                    "Fran", "participant.admit", room_id=room.id, target=f"p_{n}",
                    detail={"lobby": True}, at=datetime.now(UTC))))
            await asyncio.sleep(0.01)
        await asyncio.gather(*admissions)
        storm_done.set_result(time.monotonic() - start)

    async def alerts() -> None:
        n = 1
        next_at = start
        while next_at < start + args.duration:
            await asyncio.sleep(max(0.0, next_at - time.monotonic()))
            sent = time.monotonic_ns()
            await records.raise_alert(alert(room.id, n), escalate=True)
            latencies.append(time.monotonic_ns() - sent)
            n += 1
            next_at += args.alert_every

    await asyncio.gather(admit(), alerts())
    committed_after = await storm_done
    verdict = await records.verify_audit()
    await store.aclose()

    ordered = sorted(latencies)
    first_second = sorted(latencies[: max(1, round(1 / args.alert_every))])
    print(f"{args.admissions} admission entries queued over {args.storm_seconds}s, "
          f"an alert every {args.alert_every}s for {args.duration}s ({store.engine.dialect.name})")
    print(f"  alert commit      p50 {percentile(ordered, 50):8.2f} ms   "
          f"p99 {percentile(ordered, 99):8.2f} ms   max {ordered[-1] / 1e6:8.2f} ms   "
          f"(n={len(ordered)})")
    print(f"  first second      p50 {percentile(first_second, 50):8.2f} ms   "
          f"max {first_second[-1] / 1e6:8.2f} ms")
    print(f"  per alert (ms)    {' '.join(f'{v / 1e6:.1f}' for v in latencies)}")
    in_commits = [percentile(ordered, q) * 1e3 / commit.wall_us for q in (50, 99)]
    print(f"  in SQLite commits alert commit p50 {in_commits[0]:.2f}, p99 {in_commits[1]:.2f} "
          f"(the calibration's {commit.wall_us:.0f} µs each)")
    print(f"  admissions        all committed {committed_after:.2f}s after the storm began")
    print(f"  audit chain       {'intact' if verdict.ok else 'BROKEN: ' + verdict.reason}, "
          f"{verdict.checked} entries")


def alert(room_id: str, n: int) -> AlertRecord:
    return AlertRecord(
        id=f"a_{n}_{time.monotonic_ns()}", room_id=room_id, kind="risk", severity="urgent",
        categories=("suicide",), participant_id=f"p_{n}", participant_name="Gentle Otter",
        ack_within=60, created_at=datetime.now(UTC), message_id=f"m_{n}",
        excerpt="I'm going to kill myself tonight", rules=("suicide.plan",))


def read(text: str, commit: SqliteCommit) -> Figures:
    """The main figures from the printed lines (this tree's or the baseline's)."""
    figures = read_figures(text, [
        ("alert commit p50", r"^  alert commit +p50 +([\d.]+) ms", "ms"),
        ("alert commit p99", r"^  alert commit +p50 +[\d.]+ ms +p99 +([\d.]+) ms", "ms"),
        ("admissions all committed after", r"^  admissions +all committed ([\d.]+)s", "s"),
    ])
    return figures | calibrated_figures(text, SqliteCommit.PATTERNS, commit.figures())


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--admissions", type=int, default=891)
    parser.add_argument("--storm-seconds", type=float, default=1.3)
    parser.add_argument("--alert-every", type=float, default=0.1)
    parser.add_argument("--duration", type=float, default=5.0)
    parser.add_argument("--database-url", help="default: a temporary SQLite file")
    add_baseline_option(parser)
    args = parser.parse_args(argv)
    if args.baseline:
        resolve(args.baseline, "bench/audit_storm.py")  # refused now, not after the run
    with printed() as out:
        commit = sqlite_commits()
        print(commit.line(), flush=True)
        if args.database_url:
            asyncio.run(run(args.database_url, args, commit))
        else:
            with tempfile.TemporaryDirectory(prefix="hearth-storm-") as folder:
                asyncio.run(run(f"sqlite:///{Path(folder) / 'hearth.db'}", args, commit))
    if not args.baseline:
        return
    ours = read(out.getvalue(), commit)
    then = sqlite_commits()
    print("\n" + then.line(), flush=True)
    compare_with_module_at(args.baseline, "bench.audit_storm", argv, ours,
                           lambda text: read(text, then))


if __name__ == "__main__":
    main()
