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


def test_admin_keywords_never_lower_a_lexicon_weight():
    from nlp.lexicon import with_keywords

    merged = with_keywords(default_lexicon(), {"sanitation": {"垃圾": 1.0, "狗屎": 9.0}})
    words = merged.category("sanitation").keywords
    assert words["垃圾"] == default_lexicon().category("sanitation").keywords["垃圾"] > 1.0
    assert words["狗屎"] == 9.0


def test_admin_new_word_gets_its_weight_and_keeps_the_words_inside_it():
    from nlp.lexicon import with_keywords

    merged = with_keywords(default_lexicon(), {"repair": {"冒黄水": 5.0}, "sanitation": {"楼道堆放": 1.0}})
    assert merged.category("repair").keywords["冒黄水"] == 5.0
    sanitation = default_lexicon().category("sanitation").keywords
    # 楼道堆放 would hide 楼道 and 堆放 from the longest-first matcher, so it is worth what they were
    assert merged.category("sanitation").keywords["楼道堆放"] == sanitation["楼道"] + sanitation["堆放"]


def test_admin_word_hiding_another_categorys_word_keeps_that_evidence():
    from nlp.lexicon import with_keywords

    merged = with_keywords(default_lexicon(), {"other": {"物业费发票": 1.0}})
    property_words = default_lexicon().category("property").keywords
    assert merged.category("property").keywords["物业费发票"] == property_words["物业费"] + property_words["发票"]
    assert merged.category("other").keywords["物业费发票"] == 1.0


def test_urgent_category_must_name_a_category(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text('[urgent]\ncategories = { fire = "nope" }\n[[categories]]\nid = "x"\n', "utf-8")
    with pytest.raises(ValueError, match="urgent.categories.fire"):
        load_lexicon(path)
