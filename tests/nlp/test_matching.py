"""Keyword matching: longest first, one-character keywords only as words of their own, segmenting
only when a one-character keyword needs it."""

from nlp.matching import KeywordIndex, PhraseTable


def _index():
    return KeywordIndex(["路灯", "路灯杆", "不亮", "灯", "坑"])


def test_longest_keyword_wins_and_covers_its_parts():
    assert _index().count("路灯杆歪了", ["路灯杆", "歪", "了"]) == {"路灯杆": 1}


def test_one_character_keyword_counts_only_as_its_own_word():
    index = _index()
    assert index.count("楼道的灯不亮", ["楼道", "的", "灯", "不亮"]) == {"不亮": 1, "灯": 1}
    assert index.count("这人坑人", ["这", "人", "坑人"]) == {}


def test_segmenter_is_called_only_when_a_one_character_keyword_is_uncovered():
    calls = []

    def cut(text):
        calls.append(text)
        return ["楼道", "的", "灯", "不亮"] if "灯" in text else ["路灯", "不亮"]

    index = _index()
    assert index.count("路灯 不亮", cut) == {"路灯": 1, "不亮": 1}
    assert calls == []  # 灯 is inside 路灯: nothing to decide
    assert index.count("楼道的灯不亮", cut) == {"不亮": 1, "灯": 1}
    assert calls == ["楼道的灯不亮"]


def test_phrase_table_finds_overlapping_occurrences():
    assert PhraseTable(["路灯", "灯杆", "路灯杆"]).spans("路灯杆") == [(0, "路灯杆"), (0, "路灯"), (1, "灯杆")]


def test_the_keyword_starting_first_wins_over_a_longer_one_starting_later():
    index = KeywordIndex(["路灯", "灯杆子"])
    assert index.count("路灯杆子倒了", ["路灯", "杆子", "倒", "了"]) == {"路灯": 1}


def test_a_phrase_at_the_end_of_the_text_is_found_once():
    # a longer phrase with the same start (工商局) must not make the last two characters count twice
    table = PhraseTable(["工商", "工商局"])
    assert table.spans("去工商") == [(1, "工商")]
    assert table.spans("工商局和工商") == [(0, "工商局"), (0, "工商"), (4, "工商")]
