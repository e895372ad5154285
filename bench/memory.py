"""Resident memory of the running bot on the county-scale ledger: 2,400 grids, 20,000 workers, 1M tickets.

    python bench/memory.py [--tickets 1000000 --events 5000000 --grids 2400 --workers 20000] [--messages 300]

The bot runs in a child process of its own, so that its RSS is the bot's alone: a TelegramRuntime wired
to the sandbox exactly as handlers.sandboxed.sandboxed_bot wires it (the sandbox itself, populated with
handlers.sandboxed.populate, lives in this process). It works on a copy of bench/scale.py's cached
database (built first if missing), on which the bot's own scheduler has already queued, and marked as
sent, everything due an hour before the start — the state of a bot that has been running. The bot's
clock starts at Tuesday 09:00 local, the talk day: its first tick queues and posts the 2,400 agendas.

Then a few hundred messages (reports in random grids, 进度 N from reporters, 我的工单 from workers) are
processed. Prints the child's VmRSS (from /proc/<pid>/status) after start-up, after the talk-day posts,
after the messages, and its peak (VmHWM), against the 200 MB target; and, for scale, the same bot with
the 4-grid example config on an empty database. Every wait is bounded.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import logging
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

TARGET_MB = 200.0
MILESTONES = ("imports", "config", "runtime built", "started")


def quiet_logs() -> None:
    """Warnings only; not the 4,800 "dropped talk_notice/digest" lines a start at 09:00 Tuesday logs."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("bot.reminders").setLevel(logging.ERROR)


def rss(pid: int | str = "self") -> dict[str, float]:
    """VmRSS, VmHWM (peak), RssAnon and RssFile of a process, in MB."""
    wanted = {"VmRSS", "VmHWM", "RssAnon", "RssFile"}
    out = {}
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            key, _, value = line.partition(":")
            if key in wanted:
                out[key] = int(value.split()[0]) / 1024
    return out


# -- the child: the bot -------------------------------------------------------------------------------------
def child(args) -> None:
    """Run the bot until SIGTERM, printing its RSS at each start-up milestone as JSON lines."""

    if args.trace:
        import tracemalloc

        tracemalloc.start(1)

    def report(stage: str) -> None:
        print(json.dumps({"stage": stage, **rss()}), flush=True)

    def dump_allocations() -> None:
        """Where the traced Python memory lives, by source file (stderr); native memory is not traced."""
        import tracemalloc

        snapshot = tracemalloc.take_snapshot()
        stats = snapshot.statistics("filename")
        total = sum(s.size for s in stats)
        lines = [f"   traced Python allocations: {total / 1e6:.1f} MB; largest by file:"]
        for stat in stats[:14]:
            name = str(stat.traceback[0].filename).replace(str(ROOT) + "/", "").split("site-packages/")[-1]
            lines.append(f"      {stat.size / 1e6:7.1f} MB  {stat.count:>9,} blocks  {name}")
        print("\n".join(lines), file=sys.stderr, flush=True)

    quiet_logs()

    from bot.config import load_config
    from handlers.runtime import TelegramRuntime

    report("imports")
    # as `gridbot run` does: the config file, with the database from the environment's override
    config = load_config(args.config, environ={"GRIDBOT_DATABASE_URL": f"sqlite:///{args.db}"})
    report("config")
    began = time.monotonic()
    start = dt.datetime.fromisoformat(args.clock)

    def clock() -> dt.datetime:
        return start + dt.timedelta(seconds=time.monotonic() - began)

    async def serve() -> None:
        runtime = TelegramRuntime(
            config, clock=clock, base_url=args.base_url, base_file_url=args.base_file_url, token=args.token
        )
        report("runtime built")
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        loop.add_signal_handler(signal.SIGTERM, stop.set)
        if args.trace:
            loop.add_signal_handler(signal.SIGUSR1, dump_allocations)
        await runtime.start(poll_timeout=1)
        report("started")
        await stop.wait()
        await runtime.stop()

    asyncio.run(serve())


# -- the parent: database, sandbox, traffic -----------------------------------------------------------------
def prepare_copy(scale, folder: Path) -> tuple[Path, float, int]:
    """A copy of the cached ledger on which everything due an hour before the start is queued and sent."""
    from sqlalchemy import update

    from bench.scale_data import NOW, county, ensure_sqlite
    from bot.db import create_db_engine, session_factory
    from bot.models import OutboxMessage
    from bot.scheduler import run_due

    cached, _ = ensure_sqlite(scale)
    copy = folder / "ledger.db"
    started = time.perf_counter()
    shutil.copyfile(cached, copy)
    copied = time.perf_counter() - started
    config, _ = county(scale, f"sqlite:///{copy}")
    engine = create_db_engine(f"sqlite:///{copy}")
    sessions = session_factory(engine)
    before = NOW - dt.timedelta(hours=1)
    queued = run_due(sessions, config, before)
    with sessions() as session, session.begin():
        session.execute(update(OutboxMessage).values(status="sent", sent_at=before))
    engine.dispose()
    return copy, copied, queued


def residents_and_tickets(db: Path, count: int, rng: random.Random) -> list[tuple]:
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    top = con.execute("SELECT max(id) FROM tickets").fetchone()[0]
    rows = []
    for number in (rng.randint(1, top) for _ in range(count)):
        rows.append(con.execute(
            "SELECT id, reporter_id, reporter_name, source_chat_id FROM tickets WHERE id = ?", (number,)
        ).fetchone())  # fmt: skip
    con.close()
    return rows


def backlog(db: Path, now: dt.datetime) -> tuple[int, int]:
    """(inbox rows not yet processed, outbox rows due and not yet sent) in the bot's database."""
    from bench.scale_data import stamp

    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30)
    try:
        inbox = con.execute("SELECT count(*) FROM inbox WHERE status = 'pending'").fetchone()[0]
        outbox = con.execute(
            "SELECT count(*) FROM outbox WHERE status = 'pending' AND due_at <= ?", (stamp(int(now.timestamp())),)
        ).fetchone()[0]
    finally:
        con.close()
    return inbox, outbox


async def settle(db: Path, clock, pid: int, timeout: float) -> tuple[bool, float]:
    """Until the bot has processed every stored update and sent every due message; (settled, peak RSS)."""
    deadline = time.monotonic() + timeout
    peak = 0.0
    while time.monotonic() < deadline:
        peak = max(peak, rss(pid)["VmRSS"])
        if backlog(db, clock()) == (0, 0):
            return True, peak
        await asyncio.sleep(0.25)
    return False, peak


REPORTS = [
    "{b}栋楼道堆满杂物 好几天了没人管",
    "{b}栋门口的路灯坏了一个多月了 晚上黑漆漆的",
    "{b}栋楼下有人电动车飞线充电 太危险了",
    "{b}栋楼顶渗水 家里墙都泡了 麻烦来看看",
    "{b}栋门口天天乱停车 消防通道都堵了",
]


async def drive(args, scale, db: Path, example: bool) -> dict:
    from bench.scale_data import NOW, RESIDENT_BASE, county
    from bot.config import Role, load_config
    from bot.sandbox import Sandbox
    from handlers.sandboxed import populate

    rng = random.Random(11)
    config_path = db.with_suffix(".toml")
    if example:
        shutil.copyfile(ROOT / "config.example.toml", config_path)
        config = load_config(config_path)
    else:
        config, text = county(scale, f"sqlite:///{db}")
        config_path.write_text(text, encoding="utf-8")
    result: dict = {"samples": {}}
    async with Sandbox() as sb:
        populate(sb, config)
        command = [
            sys.executable, str(Path(__file__).resolve()), "--child", "--db", str(db), "--base-url", sb.base_url,
            "--base-file-url", sb.base_file_url, "--token", sb.token, "--clock", NOW.isoformat(),
            "--config", str(config_path),
        ]  # fmt: skip
        command += ["--trace"] if args.trace else []
        proc = await asyncio.create_subprocess_exec(*command, cwd=ROOT, stdout=subprocess.PIPE)
        spawned = time.monotonic()

        def clock() -> dt.datetime:  # at or ahead of the bot's own clock, which starts a little later
            return NOW + dt.timedelta(seconds=time.monotonic() - spawned)

        try:
            started = time.perf_counter()
            while True:  # the child's milestones, up to "started" (it has begun polling)
                line = await asyncio.wait_for(proc.stdout.readline(), timeout=args.timeout)
                if not line:
                    raise RuntimeError(f"the bot exited during start-up (code {await proc.wait()})")
                stage = json.loads(line)
                result["samples"][stage.pop("stage")] = stage
                if "started" in result["samples"]:
                    break
            result["start_seconds"] = time.perf_counter() - started
            # the talk-day tick queued its posts before polling began; wait until they are all sent
            t0 = time.perf_counter()
            settled, peak_seen = await settle(db, clock, proc.pid, args.timeout)
            result["tick_sends"] = sb.stats["sent"]
            result["tick_send_seconds"] = time.perf_counter() - t0
            result["samples"]["scheduled posts sent" if settled else "posts NOT all sent (timeout)"] = rss(proc.pid)
            if args.trace:
                proc.send_signal(signal.SIGUSR1)
                await asyncio.sleep(3)
            # traffic
            grids = list(config.grids)
            workers = [w for w in config.workers if w.role == Role.GRID_WORKER]
            asks = residents_and_tickets(db, args.messages // 6, rng) if not example else []
            plan = []
            for i in range(args.messages):
                kind = i % 6
                if kind == 4 and asks:
                    number, user, name, chat = asks[(i // 6) % len(asks)]
                    sb.add_user(int(user), name)
                    plan.append((int(chat), int(user), f"进度 {number}"))
                elif kind == 5:
                    w = rng.choice(workers)
                    plan.append((w.telegram_id, w.telegram_id, "我的工单"))
                else:
                    grid = rng.choice(grids)
                    user = RESIDENT_BASE + 9_000_000 + i
                    sb.add_user(user, f"居民{i}")
                    plan.append((int(grid.chat_id), user, rng.choice(REPORTS).format(b=1 + i % 30)))
            sent_before = sb.stats["sent"]
            t0 = time.perf_counter()
            for n, (chat, user, text) in enumerate(plan):
                sb.send_message(chat, user, text)
                if n % 20 == 19:
                    await asyncio.sleep(0.05)
                    peak_seen = max(peak_seen, rss(proc.pid)["VmRSS"])
            await sb.wait_until_consumed(timeout=args.timeout)
            settled, peak = await settle(db, clock, proc.pid, args.timeout)
            result["messages"] = len(plan)
            result["message_seconds"] = time.perf_counter() - t0
            result["replies"] = sb.stats["sent"] - sent_before
            result["errors"] = sb.stats["errors"]
            stage = f"after {len(plan)} messages" if settled else f"{len(plan)} messages NOT all done (timeout)"
            result["samples"][stage] = rss(proc.pid)
            result["final"] = result["samples"][stage]
            result["peak_sampled"] = max(peak_seen, peak)
            if args.trace:
                proc.send_signal(signal.SIGUSR1)
                await asyncio.sleep(3)
            con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
            result["inbox"] = dict(con.execute("SELECT status, count(*) FROM inbox GROUP BY status").fetchall())
            con.close()
        finally:
            if proc.returncode is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    await asyncio.wait_for(proc.wait(), timeout=30)
                except TimeoutError:
                    proc.kill()
                    await proc.wait()
    return result


def show(title: str, result: dict) -> None:
    print(f"\n== {title}")
    print(f"   {'stage':<28} {'VmRSS':>8} {'RssAnon':>8} {'RssFile':>8} {'VmHWM':>8}   (MB)")
    for stage, sample in result["samples"].items():
        print(f"   {stage:<28} {sample['VmRSS']:8.1f} {sample['RssAnon']:8.1f} {sample['RssFile']:8.1f} "
              f"{sample['VmHWM']:8.1f}")  # fmt: skip
    r = result
    print(f"   start-up to polling: {r['start_seconds']:.1f} s; then the scheduled posts: {r['tick_sends']} sends in "
          f"{r['tick_send_seconds']:.1f} s; {r['messages']} messages → {r['replies']} sends in "
          f"{r['message_seconds']:.1f} s; sandbox errors {r['errors']}; inbox {r['inbox']}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--events", type=int, default=5_000_000)
    parser.add_argument("--grids", type=int, default=2400)
    parser.add_argument("--workers", type=int, default=20_000)
    parser.add_argument("--messages", type=int, default=300)
    parser.add_argument("--timeout", type=float, default=600.0, help="bound on each wait, seconds")
    parser.add_argument("--no-baseline", action="store_true", help="skip the example-config run")
    parser.add_argument("--trace", action="store_true", help="tracemalloc in the bot: where its Python memory is")
    # the child
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--config", help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    parser.add_argument("--base-url", help=argparse.SUPPRESS)
    parser.add_argument("--base-file-url", help=argparse.SUPPRESS)
    parser.add_argument("--token", help=argparse.SUPPRESS)
    parser.add_argument("--clock", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return

    from bench.scale_data import OUT, Scale

    scale = Scale(args.tickets, args.events, args.grids, args.workers)
    quiet_logs()
    mem_kb = next(int(line.split()[1]) for line in open("/proc/meminfo") if line.startswith("MemTotal"))
    print(f"machine: {os.cpu_count()} CPUs, {mem_kb / 1048576:.1f} GiB RAM, load {os.getloadavg()[0]:.1f}")
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="memory-", dir=OUT) as folder:
        results = {}
        if not args.no_baseline:
            results["example"] = asyncio.run(drive(args, scale, Path(folder) / "example.db", example=True))
            show("example config (4 grids, 11 people), empty database", results["example"])
        db, copied, queued = prepare_copy(scale, Path(folder))
        print(f"\nledger copied in {copied:.1f} s ({db.stat().st_size / 1e9:.2f} GB); the hour before the start "
              f"queued {queued:,} sends, marked sent")  # fmt: skip
        county_result = asyncio.run(drive(args, scale, db, example=False))
        show(f"county: {scale.grids:,} grids, {scale.workers:,} workers, {scale.tickets:,} tickets, "
             f"{scale.events:,} events", county_result)  # fmt: skip
    final = county_result["final"]
    peak = max(final["VmHWM"], county_result["peak_sampled"])
    verdict = "ok" if peak < TARGET_MB else "MISSED"
    print(
        f"\nRSS after the messages {final['VmRSS']:.1f} MB, peak {peak:.1f} MB: target < {TARGET_MB:.0f} MB {verdict}"
    )


if __name__ == "__main__":
    main()
