"""`gridbot run` as an admin starts it: a real process polling the sandbox, stopped gracefully by SIGTERM."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time

from bot.sandbox import Sandbox
from handlers.sandboxed import populate
from tests.conftest import EXAMPLE, ROOT, example_config

G1, AUNT = -1001000000001, 501


async def test_run_serves_the_group_and_stops_on_sigterm(database_url, tmp_path):
    config = example_config(database_url)
    async with Sandbox() as sb:
        populate(sb, config, [(AUNT, "张阿姨")])
        process = start_gridbot(EXAMPLE, database_url, sb.token, sb.base_url)
        ack, code, output = await report_then_stop(sb, process, timeout=30)
        assert "环境卫生" in ack["text"]
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


def start_retries(tmp_path, retries: int):
    """The example config, trying a Bot API that cannot be reached `retries` more times before giving up."""
    path = tmp_path / "config.toml"
    path.write_text(EXAMPLE.read_text(encoding="utf-8").replace("start_retries = 8", f"start_retries = {retries}"))
    return path


def run_env(database_url, token, base_url) -> dict:
    return {
        **os.environ,
        "GRIDBOT_TELEGRAM_TOKEN": token,
        "GRIDBOT_TELEGRAM_BASE_URL": base_url,
        "GRIDBOT_DATABASE_URL": database_url,
    }


def run_command(config_path) -> list[str]:
    return [sys.executable, "-m", "bot.cli", "run", "--config", str(config_path)]


def start_gridbot(config_path, database_url, token, base_url, **streams) -> subprocess.Popen:
    """`gridbot run` as a background process; by default its output and errors in one pipe."""
    streams = streams or {"stdout": subprocess.PIPE, "stderr": subprocess.STDOUT}
    return subprocess.Popen(run_command(config_path), cwd=ROOT, env=run_env(database_url, token, base_url), **streams)


async def report_then_stop(sb: Sandbox, process: subprocess.Popen, timeout: float) -> tuple[dict, int, str]:
    """张阿姨 reports in the group; once it is acknowledged, SIGTERM: (the 已受理 reply, exit code, all output)."""
    try:
        sb.send_message(G1, AUNT, "3栋楼道堆满杂物 好几天了没人管")
        ack = await sb.wait_for(lambda m: "已受理 #1" in m.get("text", ""), chat_id=G1, timeout=timeout)
        process.send_signal(signal.SIGTERM)
        code = await asyncio.to_thread(process.wait, 20)
    finally:
        if process.poll() is None:
            process.kill()
    return ack, code, process.stdout.read().decode()


def gridbot_run(config_path, database_url, token, base_url, timeout=60) -> subprocess.CompletedProcess:
    env = run_env(database_url, token, base_url)
    return subprocess.run(run_command(config_path), cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)


async def test_a_rejected_token_is_one_line_saying_where_it_is_set(database_url):
    async with Sandbox() as sb:
        result = await asyncio.to_thread(gridbot_run, EXAMPLE, database_url, "999:bad", sb.base_url)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert result.stderr.splitlines()[-1] == (
        "Telegram 拒绝了机器人令牌，机器人没有启动。请核对令牌（环境变量 GRIDBOT_TELEGRAM_TOKEN），"
        "应是 BotFather 发给你的完整令牌。"
    )
    assert "999:bad" not in result.stderr  # a token, even a wrong one, stays out of logs
    assert "重试" not in result.stderr  # a rejected token is not retried


def test_an_unreachable_bot_api_is_retried_with_growing_waits_then_one_line(database_url, tmp_path):
    with socket.socket() as closed:  # bound, never listening: every connection is refused
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
        base_url = f"http://127.0.0.1:{port}/bot"
        started = time.monotonic()
        result = gridbot_run(start_retries(tmp_path, 2), database_url, "123:abc", base_url)
        took = time.monotonic() - started
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    lines = result.stderr.splitlines()
    retries = [line for line in lines if "连不上 Telegram Bot API" in line and "秒后重试" in line]
    assert len(retries) == 2, result.stderr
    assert "1 秒后重试（第 1/2 次）" in retries[0] and "2 秒后重试（第 2/2 次）" in retries[1]
    assert lines[-1].startswith(f"连不上 Telegram Bot API（127.0.0.1:{port}），")
    assert "重试 2 次仍失败，机器人没有启动" in lines[-1] and "环境变量 GRIDBOT_TELEGRAM_BASE_URL" in lines[-1]
    assert took >= 3  # it waited 1 s, then 2 s


async def test_a_bot_api_that_answers_only_after_a_while_is_waited_for(database_url, tmp_path):
    config = example_config(database_url)
    async with Sandbox() as sb:
        populate(sb, config, [(AUNT, "张阿姨")])
        sb.faults.add("getMe", 502, count=2)  # e.g. a proxy in front of the Bot API still starting
        process = start_gridbot(start_retries(tmp_path, 3), database_url, sb.token, sb.base_url)
        _, code, output = await report_then_stop(sb, process, timeout=40)
    assert code == 0, output
    assert "Traceback" not in output
    assert output.count("秒后重试") == 2, output


def test_sigterm_while_waiting_for_the_bot_api_stops_at_once(database_url, tmp_path):
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        base_url = f"http://127.0.0.1:{closed.getsockname()[1]}/bot"
        # the example config retries for about two minutes
        process = start_gridbot(EXAMPLE, database_url, "123:abc", base_url, stderr=subprocess.PIPE, text=True)
        try:
            for line in process.stderr:
                if "秒后重试（第 1/8 次）" in line:
                    break
            process.send_signal(signal.SIGTERM)
            code = process.wait(10)
        finally:
            if process.poll() is None:
                process.kill()
        rest = process.stderr.read()
    assert code == 0, rest
    assert "Traceback" not in rest


def test_a_proxy_answering_with_an_html_page_is_one_line_per_try(database_url, tmp_path):
    """A proxy in front of the Bot API answering 502 with its HTML error page: PTB logged the whole page and a
    traceback on every try; the admin sees one line per try and the final line, as for an unreachable host."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    page = b"<html>\n<head><title>502 Bad Gateway</title></head>\n<body>\n<center><h1>502 Bad Gateway</h1></center>\n"
    page += b"<hr><center>nginx</center>\n</body>\n</html>\n"

    class Proxy(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 (http.server's naming)
            self.send_response(502)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)

        def log_message(self, *_args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Proxy)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        base_url = f"http://127.0.0.1:{server.server_address[1]}/bot"
        result = gridbot_run(start_retries(tmp_path, 1), database_url, "123:abc", base_url)
    finally:
        server.shutdown()
    output = result.stderr + result.stdout
    assert result.returncode == 1, output
    assert "Traceback" not in output
    assert not [line for line in output.splitlines() if line.startswith("<")]  # no line of the page on its own
    assert "重试 1 次仍失败" in result.stderr.splitlines()[-1]
