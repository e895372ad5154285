"""Lexicon files: the built-in one loads, dumps read back, bad content names file and key."""

import pytest

from nlp.lexicon import default_lexicon, dump_lexicon, load_lexicon

GRID_CATEGORIES = {
    "sanitation",
    "repair",
    "safety",
    "parking",
    "neighbor",
    "elderly",
    "welfare",
    "affairs",
    "property",
    "security",
    "suggestion",
    "other",
}


def test_default_lexicon_covers_the_twelve_categories():
    lexicon = default_lexicon()
    assert {cat.id for cat in lexicon.categories} == GRID_CATEGORIES
    assert lexicon.fallback == "other"
    assert set(lexicon.urgent.values()) == {"fire", "medical", "police", "rescue"}


def test_dump_and_load_round_trip(tmp_path):
    path = tmp_path / "lexicon.toml"
    dump_lexicon(default_lexicon(), path)
    loaded = load_lexicon(path)
    assert loaded == default_lexicon()


def test_bad_weight_names_file_and_key(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text('[[categories]]\nid = "repair"\nname = "维修"\nkeywords = { "路灯" = "high" }\n', "utf-8")
    with pytest.raises(ValueError, match=r"bad\.toml: categories\[0\]\.keywords\.路灯"):
        load_lexicon(path)


def test_unknown_emergency_kind_is_rejected(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text('[urgent]\nflood = ["水漫"]\n[[categories]]\nid = "x"\n', "utf-8")
    with pytest.raises(ValueError, match="urgent.flood"):
        load_lexicon(path)


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(ValueError, match="file not found"):
        load_lexicon(tmp_path / "nope.toml")
