"""Traditional characters read through the simplified lexicon (sentences written for these tests)."""

from functools import lru_cache

import pytest

from nlp.classifier import Classifier
from nlp.lexicon import default_lexicon
from nlp.script import to_simplified


@lru_cache(maxsize=1)
def classifier() -> Classifier:
    return Classifier(default_lexicon())


@pytest.mark.parametrize(
    ("traditional", "simplified"),
    [
        ("樓下煤氣味很重 好像漏氣了", "楼下煤气味很重 好像漏气了"),
        ("樓道裡有人著火了 快來人", "楼道里有人着火了 快来人"),  # the verbal 著 is 着
        ("他是著名作家 貢獻顯著", "他是著名作家 贡献显著"),  # 著名 and 显著 keep 著
        ("係唔係要去搵社區", "係唔係要去搵社区"),  # written Cantonese keeps 係 and 搵
        ("楼道灯坏了三天了", "楼道灯坏了三天了"),
    ],
)
def test_to_simplified(traditional, simplified):
    assert to_simplified(traditional) == simplified


@pytest.mark.parametrize(
    ("text", "intent", "category", "urgent"),
    [
        ("樓下煤氣味很重 好像漏氣了", "request", "safety", True),
        ("三樓有人著火了 快來人", "request", "safety", True),
        ("樓道堆滿雜物 一直沒人管", "request", "sanitation", False),
        ("路燈壞了一個多月 晚上黑漆漆的 麻煩修一下", "request", "repair", False),
        ("收到 謝謝", "chatter", None, False),
    ],
)
def test_traditional_messages_classify_as_their_simplified_twins(text, intent, category, urgent):
    result = classifier().classify(text)
    assert (result.intent, result.category, result.urgent) == (intent, category, urgent)
    twin = classifier().classify(to_simplified(text))
    assert (twin.intent, twin.category, twin.urgent) == (intent, category, urgent)
