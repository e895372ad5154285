"""Where a report is about: the same building however residents write its number."""

from __future__ import annotations

import pytest

from bot.places import place_of
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
