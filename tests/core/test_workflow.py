"""Every action × every status × every kind of actor: allowed or refused, with the reason."""

from __future__ import annotations

import pytest

from bot.workflow import Action, Status, TicketView, actor_for, check
from tests.conftest import EXAMPLE, example_config

CONFIG = example_config("sqlite://")
REPORTER, OTHER_RESIDENT, SUPPORTER = "501", "502", "503"
ACTORS = {
    "reporter": actor_for(CONFIG, REPORTER, "张阿姨"),
    "supporter": actor_for(CONFIG, SUPPORTER, "赵大爷"),
    "other_resident": actor_for(CONFIG, OTHER_RESIDENT, "路人"),
    "owner": actor_for(CONFIG, "1001", "王芳"),  # grid worker of dj-1, the assignee
    "colleague": actor_for(CONFIG, "1002", "李娜"),  # grid worker of dj-1, not the assignee
    "other_grid_worker": actor_for(CONFIG, "1003", "赵强"),  # grid worker of dj-2
    "leader": actor_for(CONFIG, "2001", "陈建国"),  # grid leader of dj-1 and dj-2
    "other_leader": actor_for(CONFIG, "2002", "刘红梅"),  # grid leader of dj-3 and dj-4
    "secretary": actor_for(CONFIG, "3001", "张书记"),
    "admin": actor_for(CONFIG, "9001", "管理员小何"),
    "bot": actor_for(CONFIG, "777", "某机器人", is_bot=True),
}

# Who may act, when the status allows the action (the rules, written out independently).
STAFF_OF_GRID = {"owner", "colleague", "leader", "secretary", "admin"}
SUPERVISORS = {"leader", "secretary", "admin"}
WHO = {
    Action.CLAIM: STAFF_OF_GRID,
    Action.RESOLVE: {"owner"} | SUPERVISORS,
    Action.TRANSFER: {"owner"} | SUPERVISORS,
    # Every resident who reported it (the first and each 附议) is asked to confirm the result.
    Action.RATE: {"reporter", "supporter", "admin"},
    Action.REOPEN: {"reporter", "supporter", "admin"},
    Action.COMPLAIN: {"reporter", "supporter", "admin"},
    Action.REASSIGN: SUPERVISORS,
    Action.EXTEND: SUPERVISORS,
    Action.CLOSE: SUPERVISORS,
    Action.CANCEL: {"reporter"} | SUPERVISORS,
    Action.PROGRESS: {"reporter", "supporter"} | STAFF_OF_GRID,
    Action.NOTE: STAFF_OF_GRID,
    Action.RECATEGORIZE: {"reporter"} | STAFF_OF_GRID,
}
# From which statuses each action may start.
OPEN = {"new", "claimed", "reopened", "transferred"}
FROM = {
    Action.CLAIM: {"new", "reopened"},
    Action.RESOLVE: {"claimed", "reopened", "transferred"},
    Action.TRANSFER: {"new", "claimed", "reopened"},
    Action.RATE: {"resolved"},
    Action.REOPEN: {"resolved", "closed"},
    Action.COMPLAIN: {"new", "claimed", "reopened"},  # 不满意 while still in work is passed on
    Action.REASSIGN: OPEN,
    Action.EXTEND: OPEN,
    Action.CLOSE: OPEN | {"resolved"},
    Action.CANCEL: {"new", "claimed", "reopened"},
    Action.PROGRESS: {s.value for s in Status},
    Action.NOTE: OPEN | {"resolved"},
    Action.RECATEGORIZE: {"new", "claimed", "reopened"},
}


def ticket_in(status: str) -> TicketView:
    assignee = None if status == "new" else "1001"
    return TicketView(
        grid_id="dj-1",
        status=status,
        reporter_id=REPORTER,
        assignee_id=assignee,
        supporter_ids=frozenset({SUPPORTER}),
    )


CASES = [(action, status.value, who) for action in Action for status in Status for who in ACTORS]


@pytest.mark.parametrize(("action", "status", "who"), CASES, ids=[f"{a.value}-{s}-{w}" for a, s, w in CASES])
def test_every_action_status_and_actor(action, status, who):
    refusal = check(action, ACTORS[who], ticket_in(status))
    may_act = who in WHO[action]
    # 首问负责: a reopened ticket goes back to its owner; a colleague needs a leader's 改派.
    if action is Action.CLAIM and status == "reopened":
        may_act = who in {"owner"} | SUPERVISORS
    # An unclaimed ticket may be transferred by any worker of the grid, who then owns it.
    if action is Action.TRANSFER and status == "new":
        may_act = who in STAFF_OF_GRID
    expected = may_act and status in FROM[action]
    assert (refusal is None) == expected, f"{who} {action.value} on {status}: got {refusal!r}"
    if refusal is not None and may_act:
        assert refusal in ("bad_status", "claim_first")
    if who == "bot":
        assert refusal == "bot_actor"


def test_refusal_reasons_name_the_problem():
    new = ticket_in("new")
    assert check(Action.CLAIM, ACTORS["reporter"], new) == "residents_cannot"
    assert check(Action.CLAIM, ACTORS["other_grid_worker"], new) == "other_grid"
    assert check(Action.RESOLVE, ACTORS["colleague"], ticket_in("claimed")) == "owned_by_other"
    assert check(Action.RATE, ACTORS["other_resident"], ticket_in("resolved")) == "only_reporter"
    assert check(Action.EXTEND, ACTORS["owner"], ticket_in("claimed")) == "leaders_only"
    assert check(Action.EXTEND, ACTORS["other_leader"], ticket_in("claimed")) == "other_grid"
    assert check(Action.PROGRESS, ACTORS["other_resident"], new) == "not_yours"
    assert check(Action.CLAIM, ACTORS["owner"], ticket_in("closed")) == "bad_status"


def test_an_owner_moved_to_another_grid_still_finishes_what_they_claimed():
    # 首问负责: 赵强 (now serving dj-2 only) claimed this dj-1 ticket before the admin moved him
    held = TicketView(grid_id="dj-1", status="claimed", reporter_id=REPORTER, assignee_id="1003",
                      supporter_ids=frozenset())
    moved = ACTORS["other_grid_worker"]
    for action in (Action.RESOLVE, Action.TRANSFER, Action.NOTE):
        assert check(action, moved, held) is None, action
    # but he takes nothing new there, and what is not his stays closed to him
    assert check(Action.CLAIM, moved, ticket_in("new")) == "other_grid"
    assert check(Action.RESOLVE, moved, ticket_in("claimed")) == "other_grid"


def test_reopened_ticket_goes_back_to_its_owner_first():
    reopened = ticket_in("reopened")
    assert check(Action.CLAIM, ACTORS["owner"], reopened) is None
    assert check(Action.CLAIM, ACTORS["colleague"], reopened) == "owned_by_other"
    assert check(Action.CLAIM, ACTORS["leader"], reopened) is None


def test_example_config_is_the_one_tested():
    assert EXAMPLE.exists()
