"""The admin's command line: ticket listings, the weekly report and the Excel 台账."""

from __future__ import annotations

import datetime as dt
import json

from click.testing import CliRunner
from openpyxl import load_workbook

from bot.cli import main
from tests.conftest import EXAMPLE

RESIDENT, WANG = 501, 1001


def run(database_url, *args):
    result = CliRunner().invoke(main, list(args), env={"GRIDBOT_DATABASE_URL": database_url})
    assert result.exit_code == 0, result.output
    return result.output


def test_tickets_json_lists_what_the_group_reported(chat, database_url):
    chat.say(RESIDENT, "3栋楼道堆满杂物 好几天了没人管")
    chat.say(RESIDENT + 1, "7栋门口路灯坏了一个月了", chat="-1001000000002")
    chat.say(WANG, "认领 1")
    rows = json.loads(run(database_url, "tickets", "--config", str(EXAMPLE), "--json"))
    assert [r["number"] for r in rows] == [1, 2]
    first = rows[0]
    for key in ("number", "status", "category", "grid", "urgent", "reporter", "assignee", "text", "created_at"):
        assert key in first
    assert (first["status"], first["category"], first["grid"], first["assignee"]) == (
        "claimed",
        "sanitation",
        "dj-1",
        "王芳",
    )
    only = json.loads(run(database_url, "tickets", "--config", str(EXAMPLE), "--json", "--grid", "dj-2"))
    assert [r["number"] for r in only] == [2]
    new = json.loads(run(database_url, "tickets", "--config", str(EXAMPLE), "--json", "--status", "new"))
    assert [r["number"] for r in new] == [2]
    text = run(database_url, "tickets", "--config", str(EXAMPLE))
    assert text.splitlines()[0].startswith("#1 办理中 dj-1 环境卫生 王芳 3栋楼道堆满杂物")


def test_report_and_excel_ledger(chat, database_url, tmp_path):
    chat.say(RESIDENT, "3栋楼道堆满杂物 好几天了没人管")
    chat.say(WANG, "认领 1")
    chat.say(WANG, "办结 1 已清理")
    chat.say(RESIDENT, "满意")
    out = tmp_path / "台账.xlsx"
    text = run(database_url, "report", "--config", str(EXAMPLE), "--week", "2026-W48", "--xlsx", str(out))
    assert "东郊社区第一网格" in text and "新受理 1 件" in text and "满意率 100%" in text
    book = load_workbook(out)
    tickets, events = book["工单"], book["办理记录"]
    assert tickets["A2"].value == 1 and tickets["B2"].value == "已归档" and tickets["Q2"].value == "满意"
    # real dates Excel can sort and count with, in local time; 紧急 and 超期 say 否 rather than nothing
    assert tickets["L2"].value == dt.datetime(2026, 11, 23, 9, 30) and tickets["L2"].number_format == "yyyy-mm-dd hh:mm"
    assert tickets["F2"].value == "否" and tickets["S1"].value == "超期" and tickets["S2"].value == "否"
    actions = [row[2] for row in events.iter_rows(min_row=2, values_only=True)]
    assert actions == ["受理", "认领", "办结", "评价"]


def test_the_ledger_names_the_bots_own_steps_in_chinese(chat, database_url, tmp_path, clock):
    chat.say(RESIDENT, "3栋楼道堆满杂物 好几天了没人管")
    chat.say(WANG, "认领 1")
    chat.say(WANG, "办结 1 已清理")
    from bot.scheduler import run_due

    clock.advance(hours=24 * 4)  # no rating: the bot archives it as 默认满意
    run_due(chat.core.sessions, chat.core.config, clock.now)
    out = tmp_path / "台账.xlsx"
    run(database_url, "report", "--config", str(EXAMPLE), "--week", "2026-W48", "--xlsx", str(out))
    rows = list(load_workbook(out)["办理记录"].iter_rows(min_row=2, values_only=True))
    assert ("默认满意", "系统") in {(row[7], row[4]) for row in rows}, rows


def test_report_without_excel_prints_the_digest_only(chat, database_url):
    chat.say(RESIDENT, "3栋楼道堆满杂物 好几天了没人管")
    text = run(database_url, "report", "--config", str(EXAMPLE), "--week", "2026-W48")
    assert "东郊社区第一网格" in text and "新受理 1 件" in text and "台账" not in text


def test_every_subcommand_has_help():
    for command in ("run", "demo", "check-config", "tickets", "report", "migrate", "classify", "learn", "eval"):
        result = CliRunner().invoke(main, [command, "--help"])
        assert result.exit_code == 0 and "Usage" in result.output, command


def test_inbox_lists_a_failed_message_and_retry_processes_it_once(chat, core, database_url, sessions, monkeypatch):
    from sqlalchemy import select

    from bot.models import OutboxMessage, Ticket

    real = core.intake.handle

    def broken(ctx, msg):
        raise RuntimeError("classifier exploded")

    monkeypatch.setattr(core.intake, "handle", broken)
    chat.say(RESIDENT, "3栋楼道堆满杂物 好几天了没人管")
    monkeypatch.setattr(core.intake, "handle", real)
    listed = run(database_url, "inbox", "--config", str(EXAMPLE))
    assert "第 1 条" in listed and "3栋楼道堆满杂物" in listed and "RuntimeError: classifier exploded" in listed
    retried = run(database_url, "inbox", "--config", str(EXAMPLE), "--retry-all")
    assert "第 1 条：已处理" in retried
    assert run(database_url, "inbox", "--config", str(EXAMPLE)).strip() == "收件箱里没有处理失败的消息。"
    not_retried = run(database_url, "inbox", "--config", str(EXAMPLE), "--retry", "1")
    assert "第 1 条：不是处理失败的消息" in not_retried and "发件箱" not in not_retried  # nothing was retried
    with sessions() as session:
        assert [t.text for t in session.execute(select(Ticket)).scalars()] == ["3栋楼道堆满杂物 好几天了没人管"]
        acks = session.execute(select(OutboxMessage).where(OutboxMessage.kind == "ack")).scalars().all()
        assert len(acks) == 1


def test_retrying_an_inbox_message_that_does_not_exist_says_so_and_fails(chat, database_url):
    chat.say(RESIDENT, "3栋楼道堆满杂物 好几天了没人管")  # inbox message 1, processed
    result = CliRunner().invoke(
        main, ["inbox", "--config", str(EXAMPLE), "--retry", "5"], env={"GRIDBOT_DATABASE_URL": database_url}
    )
    assert result.exit_code == 1 and "第 5 条：收件箱里没有这条消息" in result.output
    assert "第 1 条：不是处理失败的消息" in run(database_url, "inbox", "--config", str(EXAMPLE), "--retry", "1")


def test_the_excel_ledger_keeps_what_residents_typed_as_text_never_as_a_formula(chat, database_url, tmp_path):
    chat.say(RESIDENT, "=1+1 6栋门口下水道堵了 好几天了没人管")
    out = tmp_path / "台账.xlsx"
    run(database_url, "report", "--config", str(EXAMPLE), "--xlsx", str(out))
    cell = load_workbook(out)["工单"]["H2"]
    assert (cell.value, cell.data_type) == ("=1+1 6栋门口下水道堵了 好几天了没人管", "s")


def test_tickets_refuses_an_unknown_status_or_grid_instead_of_listing_nothing(database_url):
    for option, value, named in (("--status", "bogus", "bogus"), ("--grid", "dj-9", "dj-1, dj-2")):
        result = CliRunner().invoke(
            main, ["tickets", "--config", str(EXAMPLE), option, value], env={"GRIDBOT_DATABASE_URL": database_url}
        )
        assert result.exit_code == 2 and named in result.output and option in result.output


def test_a_week_that_is_not_one_is_named_without_a_traceback():
    for week in ("2026-W60", "上周"):
        result = CliRunner().invoke(main, ["report", "--config", str(EXAMPLE), "--week", week])
        assert result.exit_code == 2 and f'"{week}" is not an ISO week' in result.output
        assert "Traceback" not in result.output
