"""The README's first command: `gridbot demo` plays a morning against the sandbox and ends with a sound ledger."""

from __future__ import annotations

from click.testing import CliRunner

from bot.cli import main


def test_the_demo_morning_runs_through_and_every_ticket_is_in_hand():
    result = CliRunner().invoke(main, ["demo"])
    assert result.exit_code == 0, result.output
    ledger = result.output.split("===== 台账 =====")[1].strip().splitlines()
    assert len(ledger) == 4
    assert ledger[0].startswith("#1 环境卫生｜已归档｜承办：王芳｜评价：满意｜附议 1 人")
    assert ledger[1].startswith("#2 设施维修｜重新办理｜承办：李娜｜评价：不满意")
    assert ledger[3].startswith("#4 【紧急】安全隐患｜办理中")  # the gas leak is claimed, not left 待认领
    assert "[私聊·王芳] [照片] #1 居民补充" in result.output  # the resident's photo reached the worker
    assert "高龄补贴申领" in result.output  # 一次性告知


def test_the_demo_plays_a_morning_even_when_run_at_night(monkeypatch):
    import datetime as dt

    from bot import demo
    from tests.conftest import example_config

    night = dt.datetime(2026, 11, 23, 15, 30, tzinfo=dt.UTC)  # 23:30 in Shanghai: quiet hours hold workers' pings
    clock = demo.morning_clock(example_config("sqlite://"), now=night)
    local = clock().astimezone(dt.timezone(dt.timedelta(hours=8)))
    assert (local.date(), local.hour) == (dt.date(2026, 11, 23), 10)
    real = demo.morning_clock
    monkeypatch.setattr(demo, "morning_clock", lambda config: real(config, now=night))
    result = CliRunner().invoke(main, ["demo"])
    assert result.exit_code == 0, result.output
    assert "[私聊·王芳] [照片] #1 居民补充" in result.output
