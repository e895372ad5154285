"""Where a report is about: the same building however residents write its number."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.places import other_spots, place_of, spots_of
from tests.conftest import example_config

GRID = example_config("sqlite://").grids[0]


@pytest.mark.parametrize(
    ("text", "place"),
    [
        ("3栋楼道堆满杂物", "3栋"),
        ("三号楼门口路灯坏了", "3栋"),
        ("十号楼门口的路灯也坏了", "10栋"),
        ("十二栋的电梯又停了", "12栋"),
        ("二十栋后面垃圾没人收", "20栋"),
        ("二十三号楼楼顶渗水", "23栋"),
        ("12栋 3单元门禁坏了", "12栋"),
        ("五单元门口有积水", "5单元"),
        ("楼道堆满杂物", ""),
    ],
)
def test_a_building_is_read_the_same_in_digits_and_in_chinese_numerals(text, place):
    assert place_of(text, GRID) == place


@pytest.mark.parametrize(
    ("text", "spots"),
    [
        ("3栋2单元电梯坏了", {"2单元"}),
        ("三号楼二单元的电梯坏了", {"2单元"}),
        ("小区东门路灯不亮", {"东门"}),
        ("西北门的道闸坏了", {"西北门"}),
        ("3栋1号门门禁坏了", {"1号门"}),
        ("西门子冰箱坏了", set()),
        ("3栋电梯坏了", set()),
    ],
)
def test_a_unit_or_gate_within_a_place_is_read_one_way(text, spots):
    assert spots_of(text) == spots


@pytest.mark.parametrize(
    ("text", "other", "elsewhere"),
    [
        ("3栋2单元电梯坏了", "3栋1单元电梯坏了", True),
        ("小区东门路灯不亮", "小区西门路灯不亮", True),
        ("3栋2单元电梯坏了", "3号楼二单元电梯坏了", False),
        ("3栋2单元电梯坏了", "3栋电梯坏了", False),  # one names the building only: may be the same lift
        ("又停电了", "停电了 电梯也停了", False),
    ],
)
def test_two_reports_are_elsewhere_only_when_both_name_a_finer_place_and_they_differ(text, other, elsewhere):
    assert other_spots(text, other) is elsewhere


@pytest.mark.parametrize(
    ("new", "old"),
    [
        (["停电"], ["停电", "电梯"]),  # "又停电了" and "停电了 电梯也停了": one power cut
        (["路灯", "坏了"], ["电梯", "坏了"]),  # two faults sharing 坏了
        (["渗水"], ["漏水"]),  # one leak in two words
        (["楼道", "杂物"], ["杂物", "楼道"]),
        ([], ["电梯"]),
    ],
)
def test_the_same_matter_reads_the_same_in_sql_and_in_python(sessions, new, old):
    """附议 is checked in SQL, the sender's own report in Python: both must call the same things one matter."""
    from bot.matters import is_same_matter, matter_of, same_matter
    from bot.models import Ticket

    mine, theirs = matter_of(new), matter_of(old)
    with sessions() as session:
        session.add(
            Ticket(
                grid_id="dj-1",
                category="repair",
                text="x",
                reporter_id="1",
                reporter_name="x",
                matter=theirs,
                platform="telegram",
                source_chat_id="1",
                source_message_id="1",
                status="new",
                handling="handle",
                deadline_at=dt.datetime(2026, 11, 24, tzinfo=dt.UTC),
                created_at=dt.datetime(2026, 11, 23, tzinfo=dt.UTC),
                updated_at=dt.datetime(2026, 11, 23, tzinfo=dt.UTC),
            )
        )
        session.flush()
        in_sql = session.query(Ticket).filter(same_matter(mine)).count() == 1
    assert is_same_matter(mine, theirs) is in_sql
