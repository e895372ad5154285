"""`gridbot run` as an admin starts it: a real process polling the sandbox, stopped gracefully by SIGTERM."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys

from bot.sandbox import Sandbox
from handlers.sandboxed import populate
from tests.conftest import EXAMPLE, ROOT, example_config

G1, AUNT = -1001000000001, 501


async def test_run_serves_the_group_and_stops_on_sigterm(database_url, tmp_path):
    config = example_config(database_url)
    async with Sandbox() as sb:
        populate(sb, config, [(AUNT, "张阿姨")])
        env = {
            **os.environ,
            "GRIDBOT_TELEGRAM_TOKEN": sb.token,
            "GRIDBOT_TELEGRAM_BASE_URL": sb.base_url,
            "GRIDBOT_DATABASE_URL": database_url,
        }
        process = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "run", "--config", str(EXAMPLE)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        try:
            sb.send_message(G1, AUNT, "3栋楼道堆满杂物 好几天了没人管")
            ack = await sb.wait_for(lambda m: "已受理 #1" in m.get("text", ""), chat_id=G1, timeout=30)
            assert "环境卫生" in ack["text"]
            process.send_signal(signal.SIGTERM)
            code = await asyncio.to_thread(process.wait, 20)
        finally:
            if process.poll() is None:
                process.kill()
        output = process.stdout.read().decode()
        assert code == 0, output
        assert "Traceback" not in output


def test_run_without_a_token_says_what_to_do(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "run", "--config", str(EXAMPLE)],
        cwd=ROOT,
        env={**os.environ, "GRIDBOT_TELEGRAM_TOKEN": ""},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "telegram.token" in result.stderr and "GRIDBOT_TELEGRAM_TOKEN" in result.stderr
