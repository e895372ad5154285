"""County-scale latency of the bot's read paths: 我的工单, 进度 N, the talk-day agenda and the weekly digest.

    python bench/scale.py [--tickets 1000000 --events 5000000 --grids 2400 --workers 20000]
                          [--calls 500] [--postgres | --database-url URL] [--explain] [--with-index SQL ...]

The data set (bench/scale_data.py: two years of a county's tickets, their event log, 附议 and talk-day
topics) is built once into bench/out/ (git-ignored; the name carries the parameters, the generator version
and a hash of the migrations) and reused by later runs. --postgres also measures a throw-away PostgreSQL
started with .ci/postgres.sh; --database-url measures that database instead (a PostgreSQL database is
filled from the cached SQLite file with COPY unless it already holds this data set).

Every call is the bot's own code (bot.actions.my_tickets / progress, Reminders._agenda, digest_text) with
an actor from bot.workflow.actor_for, in a session whose transaction is opened as bot/core.py opens it
(BEGIN IMMEDIATE on SQLite) and rolled back afterwards, so the database is left unchanged. The time of a
call is session + transaction + the use case + rollback. Each statement the paths run is timed too; with
--explain (or when a path misses its target) the slowest statements are shown with their query plans.
"cpu" columns are this thread's CPU time per call (all of the work on SQLite; the client's share on
PostgreSQL): a busy machine inflates wall-clock p99s, not these. --with-index "CREATE INDEX …" measures
again with candidate indexes (on a copy of the SQLite file; on PostgreSQL in place, dropped afterwards).
E.g. the digest's p99 was 21-31 ms (SQLite and PostgreSQL) until migration 0003 added the two indexes
this measured: --with-index "CREATE INDEX ix_tickets_grid_resolved ON tickets (grid_id, resolved_at)"
--with-index "CREATE INDEX ix_tickets_grid_closed ON tickets (grid_id, closed_at)" (4-12 ms with them).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import random
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import event, func, select  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from bench.scale_data import NOW, ROOT, Scale, build_sqlite, county, ensure_sqlite, load_postgres  # noqa: E402
from bot import actions  # noqa: E402
from bot.config import Config, Role  # noqa: E402
from bot.db import create_db_engine, session_factory  # noqa: E402
from bot.digest import digest_text, week_of  # noqa: E402
from bot.models import Ticket, TicketEvent  # noqa: E402
from bot.reminders import SYSTEM, Reminders, next_talk_day  # noqa: E402
from bot.tickets import Context  # noqa: E402
from bot.workflow import actor_for  # noqa: E402

TARGET_MS = 20.0
PG_PORT = 55471


# -- the four paths ----------------------------------------------------------------------------------------
def prepare(config: Config, sessions, scale: Scale, calls: int, seed: int) -> dict[str, list]:
    """Random arguments for every call, drawn before timing: (label, callable(session) -> output)."""
    rng = random.Random(seed)
    workers = [w for w in config.workers if w.role == Role.GRID_WORKER]
    grids = list(config.grids)
    reminders = Reminders(config)
    with sessions() as session:
        top = session.execute(select(func.max(Ticket.id))).scalar_one()
        numbers = [rng.randint(1, top) for _ in range(calls)]
        rows = session.execute(
            select(Ticket.id, Ticket.reporter_id, Ticket.reporter_name, Ticket.source_chat_id).where(
                Ticket.id.in_(set(numbers))
            )
        ).all()
    reporters = {r.id: r for r in rows}

    def mine(worker):
        def call(session):
            ctx = Context(
                session=session,
                config=config,
                now=NOW,
                actor=actor_for(config, worker.user_id, worker.name),
                chat_id=worker.user_id,  # in a DM with the bot
                message_id="1",
            )
            actions.my_tickets(ctx)
            return ctx.out[0].text

        return call

    def progress(number):
        r = reporters[number]

        def call(session):
            ctx = Context(
                session=session,
                config=config,
                now=NOW,
                actor=actor_for(config, r.reporter_id, r.reporter_name),
                chat_id=r.source_chat_id,  # asked in the grid group
                message_id="1",
            )
            actions.progress(ctx, number)
            return ctx.out[0].text

        return call

    def agenda(grid):
        def call(session):
            ctx = Context(session=session, config=config, now=NOW, actor=SYSTEM, chat_id=None)
            return reminders._agenda(ctx, grid, NOW)

        return call

    def digest(grid):
        start = next_talk_day(config, grid, NOW)
        week = week_of(start - dt.timedelta(days=7))  # as Reminders._talk_day asks for it

        def call(session):
            return digest_text(session, config, grid, week, NOW)

        return call

    return {
        "我的工单 my_tickets": [mine(rng.choice(workers)) for _ in range(calls)],
        "进度 N progress": [progress(n) for n in numbers],
        "议程 _agenda": [agenda(rng.choice(grids)) for _ in range(calls)],
        "简报 digest_text": [digest(rng.choice(grids)) for _ in range(calls)],
    }


# -- timing ------------------------------------------------------------------------------------------------
class Statements:
    """Times every statement the engine runs, grouped by the path that ran it."""

    def __init__(self, engine):
        self.path = ""
        self.seen: dict[str, dict[str, list]] = defaultdict(lambda: defaultdict(list))
        self.slowest: dict[tuple[str, str], tuple[float, object]] = {}

        @event.listens_for(engine, "before_cursor_execute")
        def _before(conn, cursor, statement, parameters, context, executemany):
            conn.info.setdefault("bench_t0", []).append(time.perf_counter())

        @event.listens_for(engine, "after_cursor_execute")
        def _after(conn, cursor, statement, parameters, context, executemany):
            elapsed = time.perf_counter() - conn.info["bench_t0"].pop()
            if not self.path:
                return
            self.seen[self.path][statement].append(elapsed)
            key = (self.path, statement)
            if elapsed > self.slowest.get(key, (-1.0, None))[0]:
                self.slowest[key] = (elapsed, parameters)


def quantile(values: list[float], q: float) -> float:
    """Nearest-rank quantile."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, int(-(-q * len(ordered) // 1)) - 1))]


def measure(sessions, calls: list, warmup: int, statements: Statements, name: str):
    """Wall time of each call, and this thread's CPU time (which a busy machine does not inflate)."""
    outputs = []
    for call in calls[:warmup]:  # warm the caches; not counted
        _one(sessions, call)
    times, cpu = [], []
    statements.path = name
    for call in calls:
        started, started_cpu = time.perf_counter(), time.thread_time()
        outputs.append(_one(sessions, call))
        times.append(time.perf_counter() - started)
        cpu.append(time.thread_time() - started_cpu)
    statements.path = ""
    return times, cpu, outputs


def _one(sessions, call):
    session = sessions()
    try:
        session.begin()
        return call(session)
    finally:
        session.rollback()
        session.close()


# -- query plans -------------------------------------------------------------------------------------------
def explain(engine, statement: str, parameters) -> list[str]:
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        if engine.dialect.name == "sqlite":
            cursor.execute("EXPLAIN QUERY PLAN " + statement, parameters)
            return [f"{'  ' * _depth(row, cursor)}{row[-1]}" for row in cursor.fetchall()]
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)
        return [row[0] for row in cursor.fetchall()]
    finally:
        raw.rollback()
        raw.close()


_PARENTS: dict[int, int] = {}


def _depth(row, cursor) -> int:
    node, parent = row[0], row[1]
    _PARENTS[node] = _PARENTS.get(parent, -1) + 1 if parent else 0
    return _PARENTS[node]


# -- reporting ---------------------------------------------------------------------------------------------
def machine() -> str:
    mem_kb = next(int(line.split()[1]) for line in open("/proc/meminfo") if line.startswith("MemTotal"))
    load = os.getloadavg()
    return (
        f"{os.cpu_count()} CPUs, {mem_kb / 1048576:.1f} GiB RAM, load {load[0]:.1f}/{load[1]:.1f}/{load[2]:.1f}; "
        f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}"
    )


def describe_data(sessions) -> list[str]:
    with sessions() as session:
        statuses = dict(session.execute(select(Ticket.status, func.count()).group_by(Ticket.status)).all())
        events = session.execute(select(func.count()).select_from(TicketEvent)).scalar_one()
        per_grid = sorted(
            n for (n,) in session.execute(select(func.count()).select_from(Ticket).group_by(Ticket.grid_id)).all()
        )
        span = session.execute(select(func.min(Ticket.created_at), func.max(Ticket.created_at))).one()
    total = sum(statuses.values())
    open_ = sum(statuses.get(s, 0) for s in ("new", "claimed", "reopened", "transferred"))
    mix = ", ".join(f"{s} {n / total:.1%}" for s, n in sorted(statuses.items(), key=lambda kv: -kv[1]))
    return [
        f"{total:,} tickets ({span[0]:%Y-%m-%d} … {span[1]:%Y-%m-%d}), {events:,} events "
        f"({events / total:.2f} per ticket); open {open_:,} ({open_ / total:.1%})",
        f"status: {mix}",
        f"tickets per grid: min {per_grid[0]}, median {per_grid[len(per_grid) // 2]}, "
        f"p99 {quantile(per_grid, 0.99)}, max {per_grid[-1]} over {len(per_grid)} grids",
    ]


def run(url: str, label: str, config: Config, scale: Scale, args) -> dict[str, tuple[float, float]]:
    engine = create_db_engine(url)
    sessions = session_factory(engine)
    statements = Statements(engine)
    print(f"\n== {label}")
    for line in describe_data(sessions):
        print(f"   {line}")
    plans = prepare(config, sessions, scale, args.calls, args.seed)
    print(f"   {args.calls} calls per path after {args.warmup} warm-up calls; times in ms; load before: "
          f"{os.getloadavg()[0]:.1f}")  # fmt: skip
    print(f"   {'path':<20} {'p50':>7} {'p90':>7} {'p99':>7} {'max':>7}  {'target p99<20':<14} "
          f"{'cpu p50':>7} {'cpu p99':>7}  output")  # fmt: skip
    results = {}
    missed = []
    for name, calls in plans.items():
        times, cpu, outputs = measure(sessions, calls, args.warmup, statements, name)
        ms = [t * 1000 for t in times]
        cpu_ms = [t * 1000 for t in cpu]
        p50, p90, p99 = quantile(ms, 0.5), quantile(ms, 0.9), quantile(ms, 0.99)
        ok = p99 < TARGET_MS
        if not ok:
            missed.append(name)
        lines = sum(len(o.splitlines()) for o in outputs) / len(outputs)
        print(f"   {name:<20} {p50:7.2f} {p90:7.2f} {p99:7.2f} {max(ms):7.2f}  {'ok' if ok else 'MISSED':<14} "
              f"{quantile(cpu_ms, 0.5):7.2f} {quantile(cpu_ms, 0.99):7.2f}  {lines:.1f} lines/reply")  # fmt: skip
        results[name] = (p50, p99)
    print(f"   load after: {os.getloadavg()[0]:.1f}")
    print("   statements per path (per call; p50/p99 ms of each statement):")
    for name in plans:
        per_call = {s: len(v) / args.calls for s, v in statements.seen[name].items()}
        ranked = sorted(statements.seen[name].items(), key=lambda kv: -quantile(kv[1], 0.99))
        print(f"   {name}: {sum(per_call.values()):.1f} statements")
        for statement, times in ranked[:8]:
            ms = [t * 1000 for t in times]
            text = " ".join(statement.split())
            print(f"      {per_call[statement]:4.1f}x {quantile(ms, 0.5):6.2f} {quantile(ms, 0.99):6.2f}  "
                  f"{text[:150]}{'…' if len(text) > 150 else ''}")  # fmt: skip
    if args.explain or missed:
        print("   query plans of the slowest statements (with the parameters of their slowest call):")
        for name in plans if args.explain else missed:
            selects = [kv for kv in statements.seen[name].items() if kv[0].lstrip().upper().startswith("SELECT")]
            ranked = sorted(selects, key=lambda kv: -quantile(kv[1], 0.99))
            for statement, _ in ranked[: args.explain_top]:
                elapsed, parameters = statements.slowest[(name, statement)]
                print(f"   -- {name}: {' '.join(statement.split())[:300]}")
                print(f"      parameters {parameters!r} ({elapsed * 1000:.2f} ms)")
                for line in explain(engine, statement, parameters):
                    print(f"      | {line}")
    engine.dispose()
    return results


# -- PostgreSQL --------------------------------------------------------------------------------------------
def throwaway_postgres(port: int) -> tuple[str, str]:
    folder = tempfile.mkdtemp(prefix="gridbot-scale-pg-")
    url = (
        subprocess.run(
            [str(ROOT / ".ci" / "postgres.sh"), "start", folder, str(port)],
            check=True,
            capture_output=True,
            text=True,
            timeout=300,
        )
        .stdout.strip()
        .splitlines()[-1]
    )
    return url, folder


def stop_postgres(folder: str) -> None:
    subprocess.run([str(ROOT / ".ci" / "postgres.sh"), "stop", folder], check=False, timeout=120)
    shutil.rmtree(folder, ignore_errors=True)  # its data: 2.5 GB


def pg_version(url: str) -> str:
    engine = create_db_engine(url)
    with engine.connect() as conn:
        version = conn.exec_driver_sql("SHOW server_version").scalar()
        buffers = conn.exec_driver_sql("SHOW shared_buffers").scalar()
    engine.dispose()
    return f"PostgreSQL {version}, shared_buffers {buffers}"


def with_indexes(url: str, statements: list[str], folder: Path) -> tuple[str, callable]:
    """The database with `statements` (CREATE INDEX …) applied: a copy for SQLite, in place (undone after)
    for PostgreSQL. Returns its URL and the undo."""
    names = [re.search(r"INDEX\s+(?:IF NOT EXISTS\s+)?(\w+)", sql, re.I).group(1) for sql in statements]
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        copy = folder / "with-indexes.db"
        shutil.copyfile(parsed.database, copy)
        con = sqlite3.connect(copy)
        for sql in statements:
            con.execute(sql)
        con.close()
        return f"sqlite:///{copy}", lambda: copy.unlink(missing_ok=True)
    engine = create_db_engine(url)
    with engine.begin() as conn:
        for sql in statements:
            conn.exec_driver_sql(sql)
        conn.exec_driver_sql("ANALYZE tickets")

    def undo() -> None:
        with engine.begin() as conn:
            for name in names:
                conn.exec_driver_sql(f'DROP INDEX IF EXISTS "{name}"')
        engine.dispose()

    return url, undo


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--events", type=int, default=5_000_000)
    parser.add_argument("--grids", type=int, default=2400)
    parser.add_argument("--workers", type=int, default=20_000)
    parser.add_argument("--calls", type=int, default=500, help="timed calls per path")
    parser.add_argument("--warmup", type=int, default=50, help="untimed calls per path first")
    parser.add_argument("--seed", type=int, default=7, help="seed of the random calls (the data's is fixed)")
    parser.add_argument("--database-url", help="measure this database instead of the cached SQLite file")
    parser.add_argument("--postgres", action="store_true", help="also measure a throw-away PostgreSQL")
    parser.add_argument("--postgres-port", type=int, default=PG_PORT)
    parser.add_argument("--reload", action="store_true", help="let --database-url replace the tickets it holds")
    parser.add_argument("--rebuild", action="store_true", help="rebuild the cached SQLite file")
    parser.add_argument("--explain", action="store_true", help="show query plans for every path")
    parser.add_argument("--explain-top", type=int, default=3, help="statements per path to explain")
    parser.add_argument(
        "--with-index",
        action="append",
        default=[],
        metavar="SQL",
        help="also measure with this CREATE INDEX applied (SQLite: on a copy; PostgreSQL: dropped again after)",
    )
    args = parser.parse_args()
    scale = Scale(args.tickets, args.events, args.grids, args.workers)
    print(f"machine: {machine()}")
    started = time.perf_counter()
    path, built = ensure_sqlite(scale, rebuild=args.rebuild)
    if built:
        print(f"built {path.name}: {built.rows['tickets']:,} tickets, {built.rows['ticket_events']:,} events, "
              f"{built.rows['ticket_supporters']:,} 附议, {built.rows['topics']:,} topics, "
              f"{built.rows['residents']:,} residents — rows {built.seconds_rows:.0f} s (of which inserts "
              f"{built.seconds_inserts:.0f} s, generating the rest) + indexes {built.seconds_indexes:.0f} s = "
              f"{built.seconds_total:.0f} s; {path.stat().st_size / 1e9:.2f} GB")  # fmt: skip
    else:
        print(f"cached: {path.relative_to(ROOT)} ({path.stat().st_size / 1e9:.2f} GB; built earlier)")
    targets: list[tuple[str, str]] = []  # (url, short name)
    pg_folder = None
    if args.database_url:
        targets.append((args.database_url, make_url(args.database_url).get_backend_name()))
    else:
        targets.append((f"sqlite:///{path}", "SQLite"))
    if args.postgres and not args.database_url:
        print(f"starting a throw-away PostgreSQL on port {args.postgres_port} (.ci/postgres.sh) …")
        pg_url, pg_folder = throwaway_postgres(args.postgres_port)
        targets.append((pg_url, "PostgreSQL"))
    config_time = time.perf_counter()
    config, _ = county(scale, targets[0][0])
    print(f"county config: {len(config.grids):,} grids, {len(config.workers):,} workers "
          f"(parsed in {time.perf_counter() - config_time:.1f} s)")  # fmt: skip
    summary = {}
    scratch = Path(tempfile.mkdtemp(prefix="scale-", dir=path.parent))
    try:
        for url, name in targets:
            backend = make_url(url).get_backend_name()
            label = f"{name}: {make_url(url).render_as_string()}"
            if backend == "postgresql":
                print(f"\nloading {make_url(url).render_as_string()} from the cached file (COPY) …")
                loaded = load_postgres(scale, url, path, reload=args.reload)
                if loaded:
                    print(f"   loaded in {loaded.seconds_total:.0f} s (COPY {loaded.seconds_rows:.0f} s, "
                          f"constraints + indexes + VACUUM ANALYZE {loaded.seconds_indexes:.0f} s)")  # fmt: skip
                else:
                    print("   already holds this data set")
                label = f"{pg_version(url)}: {make_url(url).render_as_string()}"
            elif backend == "sqlite":
                file = Path(make_url(url).database)
                if args.database_url and not file.exists():
                    build_sqlite(scale, file)
                label = f"SQLite {sqlite3.sqlite_version}: {file}"
            summary[name] = run(url, label, config, scale, args)
            if args.with_index:
                indexed, undo = with_indexes(url, args.with_index, scratch)
                try:
                    name_with = f"{name} + indexes"
                    summary[name_with] = run(indexed, f"{label} + " + "; ".join(args.with_index), config, scale, args)
                finally:
                    undo()
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
        if pg_folder:
            stop_postgres(pg_folder)
    print("\nsummary: p50 / p99 ms (target p99 < 20 ms)")
    names = list(next(iter(summary.values())))
    print(f"   {'':<20}" + "".join(f"{n:>20}" for n in names))
    for name, results in summary.items():
        cells = "".join(f"{results[n][0]:>11.2f} /{results[n][1]:>6.2f}" + ("!" if results[n][1] >= TARGET_MS else " ")
                        for n in names)  # fmt: skip
        print(f"   {name:<20}{cells}")
    print(f"total {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
