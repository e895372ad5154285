"""Urgency by hazard class and sentence shape, on sentences written for these tests (none is a row of a
check set): the same event told with other words must still fire, and the same words told as a worry,
a habit, a past event or a negation must not."""

from functools import lru_cache

import pytest

from nlp.classifier import Classifier
from nlp.lexicon import default_lexicon, parse_lexicon


@lru_cache(maxsize=1)
def classifier() -> Classifier:
    return Classifier(default_lexicon())


@pytest.mark.parametrize(
    ("text", "emergency"),
    [
        ("卧室的取暖器突然冒烟了 插头那里黑了一块 4栋302", "fire"),  # {electric} + 冒烟
        ("楼道的插线板在打火 啪啪响 谁家的", "fire"),  # {electric} + 在打火
        ("液化气罐的阀门那里在漏 满厨房的味道 我不敢开灯", "fire"),  # {gas}{gas_part} + 在漏
        ("外面那个火好大 从三楼窗户一直烧到四楼了", "fire"),  # the size of the fire
        ("客厅里全是黑烟 我和孩子在阳台上", "fire"),  # the amount of smoke
        ("卫生间的热水管裂了 热水一直往外喷 8栋", "rescue"),  # {water_part} + 裂
        ("地下室进水 已经到大腿了 电闸还开着", "rescue"),  # water measured on the body
        ("孩子被反锁在车里了 车停在东门 太阳正晒着", "rescue"),  # 被锁在: shut in by someone
        ("我姥姥下楼梯绊倒了 头磕在台阶上 一直喊疼 起不来", "medical"),  # any kind of fall
        ("送快递的大哥被货车刮倒了 躺在路口", "medical"),  # hit by a vehicle
        ("我家老头早上去公园晨练 到现在没回 电话也不接", "police"),  # not back by now
        ("家里闯进来一个陌生人 我锁在卧室里 6栋101", "police"),  # an intruder
    ],
)
def test_hazard_classes_and_event_shapes_fire(text, emergency):
    result = classifier().classify(text)
    assert result.intent == "request" and result.urgent and result.emergency == emergency


@pytest.mark.parametrize(
    "text",
    [
        "楼下几户天天在楼道里给电瓶车充电 迟早要烧起来",  # 迟早: a worry, not an event
        "这栋楼的暖气管老是爆 一个冬天爆两回了 能不能换新的",  # 老是: a recurring problem
        "一下雨就进水 地下室的东西全泡了 年年如此",  # 一下雨就: a habit
        "我们楼的老人在那个台阶上滑倒过好几次 能不能加个扶手",  # 滑倒过: the experiential 过
        "热水器打不着火了 是不是要换电池",  # 打不着火: negated, not a fire
        "物业到现在都没回消息 报修一个礼拜了",  # 没回消息: a reply, not a missing person
        "哈哈 那烟是我家在熏腊肠 吓着大家了",  # laughter: no one in danger
        "前两天我爸在小区门口摔倒了 现在在家养着 想问问能不能申请护理补贴",  # 前两天: past
        "路上结冰了 大家小心滑倒",  # 小心: a warning
    ],
)
def test_worries_habits_past_and_negations_do_not_fire(text):
    assert not classifier().classify(text).urgent


def test_word_classes_expand_in_patterns():
    lexicon = parse_lexicon(
        {
            "categories": [{"id": "safety", "name": "安全", "keywords": {}}],
            "urgent": {"classes": {"thing": ["锅", "油锅"]}, "patterns": {"fire": ["{thing}着了"]}},
        }
    )
    assert lexicon.urgent_patterns["fire"] == ("(?:锅|油锅)着了",)


def test_unknown_word_class_is_an_error():
    with pytest.raises(ValueError, match="nothing"):
        parse_lexicon(
            {
                "categories": [{"id": "safety", "name": "安全", "keywords": {}}],
                "urgent": {"patterns": {"fire": ["{nothing}着了"]}},
            }
        )
