"""Every text command and button × every kind of person: allowed (the change the group is told about) or
refused (the exact refusal, nothing changes).

The people: the reporter, another resident, the assignee 王芳 and her colleague 李娜 (dj-1), a worker of
dj-2, the dj-1 leader, another grid's leader, the secretary, an admin, somebody in a group no grid uses,
and a bot. The expected answers are written out below from the rules in the README and bot/texts.py,
independently of bot/workflow.py; most cases run through the core, a slice end to end through the sandbox.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from sqlalchemy import func, select

from bot import texts
from bot.commands import parse
from bot.models import PendingQuestion, Ticket, TicketEvent
from tests.security.conftest import (
    CAST,
    GRID_1_NAME,
    GROUP_1,
    UNKNOWN_GROUP,
    UNSURE_COMPLAINT,
    WORKER_NOTE,
    LiveBot,
    Person,
    has,
    live_config,
    replying_to,
    running_bot,
    texts_to,
)

RESIDENTS = {"reporter", "other_resident"}
STAFF_OF_GRID = {"assignee", "colleague", "leader", "secretary", "admin"}
SUPERVISORS = {"leader", "secretary", "admin"}
OTHER_GRIDS_STAFF = {"other_grid_worker", "other_leader"}
OPEN = {"new", "claimed", "reopened", "transferred"}
# From which statuses each action may start.
FROM = {
    "claim": {"new", "reopened"},
    "resolve": {"claimed", "reopened", "transferred"},
    "transfer": {"new", "claimed", "reopened"},
    "rate": {"resolved"},
    "reopen": {"resolved", "closed"},
    "reassign": OPEN,
    "extend": OPEN,
    "close": OPEN | {"resolved"},
    "cancel": {"new", "claimed", "reopened"},
    "progress": OPEN | {"resolved", "closed", "cancelled"},
    "note": OPEN | {"resolved"},
    "recategorize": {"new", "claimed", "reopened"},
}
ONLY_THE_ASKER = "这个问题是问发消息的居民本人的，请由本人回答。"
ASSIGNEE_P = CAST["assignee"]


@dataclass(frozen=True)
class Case:
    """One thing a person does: a text command (`text`) or a button press (`data`), in a start state."""

    action: str  # what is tried; the rule it falls under is RULE.get(action, action)
    state: str
    text: str | None = None
    data: str | None = None
    dm_button: bool = False  # the button sits in a private chat (new-ticket DMs, the transfer menu)

    @property
    def id(self) -> str:
        how = f"button-{self.data}" if self.data else ("slash-" if self.text.startswith("/") else "text-") + self.action
        return f"{how}@{self.state}"


RULE = {"rate_fair": "rate", "rate_good": "rate", "rate_bad": "reopen", "transfer_menu": "transfer",
        "xfer": "transfer"}
COMMANDS = [
    *(Case("claim", s, text="认领 1") for s in ("new", "claimed", "closed")),
    *(Case("resolve", s, text="办结 1 已清理完毕") for s in ("new", "claimed", "closed")),
    *(Case("transfer", s, text="转交 1 城管执法中队 占道经营") for s in ("new", "claimed", "closed")),
    *(Case("progress", s, text="进度 1") for s in ("claimed", "closed")),
    *(Case("mine", s, text="我的工单") for s in ("new", "claimed", "closed")),
    *(Case("rate_good", s, text="评价 1 满意") for s in ("resolved", "closed")),
    Case("rate_fair", "resolved", text="评价 1 基本满意"),
    *(Case("rate_bad", s, text="评价 1 不满意 还是很脏") for s in ("resolved", "closed")),
    *(Case("extend", s, text="延期 1 3 等配件") for s in ("claimed", "closed")),
    *(Case("reassign", s, text="改派 1 李娜") for s in ("claimed", "closed")),
    *(Case("close", s, text="归档 1") for s in ("claimed", "resolved", "closed")),
    *(Case("cancel", s, text="撤销 1") for s in ("new", "claimed", "closed")),
    *(Case("note", s, text="备注 1 已联系物业") for s in ("claimed", "closed")),
    *(Case("recategorize", s, text="改类 1 设施维修") for s in ("new", "closed")),
    Case("help", "new", text="帮助"),
    Case("claim", "new", text="/claim 1"),
    Case("resolve", "claimed", text="/done 1 已清理完毕"),
    Case("progress", "claimed", text="/status 1"),
    Case("mine", "claimed", text="/mine"),
    Case("help", "new", text="/help"),
]
BUTTONS = [
    *(Case("claim", s, data="claim:1", dm_button=True) for s in ("new", "claimed", "closed")),
    *(Case("transfer_menu", s, data="transfer:1", dm_button=True) for s in ("new", "claimed", "closed")),
    *(Case("xfer", s, data="xfer:1:0", dm_button=True) for s in ("claimed", "closed")),
    *(Case("rate_good", s, data="rate:1:good") for s in ("resolved", "closed")),
    Case("rate_fair", "resolved", data="rate:1:fair"),
    *(Case("rate_bad", s, data="rate:1:bad") for s in ("resolved", "closed")),
    Case("file_yes", "file_question", data="file:1:yes"),
    Case("file_no", "file_question", data="file:1:no"),
    Case("note_resolve", "note_question", data="note:1:resolve", dm_button=True),
    Case("note_only", "note_question", data="note:1:note", dm_button=True),
]
STATUS = {"new": "new", "claimed": "claimed", "resolved": "resolved", "closed": "closed",
          "note_question": "claimed", "file_question": None}


def refusal(key: str, status: str | None = None, action: str = "", owner: str = "王芳", n: int = 1,
            grid: str = GRID_1_NAME) -> str:
    return texts.REFUSALS[key].format(n=n, grid=grid, owner=owner, status=texts.STATUS_NAMES.get(status),
                                      action=texts.ACTION_NAMES.get(action, ""))


def who_may_not(rule: str, who: str, status: str) -> str | None:
    """The refusal key for `who` trying `rule` on a dj-1 ticket reported by the reporter, claimed by 王芳."""
    if rule == "progress":
        if who in {"reporter"} | STAFF_OF_GRID:
            return None
        return "other_grid" if who in OTHER_GRIDS_STAFF else "not_yours"
    if rule in ("rate", "reopen"):
        return None if who in ("reporter", "admin") else "only_reporter"
    if rule == "cancel":
        return None if who in {"reporter"} | SUPERVISORS else "only_reporter_or_leader"
    if rule == "recategorize":
        return None if who in {"reporter"} | STAFF_OF_GRID else "only_reporter_or_staff"
    if who in RESIDENTS:
        return "residents_cannot"
    if who in OTHER_GRIDS_STAFF:
        return "other_grid"
    if rule in ("reassign", "extend", "close"):
        return None if who in SUPERVISORS else "leaders_only"
    if rule == "resolve" and status == "new":
        return None if who in SUPERVISORS else "claim_first"  # nobody owns it yet: claim first
    if rule in ("resolve", "transfer"):
        owned_by_somebody_else = status != "new" and who != "assignee"  # 首问负责
        return "owned_by_other" if owned_by_somebody_else and who not in SUPERVISORS else None
    return None  # claim, note: any worker of the grid


def expected_refusal(case: Case, who: str) -> str | None:
    """The exact text a refused person sees (a reply, or the button's toast); None when allowed."""
    status = STATUS[case.state]
    if case.action in ("help", "mine"):
        return None
    if case.action.startswith(("file_", "note_")):
        asker = "reporter" if case.action.startswith("file_") else "assignee"
        return None if who == asker else ONLY_THE_ASKER
    if case.action == "claim" and status == "claimed" and who not in RESIDENTS:
        if who == "assignee":
            return "#1 已经在您名下了。"
        return texts.REFUSALS["already_claimed"].format(n=1, owner="王芳")
    if case.action in ("rate_good", "rate_fair") and status == "closed":
        return texts.ticket_closed_already(1)  # a closed ticket can only be reopened (不满意)
    rule = RULE.get(case.action, case.action)
    key = who_may_not(rule, who, status) or (None if status in FROM[rule] else "bad_status")
    if key == "bad_status" and status == "closed":
        return texts.ticket_closed_already(1)  # says how to reopen instead of "cannot do that now"
    return refusal(key, status, rule) if key else None


TITLES = {"leader": "网格长", "secretary": "社区书记", "admin": "管理员"}  # how the group hears who claimed it


def first_line(text: str) -> str:
    return text.split("\n")[0]


def sees_in_mine(who: str, status: str) -> bool:
    """我的工单 lists a resident's open reports and a worker's open (or suggested) tickets."""
    if status == "closed":
        return False
    return who == "reporter" or who == "assignee"  # 王芳 was suggested for the new ticket, then claimed it


def check_allowed(case: Case, who: str, scene, result, before) -> None:
    """The change happened, and the people concerned were told."""
    person: Person = CAST[who]
    name = person.name
    where = person.dm if case.dm_button else person.chat
    group, here = texts_to(result, GROUP_1), texts_to(result, where)
    after = scene.ticket(1)
    action = case.action

    def told(fragment: str, lines: list[str]) -> None:
        assert any(fragment in line for line in lines), f"{fragment!r} not in {lines!r}"

    if action == "claim":
        told(texts.claimed_group(1, name, TITLES.get(who, "网格员")), group)
        assert (after.status, after.assignee_id) == ("claimed", person.uid)
        assert result.toast == ("已认领 #1" if case.data else None)
    elif action in ("resolve", "note_resolve"):
        note = WORKER_NOTE if action == "note_resolve" else "已清理完毕"
        told(first_line(texts.resolved_group(1, name, note, "", TITLES.get(who, "网格员"))), group)
        assert after.status == "resolved" and after.resolution == note
        assert result.toast == ("已办结" if case.data else None)
    elif action in ("transfer", "xfer"):
        told(texts.transferred_group(1, "城管执法中队", "占道经营" if action == "transfer" else ""), group)
        assert (after.status, after.department) == ("transferred", "城管执法中队")
        assert result.toast == ("已转交 #1" if case.data else None)
    elif action == "transfer_menu":
        menu = next(o for o in result.outbounds if o.chat_id == where)
        assert menu.text.startswith("#1 转交给哪个部门？")
        assert [row[0].data for row in menu.buttons][:2] == ["xfer:1:0", "xfer:1:1"]
        assert after.status == before.status and result.toast is None
    elif action == "progress":
        status = texts.status_with_step(before.status)
        told(texts.progress(1, "环境卫生", status, "王芳", "", "").split("\n时限")[0], here)
        assert after.status == before.status
    elif action == "mine":
        if sees_in_mine(who, before.status):
            told(first_line(texts.my_tickets(["#1"])), here)
            told(f"\n#1 环境卫生｜{texts.STATUS_NAMES[before.status]}｜", here)
        else:
            assert here == [texts.my_tickets([])]
    elif action in ("rate_good", "rate_fair"):
        rating = "good" if action == "rate_good" else "fair"
        told(texts.rated_good(1, texts.RATING_NAMES[rating]), here)
        assert (after.status, after.rating) == ("closed", rating)
        assert result.toast == ("感谢评价" if case.data else None)
    elif action == "rate_bad":
        told(texts.rated_bad_group(1, "网格长陈建国"), here)
        assert (after.status, after.rating) == ("reopened", "bad")
    elif action == "extend":
        told(texts.extended(1, 3, "等配件", "").split("，新的时限")[0], group)
        assert after.deadline_at - before.deadline_at == dt.timedelta(days=3)
    elif action == "reassign":
        told(texts.reassigned(1, "李娜"), group)
        assert (after.status, after.assignee_id) == ("claimed", "1002")
    elif action == "close":
        told(texts.closed_by_staff(1, name), group)
        assert after.status == "closed"
    elif action == "cancel":
        if who == "reporter":
            told(texts.cancelled(1), here)
        else:  # staff withdrew it: the reporter is told, @-named in the group where they reported it
            told(texts.cancelled_by_staff(1, name, "@张阿姨"), group)
        assert after.status == "cancelled"
    elif action in ("note", "note_only"):
        note = WORKER_NOTE if action == "note_only" else "已联系物业"
        if action == "note":
            told(texts.note_added(1), here)
        assert scene.events()[-1] == ("note", note) and after.status == before.status
        assert result.toast == ("已记为备注" if case.data else None)
    elif action == "recategorize":
        told(texts.recategorized(1, "设施维修", "").split("，办结时限")[0], here)
        assert after.category == "repair"
    elif action == "help":
        assert here == [texts.HELP]
    elif action == "file_yes":
        assert result.toast == "已立案"
        assert any(line.startswith("已受理 #1") and "设施维修" in line for line in group), group
        assert (after.reporter_id, after.status) == (person.uid, "new")
    elif action == "file_no":
        assert result.toast == "好的" and group == [texts.not_a_ticket()]
        assert after is None
    else:  # pragma: no cover - every action above
        raise AssertionError(action)


@dataclass(frozen=True)
class Before:
    """Ticket #1 as it was before the action."""

    status: str
    assignee_id: str | None
    category: str
    deadline_at: dt.datetime
    department: str | None
    rating: str | None


def state_of(scene) -> tuple:
    """Everything an action could change, read in one go: ticket #1, its log, the tickets, the questions."""
    with scene.sessions() as session:
        ticket = session.get(Ticket, 1)
        fields = None if ticket is None else (ticket.status, ticket.assignee_id, ticket.category, ticket.deadline_at,
                                              ticket.department, ticket.rating)
        return (fields,
                session.execute(select(func.count()).select_from(TicketEvent)).scalar_one(),
                session.execute(select(func.count()).select_from(Ticket)).scalar_one(),
                session.execute(select(PendingQuestion.id, PendingQuestion.status)).all())


MATRIX = [(case, who) for case in COMMANDS + BUTTONS for who in CAST]


@pytest.mark.parametrize(("case", "who"), MATRIX, ids=[f"{c.id}-{w}" for c, w in MATRIX])
def test_each_person_is_allowed_or_refused_with_the_exact_reason(case, who, start_in):
    scene = start_in(case.state)
    person = CAST[who]
    before = state_of(scene)
    if case.text is not None:
        result = scene.driver.say(person, case.text)
    else:
        result = scene.driver.press(person, case.data, chat=person.dm if case.dm_button else person.chat)
    said = [(o.chat_id, o.text) for o in result.outbounds]
    assert scene.failed() == []
    if person.is_bot:  # messages and presses by bots are not acted on, and not answered
        assert (said, result.toast) == ([], None)
        assert state_of(scene) == before
        return
    if person.chat == UNKNOWN_GROUP:  # a group no grid uses hears, once, that it is not served
        assert (said, result.toast) == ([(UNKNOWN_GROUP, texts.unknown_group())], None)
        assert state_of(scene) == before
        return
    refused = expected_refusal(case, who)
    if refused is None:
        check_allowed(case, who, scene, result, Before(*before[0]) if before[0] else None)
        return
    assert state_of(scene) == before, f"{who} was refused ({refused}) but something changed"
    if case.text is not None:  # a refused command is answered where it was written, quoting it
        assert said == [(person.chat, refused)]
        assert result.outbounds[0].reply_to_message_id == scene.driver.last_message_id
    else:  # a refused button press is answered with a toast only
        assert (said, result.toast) == ([], refused)


def test_the_matrix_covers_every_command_button_and_person():
    verbs = {c.text.split()[0] for c in COMMANDS}
    assert verbs >= {"认领", "办结", "转交", "进度", "我的工单", "评价", "延期", "改派", "归档", "撤销", "备注", "改类",
                     "帮助", "/claim", "/done", "/status", "/mine", "/help"}
    assert {c.data.split(":")[0] for c in BUTTONS} == {"claim", "transfer", "xfer", "rate", "file", "note"}
    assert len(CAST) == 11 and len(MATRIX) == len(CAST) * (len(COMMANDS) + len(BUTTONS))



# -- who sees what: the group never sees a personal number in full --------------------------------------
PHONE, MASKED = "13812345678", "138****5678"


def test_progress_asked_in_the_group_masks_a_phone_number_from_a_private_note(start_in):
    scene = start_in("claimed")
    scene.driver.say(ASSIGNEE_P, f"备注 1 已联系张阿姨 {PHONE} 明天上门", chat=ASSIGNEE_P.uid)
    answer = texts_to(scene.driver.say(CAST["reporter"], "进度 1"), GROUP_1)
    assert answer and "已联系张阿姨" in answer[0]
    assert PHONE not in answer[0] and MASKED in answer[0]


def test_my_tickets_asked_in_the_group_masks_phone_numbers_in_the_reports(start_in):
    scene = start_in("new")
    opened = scene.driver.say(CAST["other_resident"], f"电话{PHONE} 门口的路灯坏了 晚上黑漆漆的")
    assert any(o.text.startswith("已受理 #2") for o in opened.outbounds), opened
    listing = texts_to(scene.driver.say(CAST["colleague"], "我的工单"), GROUP_1)  # #2 went to 李娜
    assert listing and "#2 设施维修" in listing[0]
    assert PHONE not in listing[0] and MASKED in listing[0]


def test_the_ack_in_the_group_masks_a_phone_number_and_the_worker_dm_keeps_it(start_in):
    scene = start_in("new")
    opened = scene.driver.say(CAST["other_resident"], f"电话{PHONE} 门口的路灯坏了 晚上黑漆漆的")
    dm = texts_to(opened, CAST["colleague"].uid)
    assert dm and PHONE in dm[0]
    assert all(PHONE not in text for text in texts_to(opened, GROUP_1))

# -- a slice end to end: the real python-telegram-bot stack polling the sandbox Bot API -------------------
UNKNOWN = int(UNKNOWN_GROUP)
LIVE_COMMANDS = [
    # (start state, who, what they write, where: the grid group / their private chat with the bot / an unknown group,
    #  outcome, expected: the REFUSALS key when refused; else what the group is told ("group") or the answer where
    #  they wrote ("here"), given the ticket number; status after)
    ("new", "other_resident", "认领 {n}", "group", "refused", "residents_cannot", "new"),
    ("new", "colleague", "认领 {n}", "group", "group", lambda n: texts.claimed_group(n, "李娜"), "claimed"),
    ("new", "other_grid_worker", "/claim {n}", "dm", "refused", "other_grid", "new"),
    ("claimed", "colleague", "办结 {n} 已处理", "group", "refused", "owned_by_other", "claimed"),
    ("claimed", "assignee", "/done {n} 已清理完毕", "dm", "group",
     lambda n: first_line(texts.resolved_group(n, "王芳", "已清理完毕", "")), "resolved"),
    ("claimed", "assignee", "转交 {n} 城管执法中队 占道经营", "group", "group",
     lambda n: texts.transferred_group(n, "城管执法中队", "占道经营"), "transferred"),
    ("claimed", "other_resident", "进度 {n}", "group", "refused", "not_yours", "claimed"),
    ("claimed", "reporter", "/status {n}", "group", "here",
     lambda n: texts.progress(n, "环境卫生", texts.status_with_step("claimed"), "王芳", "", "").split("\n时限")[0],
     "claimed"),
    ("claimed", "reporter", "我的工单", "group", "here",
     lambda n: f"{first_line(texts.my_tickets(['#']))}\n#{n} 环境卫生｜办理中｜", "claimed"),
    ("claimed", "other_resident", "/mine", "group", "here", lambda n: texts.my_tickets([]), "claimed"),
    ("resolved", "other_resident", "评价 {n} 满意", "group", "refused", "only_reporter", "resolved"),
    ("resolved", "reporter", "评价 {n} 不满意 还是很脏", "group", "here",
     lambda n: texts.rated_bad_group(n, "网格长陈建国"), "reopened"),
    ("claimed", "assignee", "延期 {n} 3 等配件", "group", "refused", "leaders_only", "claimed"),
    ("claimed", "leader", "延期 {n} 3 等配件", "dm", "group",
     lambda n: texts.extended(n, 3, "等配件", "").split("，新的时限")[0], "claimed"),
    ("claimed", "colleague", "改派 {n} 李娜", "group", "refused", "leaders_only", "claimed"),
    ("claimed", "leader", "改派 {n} 李娜", "group", "group", lambda n: texts.reassigned(n, "李娜"), "claimed"),
    ("resolved", "secretary", "归档 {n}", "dm", "group", lambda n: texts.closed_by_staff(n, "张书记"), "closed"),
    ("closed", "leader", "归档 {n}", "group", "closed", "", "closed"),
    ("new", "other_resident", "撤销 {n}", "group", "refused", "only_reporter_or_leader", "new"),
    ("new", "reporter", "撤销 {n}", "group", "here", texts.cancelled, "cancelled"),
    ("claimed", "other_leader", "备注 {n} 已联系物业", "dm", "refused", "other_grid", "claimed"),
    ("claimed", "assignee", "备注 {n} 已联系物业", "dm", "here", texts.note_added, "claimed"),
    ("new", "reporter", "改类 {n} 设施维修", "group", "group",
     lambda n: texts.recategorized(n, "设施维修", "").split("，办结时限")[0], "new"),
    ("new", "other_grid_worker", "改类 {n} 设施维修", "group", "refused", "only_reporter_or_staff", "new"),
    ("new", "other_resident", "帮助", "group", "here", lambda n: texts.HELP, "new"),
    ("new", "admin", "/help", "dm", "here", lambda n: texts.HELP, "new"),
    ("new", "unknown_group_user", "认领 {n}", "unknown", "notice", lambda n: texts.unknown_group(), "new"),
    ("new", "bot", "认领 {n}", "group", "ignored", "", "new"),
]


@pytest.mark.asyncio(loop_scope="module")
@pytest.mark.parametrize(("state", "who", "text", "where", "outcome", "expected", "status_after"), LIVE_COMMANDS,
                         ids=[f"{c[1]}-{'slash-' if c[2][0] == '/' else ''}{parse(c[2].format(n=1)).name}@{c[0]}"
                              for c in LIVE_COMMANDS])
async def test_live_commands_are_allowed_or_refused_as_in_the_core(live: LiveBot, state, who, text, where,
                                                                   outcome, expected, status_after):
    ticket = await live.prepared(state)
    n = ticket.n
    person = ticket.reporter if who == "reporter" else CAST[who]
    chat = {"group": live.G1, "dm": person.user_id, "unknown": UNKNOWN}[where]
    seen_before = len(live.sb.bot_messages(chat))
    sent = live.sb.send_message(chat, person.user_id, text.format(n=n))
    if outcome == "refused":
        answer = await live.sb.wait_for(replying_to(sent), chat_id=chat)
        assert answer["text"] == refusal(expected, n=n, grid=live.grid_name)
    elif outcome == "closed":
        answer = await live.sb.wait_for(replying_to(sent), chat_id=chat)
        assert answer["text"] == texts.ticket_closed_already(n)
    elif outcome == "group":
        await live.sb.wait_for(has(expected(n)), chat_id=live.G1)
    elif outcome == "here":
        await live.sb.wait_for(replying_to(sent, expected(n)), chat_id=chat)
    elif outcome == "notice":
        await live.sb.wait_for(has(expected(n)), chat_id=chat)
    await live.settled()
    assert live.ticket(n).status == status_after
    if outcome == "ignored":  # a bot's message is not answered at all
        assert len(live.sb.bot_messages(chat)) == seen_before
    if outcome == "notice":  # the unknown group hears the notice once, and nothing about the ticket
        assert [m["text"] for m in live.sb.bot_messages(chat)] == [texts.unknown_group()]
    assert live.failed() == []


@pytest.mark.asyncio(loop_scope="module")
async def test_live_claim_button_in_the_new_ticket_dm_claims_for_whoever_got_it(live: LiveBot):
    ticket = await live.prepared("new")
    worker = ticket.dm["chat"]["id"]
    name = CAST["assignee"].name if worker == CAST["assignee"].user_id else CAST["colleague"].name
    query = live.sb.press_button(worker, worker, ticket.dm["message_id"], f"claim:{ticket.n}")
    assert await live.toast(query) == f"已认领 #{ticket.n}"
    await live.sb.wait_for(has(texts.claimed_group(ticket.n, name)), chat_id=live.G1)
    await live.settled()
    assert (live.ticket(ticket.n).status, live.ticket(ticket.n).assignee_id) == ("claimed", str(worker))


@pytest.mark.asyncio(loop_scope="module")
async def test_live_transfer_button_offers_departments_and_the_choice_transfers(live: LiveBot):
    ticket = await live.prepared("new")
    worker, n = ticket.dm["chat"]["id"], ticket.n
    query = live.sb.press_button(worker, worker, ticket.dm["message_id"], f"transfer:{n}")
    menu = await live.sb.wait_for(has(f"#{n} 转交给哪个部门？"), chat_id=worker)
    assert await live.toast(query) is None
    choices = [row[0]["text"] for row in menu["reply_markup"]["inline_keyboard"]]
    assert choices[0] == "城管执法中队" and len(choices) == 9
    query = live.sb.press_button(worker, worker, menu["message_id"], f"xfer:{n}:0")
    assert await live.toast(query) == f"已转交 #{n}"
    await live.sb.wait_for(has(texts.transferred_group(n, "城管执法中队", "")), chat_id=live.G1)
    await live.settled()
    assert live.ticket(n).status == "transferred"


@pytest.mark.asyncio(loop_scope="module")
async def test_live_rating_buttons_answer_only_the_reporter(live: LiveBot):
    ticket = await live.prepared("resolved")
    n, prompt = ticket.n, ticket.prompt
    query = live.sb.press_button(live.G1, CAST["other_resident"].user_id, prompt["message_id"], f"rate:{n}:good")
    assert await live.toast(query) == refusal("only_reporter", n=n)
    await live.settled()
    assert live.ticket(n).status == "resolved"
    query = live.sb.press_button(live.G1, ticket.reporter.user_id, prompt["message_id"], f"rate:{n}:fair")
    assert await live.toast(query) == "感谢评价"
    await live.sb.wait_for(has(texts.rated_good(n, "基本满意")), chat_id=live.G1)
    await live.settled()
    assert (live.ticket(n).status, live.ticket(n).rating) == ("closed", "fair")


@pytest.mark.asyncio(loop_scope="module")
async def test_live_note_or_resolve_buttons_answer_the_worker_who_was_asked(live: LiveBot):
    ticket = await live.prepared("claimed")
    n, wang = ticket.n, CAST["assignee"].user_id
    claimed_dm = await live.sb.wait_for(has(f"您已认领 #{n}"), chat_id=wang)
    live.sb.send_message(wang, wang, WORKER_NOTE, reply_to=claimed_dm["message_id"])
    question = await live.sb.wait_for(has(f"这条是 #{n} 的办结说明，还是只是备注？"), chat_id=wang)
    resolve = question["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    assert resolve.startswith("note:") and resolve.endswith(":resolve")
    query = live.sb.press_button(wang, wang, question["message_id"], resolve)
    assert await live.toast(query) == "已办结"
    await live.sb.wait_for(has(first_line(texts.resolved_group(n, "王芳", WORKER_NOTE, ""))), chat_id=live.G1)
    await live.settled()
    assert live.ticket(n).status == "resolved"


@pytest.mark.asyncio(loop_scope="module")
async def test_live_file_buttons_answer_only_the_resident_who_was_asked(tmp_path_factory, classifier):
    async with running_bot(live_config(tmp_path_factory, asking=True), classifier) as live:
        reporter, other = CAST["reporter"], CAST["other_resident"]
        sent = live.sb.send_message(live.G1, reporter.user_id, UNSURE_COMPLAINT)
        question = await live.sb.wait_for(replying_to(sent, "需要登记为工单"), chat_id=live.G1)
        yes = question["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
        assert yes.startswith("file:") and yes.endswith(":yes")
        query = live.sb.press_button(live.G1, other.user_id, question["message_id"], yes)
        assert await live.toast(query) == ONLY_THE_ASKER
        await live.settled()
        assert live.tickets() == 0
        query = live.sb.press_button(live.G1, reporter.user_id, question["message_id"], yes)
        assert await live.toast(query) == "已立案"
        await live.sb.wait_for(replying_to(sent, "已受理 #1"), chat_id=live.G1)
        await live.settled()
        assert live.ticket(1).reporter_id == str(reporter.user_id) and live.failed() == []
