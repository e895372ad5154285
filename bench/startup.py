"""Time from `gridbot run` starting to its first getUpdates (ready to poll); target ≤ 2 s.

    python bench/startup.py [--runs 3] [--profile] [--no-county]

`python -m bot.cli run --config <a copy of config.example.toml>` runs as a subprocess against a sandbox
Bot API in this process (GRIDBOT_TELEGRAM_TOKEN / _BASE_URL / GRIDBOT_DATABASE_URL in its environment);
the clock starts just before the process is spawned and stops when the sandbox records its first
getUpdates call (polled every millisecond); "its CPU" is the process's user + system time by then, which
a busy machine does not inflate. The first API call (getMe) is shown too: before it lie the
imports, the config, the database migrations and the classifier. Then SIGTERM, and the time to exit.

"1st reply": once it polls, a resident reports a problem in a grid group; the time to the bot's answer
(whatever is loaded on first need is paid here). Rows: with the default segmenter (rjieba when installed,
as in the dev venv) and with GRIDBOT_SEGMENTER=jieba (what a plain `pip install .` has: rjieba is the
optional "fast" extra): first a cold start (no jieba prefix-dictionary cache: a fresh XDG_CACHE_HOME; a
new database, so migrations run from zero), then warm ones. Then one start without compiled bytecode (a
fresh PYTHONPYCACHEPREFIX: the worst first start), and a county-sized config (2,400 grids, 20,000
workers; empty database) for comparison.
With --profile, or when a warm start misses the target: `python -X importtime` of a start (the heaviest
imports) and a pyinstrument profile of one.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.config import load_config  # noqa: E402
from bot.sandbox import Sandbox  # noqa: E402
from handlers.sandboxed import populate  # noqa: E402

TARGET = 2.0


PROBE_CHAT = -1001000000001  # the example's first grid
PROBE_TEXT = "3栋楼道堆满杂物 好几天了没人管"
_probe_user = iter(range(5_000_001, 5_100_000))


async def start_once(sb: Sandbox, config: Path, env: dict, prefix: list[str] | None = None,
                     timeout: float = 60.0, log: Path | None = None, probe: bool = False) -> dict:  # fmt: skip
    """Spawn `gridbot run`, time its first getMe and first getUpdates, stop it with SIGTERM.

    With `probe`, once it polls a resident reports a problem in a grid group: the time to the bot's answer
    is the first message's latency (with everything loaded on first need).
    """
    seen = len(sb.calls)
    first_reply = None
    command = [*(prefix or [sys.executable]), "-m", "bot.cli", "run", "--config", str(config)]
    out = open(log, "wb") if log else subprocess.DEVNULL
    started = time.perf_counter()
    proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=out)
    first_call = ready = cpu = None
    try:
        while time.perf_counter() - started < timeout:
            calls = [method for method, _ in sb.calls[seen:]]
            if calls and first_call is None:
                first_call = time.perf_counter() - started
            if "getUpdates" in calls:
                ready = time.perf_counter() - started
                cpu = cpu_seconds(proc.pid)
                break
            if proc.poll() is not None:
                break
            await asyncio.sleep(0.001)
        if probe and ready is not None:
            user = next(_probe_user)
            sb.add_user(user, "居民")
            before = len(sb.bot_messages(PROBE_CHAT))
            asked = time.perf_counter()
            sb.send_message(PROBE_CHAT, user, PROBE_TEXT)
            await sb.wait_for_count(before + 1, chat_id=PROBE_CHAT, timeout=30)
            first_reply = time.perf_counter() - asked
    finally:
        stopping = time.perf_counter()
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
        deadline = time.perf_counter() + 30
        while proc.poll() is None and time.perf_counter() < deadline:
            await asyncio.sleep(0.01)
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        stopped = time.perf_counter() - stopping
        if log:
            out.close()
    if ready is None:
        tail = log.read_text(errors="replace")[-2000:] if log else ""
        raise RuntimeError(f"no getUpdates within {timeout:.0f} s (exit code {proc.returncode})\n{tail}")
    return {"first_call": first_call, "ready": ready, "cpu": cpu, "reply": first_reply, "stop": stopped}


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (from /proc): what a start costs on an idle machine."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def environment(sb: Sandbox, db: Path, cache: Path, **extra: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GRIDBOT_", "PYTHONPYCACHEPREFIX"))}
    env.update(
        GRIDBOT_TELEGRAM_TOKEN=sb.token,
        GRIDBOT_TELEGRAM_BASE_URL=sb.base_url,
        GRIDBOT_DATABASE_URL=f"sqlite:///{db}",
        XDG_CACHE_HOME=str(cache),
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


async def profile(sb: Sandbox, config: Path, env: dict, folder: Path, title: str, imports: bool = True) -> None:
    """python -X importtime (the heaviest top-level imports) and pyinstrument (calls of ≥ 50 ms) of one start."""
    print(f"\nprofile of a warm start, {title}:")
    if imports:
        log = folder / "importtime.log"
        await start_once(sb, config, env, prefix=[sys.executable, "-X", "importtime"], log=log)
        rows = []
        for line in log.read_text(errors="replace").splitlines():
            match = re.match(r"import time:\s+(\d+) \|\s+(\d+) \| (\s*)(\S+)", line)
            if match:
                _own, cumulative, indent, name = match.groups()
                rows.append((int(cumulative) / 1e6, len(indent) // 2, name))
        top = sorted((r for r in rows if r[1] <= 1), reverse=True)[:14]
        total = sum(r[0] for r in rows if r[1] == 0)
        print(f"   python -X importtime: {total:.2f} s in top-level imports; heaviest (cumulative s, depth ≤ 1):")
        for cumulative, depth, name in top:
            print(f"      {cumulative:6.3f}  {'  ' * depth}{name}")
    out = folder / f"pyinstrument-{config.stem}.txt"
    prefix = [sys.executable, "-m", "pyinstrument", "--renderer", "text", "-o", str(out)]
    try:
        await start_once(sb, config, env, prefix=prefix, timeout=120)
    except RuntimeError as exc:
        print(f"   pyinstrument run failed: {exc}")
        return
    await asyncio.sleep(0.5)
    if out.exists():
        lines = [line for line in out.read_text(errors="replace").splitlines() if line.strip()]
        shown = [line for line in lines if _seconds_of(line) >= 0.05 or _seconds_of(line) < 0]
        print(f"   pyinstrument (with its own overhead; calls ≥ 50 ms; full profile with --keep: {out.name}):")
        for line in shown[:60]:
            print(f"      {line[:150]}")


def _seconds_of(line: str) -> float:
    """The time a pyinstrument text line starts with; -1 for the header lines."""
    match = re.match(r"^[\s│├└─]*(\d+\.\d+) ", line)
    if match:
        return float(match.group(1))
    return -1.0 if not re.search(r"\[\d+ frames hidden\]", line) else 0.0


async def main(args) -> None:
    mem_kb = next(int(line.split()[1]) for line in open("/proc/meminfo") if line.startswith("MemTotal"))
    print(f"machine: {os.cpu_count()} CPUs, {mem_kb / 1048576:.1f} GiB RAM, load {os.getloadavg()[0]:.1f}")
    folder = Path(tempfile.mkdtemp(prefix="gridbot-startup-"))
    try:
        config = folder / "config.toml"
        shutil.copyfile(ROOT / "config.example.toml", config)
        async with Sandbox() as sb:
            populate(sb, load_config(config))
            rows: list[tuple[str, dict]] = []
            variants = [("default segmenter", {}), ("GRIDBOT_SEGMENTER=jieba", {"GRIDBOT_SEGMENTER": "jieba"})]
            for name, extra in variants:
                tag = "jieba" if extra else "default"
                cache, db = folder / f"cache-{tag}", folder / f"{tag}.db"
                env = environment(sb, db, cache, **extra)
                cold = await start_once(sb, config, env, probe=True)
                rows.append((f"{name}: cold (no jieba cache, new db)", cold))
                for i in range(args.runs):
                    rows.append((f"{name}: warm {i + 1}", await start_once(sb, config, env, probe=True)))
            env = environment(sb, folder / "nopyc.db", folder / "cache-nopyc", PYTHONPYCACHEPREFIX=str(folder / "pyc"))
            rows.append(("no .pyc, no jieba cache, new db (worst)", await start_once(sb, config, env)))
            if not args.no_county:
                from bench.scale_data import Scale, county

                county_config = folder / "county.toml"
                _, text = county(Scale(), "sqlite:///unused.db")
                county_config.write_text(text, encoding="utf-8")
                env = environment(sb, folder / "county.db", folder / "cache-default")
                for i in range(2):
                    label = "county config (2,400 grids, 20,000 workers)" + (": new db" if i == 0 else ": warm")
                    rows.append((label, await start_once(sb, county_config, env)))
            print(f"\n   {'start (seconds)':<54} {'getMe':>6} {'getUpdates':>10} {'≤ 2 s':>6} {'its CPU':>7} "
                  f"{'1st reply':>9} {'SIGTERM→exit':>12}")  # fmt: skip
            for label, r in rows:
                verdict = "ok" if r["ready"] <= TARGET else "MISSED"
                reply = f"{r['reply']:9.2f}" if r["reply"] is not None else f"{'-':>9}"
                print(f"   {label:<54} {r['first_call']:6.2f} {r['ready']:10.2f} {verdict:>6} {r['cpu']:7.2f} "
                      f"{reply} {r['stop']:12.2f}")  # fmt: skip
            warm = [r["ready"] for label, r in rows if "warm" in label and "county" not in label]
            cpu = [r["cpu"] for label, r in rows if "warm" in label and "county" not in label]
            print(f"\n   warm starts (example config): median {statistics.median(warm):.2f} s, max {max(warm):.2f} s; "
                  f"CPU to polling median {statistics.median(cpu):.2f} s; load {os.getloadavg()[0]:.1f}")  # fmt: skip
            if args.profile or max(warm) > TARGET:
                env = environment(sb, folder / "default.db", folder / "cache-default")
                await profile(sb, config, env, folder, "example config, default segmenter")
                if not args.no_county:
                    env = environment(sb, folder / "county.db", folder / "cache-default")
                    await profile(sb, county_config, env, folder, "county config", imports=False)
    finally:
        if args.keep:
            print(f"kept {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="warm starts per segmenter")
    parser.add_argument("--profile", action="store_true", help="importtime and pyinstrument of a warm start")
    parser.add_argument("--no-county", action="store_true", help="skip the county-sized config")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (logs, profiles)")
    asyncio.run(main(parser.parse_args()))
