"""The classifier on the cases a grid worker cares about: chatter with problem words is not a ticket,
a complaint without keywords is, urgency fires on its own."""

from functools import lru_cache

import pytest

from nlp.classifier import Classifier
from nlp.lexicon import default_lexicon, with_keywords
from nlp.segment import JiebaSegmenter


@lru_cache(maxsize=1)
def classifier() -> Classifier:
    return Classifier(default_lexicon(), handling={"sanitation": "handle", "welfare": "reply"})


@pytest.mark.parametrize(
    "text",
    [
        "楼道的灯昨天修好了 谢谢王姐",
        "【通知】明天停水",
        "收到",
        "收到，谢谢王网格[抱拳]",
        "转发：【计划停电】供电公司定于明天对3栋线路检修，届时电梯暂停运行",
        "团购接龙：砂糖橘 8元一斤 明天下午东门自提 1. 3栋王姐 5斤 2. 7栋李哥 3斤",
        "早上好各位邻居🌹",
        "防火小贴士：电动车不进楼道，出门记得关燃气阀门",
        "电梯已经修好了，不用了谢谢",
    ],
)
def test_chatter_with_problem_words_opens_no_ticket(text):
    result = classifier().classify(text)
    assert result.intent == "chatter"
    assert result.category is None and not result.urgent


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("楼道里堆满了杂物 好几天了没人管", "sanitation"),
        ("12栋后面的路灯坏了一个礼拜了 晚上黑咕隆咚的", "repair"),
        ("有人在楼道里飞线充电 太危险了", "safety"),
        ("楼上天天半夜蹦迪 吵得睡不着 能不能管管", "neighbor"),
        ("我妈80多了 高龄补贴怎么申请", "welfare"),
        ("居住证到期了去哪里续办", "affairs"),
        ("门口那辆僵尸车停了半年了 能拖走吗", "parking"),
        ("物业费年年涨 服务越来越差", "property"),
        # a bare complaint of one clause, no 麻烦 or 没人管: still a report the bot must answer
        ("3栋楼道杂物太多了", "sanitation"),
        ("楼道太脏了", "sanitation"),
        ("3单元楼道灯不亮，晚上好黑", "repair"),  # 晚上好黑: very dark at night, not "good evening"
        ("我们楼也没电了", "repair"),
    ],
)
def test_requests_get_their_category(text, category):
    result = classifier().classify(text)
    assert (result.intent, result.category) == ("request", category)
    assert result.matched, "the explanation needs the words that decided it"


def test_request_without_category_keywords_goes_to_other():
    result = classifier().classify("请问社区这周能帮忙打印材料吗 家里没打印机")
    assert result.intent == "request"
    assert result.category == "other"


def test_request_with_cues_but_no_keyword_is_still_a_request():
    result = classifier().classify("这事到底有没有人管 都反映好几次了")
    assert result.intent == "request"


@pytest.mark.parametrize(
    ("text", "emergency"),
    [
        ("3栋2单元一股煤气味 好浓", "fire"),
        ("快来人 楼下有个老人摔倒起不来了", "medical"),
        ("电梯卡在5楼 里面有人被困了", "rescue"),
        ("小区门口有人持刀打架", "police"),
    ],
)
def test_urgent_fires_with_emergency_kind(text, emergency):
    result = classifier().classify(text)
    assert result.intent == "request" and result.urgent
    assert result.emergency == emergency
    assert result.urgent_words


def test_urgent_without_category_goes_to_fallback():
    result = classifier().classify("救命 快来人啊")
    assert result.urgent and result.intent == "request"
    assert result.category == "other"


def test_drill_or_tip_is_not_urgent():
    assert not classifier().classify("明天上午10点消防演练 着火了别慌 听从指挥").urgent


def test_resolution_and_its_negation():
    fixed = classifier().classify("楼道灯亮了 谢谢")
    broken = classifier().classify("楼道灯又不亮了 麻烦看看")
    assert fixed.resolved and fixed.intent == "chatter"
    assert not broken.resolved and broken.intent == "request"


def test_question_flag():
    assert classifier().classify("低保在哪里办？").question
    assert not classifier().classify("谢谢大家").question


def test_confidence_and_handling():
    sure = classifier().classify("楼道里堆满了杂物 好几天了没人管 麻烦社区清理一下")
    assert sure.confidence > 0.9 and sure.handling == "handle"
    assert 0.5 <= classifier().classify("收到").confidence <= 1.0


def test_explain_names_category_and_words():
    result = classifier().classify("楼道里堆满了杂物 没人管")
    text = classifier().explain(result, {"sanitation": "环境卫生"})
    assert text.startswith("环境卫生：") and "杂物" in text


def test_to_dict_is_json_ready():
    data = classifier().classify("楼道里堆满了杂物 没人管").to_dict()
    assert data["intent"] == "request" and isinstance(data["matched"], list)


def test_configured_keyword_segments_as_one_word_in_own_tokenizer():
    import jieba

    lexicon = with_keywords(default_lexicon(), {"repair": {"化粪池盖板": 3.0}})
    segmenter = JiebaSegmenter()
    Classifier(lexicon, segmenter=segmenter)
    for word in ("飞线充电", "楼道", "渗水", "高龄补贴", "化粪池盖板"):
        assert word in segmenter.cut(f"我家{word}的问题"), word
    assert "化粪池盖板" not in jieba.lcut("我家化粪池盖板的问题"), "the global jieba must stay untouched"


@pytest.mark.parametrize("engine", ["jieba", "rjieba"])
def test_words_added_before_and_after_the_dictionary_loads_both_count(engine):
    from nlp.segment import best_segmenter

    if engine == "rjieba":
        pytest.importorskip("rjieba", reason="rjieba (extra 'fast') is not installed")
    segmenter = best_segmenter(engine)
    segmenter.add_word("化粪池盖板")  # before the first cut: the dictionary is not built yet
    assert "化粪池盖板" in segmenter.cut("我家化粪池盖板的问题")
    segmenter.add_word("雨水篦子盖")  # after it
    assert "雨水篦子盖" in segmenter.cut("门口雨水篦子盖的问题")


def test_with_keywords_adds_words_and_new_categories():
    lexicon = with_keywords(
        default_lexicon(), {"repair": {"冒黄水": 5.0}, "pets": {"流浪猫": 4.0}}, {"pets": "宠物管理"}
    )
    custom = Classifier(lexicon)
    assert custom.classify("水龙头一直冒黄水 能不能来看看").category == "repair"
    assert custom.classify("小区流浪猫越来越多 晚上叫个不停 能不能管管").category == "pets"
    assert lexicon.names["pets"] == "宠物管理"


@pytest.mark.parametrize(
    "text",
    [
        "楼道里总有人抽烟 烟头乱扔 怕哪天着火",  # a fear, not a fire
        "楼道里那个烟味是楼下在熏腊肉 不是着火 大家别担心",  # denied
        "昨天有个老人在菜市场门口晕倒了 幸好有人打了120",  # past, and over
        "转发：燃气泄漏怎么办？1.关阀门 2.开窗通风 3.到室外打电话",  # advice shaped as a notice
        "漏电保护器老跳闸 一天跳好几次",  # a device, not a live wire
        "我们这栋水压特别小 早上洗澡水都出不来",  # a weak word with nothing to confirm it
        "哈哈哈 我家猫被困在衣柜里了",  # a pet
    ],
)
def test_urgent_word_without_an_urgent_event_is_not_urgent(text):
    assert not classifier().classify(text).urgent


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("楼下电动车棚烧起来了 好大的黑烟 大家快下楼 别坐电梯", "safety"),  # 电梯 does not make it a repair
        ("进单元门就闻到好重的煤气味 不知道是哪家", "safety"),
        ("有人正在撬车棚里的电动车锁 就现在 保安快去", "security"),
        ("电梯卡住了 里面有人 快联系物业", "repair"),  # weak words confirmed by each other and 快
    ],
)
def test_emergency_is_routed_by_what_happens_not_where(text, category):
    result = classifier().classify(text)
    assert result.urgent and result.category == category


def test_questions_without_question_words():
    assert classifier().classify("社区服务中心周六上班不").question  # clause-final 不
    assert classifier().classify("社区图书室周末开不开").question  # A-not-A
    asked = classifier().classify("电梯修好了吗")
    assert asked.question and not asked.resolved


def test_neutral_place_does_not_count_as_its_keyword():
    # 单元门口 is where the bikes are, not a broken unit door
    assert classifier().classify("单元门口电动车停得乱七八糟 推车都出不去").category == "parking"


@pytest.mark.parametrize(
    ("text", "emergency"),
    [
        ("家里插座烧了 冒着烟 整个屋都是糊味", "fire"),  # 冒着烟: a shape, not a fixed word
        ("对门的老爷子倒在楼梯上了 喊他不应 我一个人扶不动", "medical"),  # weak signs that confirm each other
        ("有两个人在砸车窗偷东西 就在东门停车场 正在砸", "police"),
    ],
)
def test_urgent_event_shapes(text, emergency):
    result = classifier().classify(text)
    assert result.urgent and result.emergency == emergency


def test_over_emergency_is_not_urgent():
    result = classifier().classify("刚才电梯困人那事已经解决了 物业五分钟就到了")
    assert not result.urgent and result.resolved


@pytest.mark.parametrize(
    "text",
    [
        "已经跟物业说了 他们下午派人过去看",  # an update
        "新来的保安小伙挺热心的 帮我把米扛上楼了",  # praise
        "有没有人知道最近的菜市场几点开门",  # a question to neighbours
        "好消息 南门的路灯终于亮了",  # good news
        "我也想去 几点集合",  # joining in
        "楼道里那股煳味是我家炖肉忘了 已经关火了 不好意思",  # a scare explained and over
        "在篮球场边捡到一把钥匙 挂着个小铃铛 放门卫了",  # lost and found
        "社区下午发放防蚊液 每户一瓶 先到先得",  # a handout notice
    ],
)
def test_updates_praise_and_neighbour_questions_are_chatter(text):
    assert classifier().classify(text).intent == "chatter"


@pytest.mark.parametrize(
    "text",
    [
        "收到个电话说我社保卡要冻结 让我转钱 是不是骗子",
        "燃气卡丢了 补卡去哪办",
        "收到个短信说医保卡要停用 让点链接 这是骗子吧",  # 收到个短信: received, not the 收到 of a reply
        "楼下有人扫码送洗衣液 要登记老人手机号 这靠谱吗",
        "有人打电话自称是社区的 要给我办补贴 这是你们的人吗",
        "在网上买东西被骗了六百 钱还能追回吗",
        "在花坛边捡到一串钥匙 交给谁合适",  # lost and found: where to hand it in
        "房子退租两个月了 押金还不退",
    ],
)
def test_asking_whether_it_is_a_scam_or_where_to_go_is_a_request(text):
    assert classifier().classify(text).intent == "request"


def test_turning_to_the_community_makes_a_request():
    result = classifier().classify("有人冒充燃气公司上门收费 大家小心 社区查一下是不是真的")
    assert result.intent == "request" and result.category == "security"


def test_to_dict_has_every_field():
    from dataclasses import asdict

    result = classifier().classify("楼道灯坏了 能不能修一下")
    listed = {"matched": list(result.matched), "urgent_words": [], "keywords": list(result.keywords)}
    assert result.to_dict() == asdict(result) | listed


@pytest.mark.parametrize(
    "text",
    [
        "3号楼电梯停在半空 门打不开 里面关着两个小孩 一直在哭",  # 停在 + 关着: two signs
        "家里的热水器管子炸了 热水喷得到处都是 总闸在哪",  # a pipe that bursts
        "我家六岁的闺女在楼下玩 一眨眼人没了 找了半小时了",  # a missing child
        "救火啊 6栋3楼厨房火蹿上来了 大家快跑",
    ],
)
def test_emergencies_told_without_the_usual_words(text):
    assert classifier().classify(text).urgent


@pytest.mark.parametrize(
    "text",
    [
        "被困电梯怎么办？不要扒门，按警铃，等待救援。",  # advice
        "这个电影太吓人了 着火那段我都不敢看",  # a film
        "刚才消防车过去了 不知道哪里着火了",  # hearsay
    ],
)
def test_urgent_words_in_advice_films_and_hearsay(text):
    assert not classifier().classify(text).urgent
