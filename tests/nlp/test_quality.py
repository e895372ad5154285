"""Quality floors on the project's own check sets (tests/nlp/data): fresh.csv and holdout.csv were
written in the style of the grid chat, after dev.csv and without copying it; see their commit messages
for the scores they gave when first run, before anything was tuned on them."""

from functools import lru_cache
from pathlib import Path

import pytest

from nlp.classifier import Classifier
from nlp.datasets import read_labelled
from nlp.evaluate import grid_scores
from nlp.lexicon import default_lexicon
from nlp.model import default_model, default_urgent_model

DATA = Path(__file__).parent / "data"


@lru_cache(maxsize=1)
def _classifier() -> Classifier:
    return Classifier(default_lexicon())


@pytest.mark.parametrize("name", ["fresh.csv", "holdout.csv"])
def test_check_set_quality_floor(name):
    _, rows = read_labelled(DATA / name)
    results = [_classifier().classify(row.text) for row in rows]
    scores = grid_scores(
        [(row.intent, row.category, row.urgent) for row in rows],
        [(r.intent, r.category, r.urgent) for r in results],
    )
    assert scores["intent_f1"] >= 0.96
    assert scores["category_macro_f1"] >= 0.92
    assert scores["urgent_recall"] >= 0.95 and scores["urgent_precision"] >= 0.9


@lru_cache(maxsize=1)
def _bot_classifier() -> Classifier:
    """As the bot runs it: the lexicon with the grid and urgent models."""
    return Classifier(default_lexicon(), model=default_model(), urgent_model=default_urgent_model())


# blind_a and blind_b were written before the classifier was read. blind_a first scored intent F1 0.934,
# macro-F1 0.817, urgent P/R 0.829/0.690; the urgent rules were then tuned on it and the grid model trained on
# it, so its floor guards against regressions only. blind_b was scored once, after that work (the code before
# it: 0.948, 0.870, 0.837/0.818; after: 0.948, 0.868, 0.921/0.795): its floor is that out-of-sample figure.
# blind_d, blind_e and blind_f (400, 416 and 400 rows in dev's proportions, 21-22 urgent each) were written one
# after another by helpers that read only dev.csv and its README, as the acceptance set was; each was scored when
# it arrived, before anything was tuned on it, then urgent rules and intent cues were tuned on it:
#   blind_d first 0.9375, 0.856, urgent P/R 0.724/0.955; after its round 0.955, 0.861, 0.957/1.0
#   blind_e first 0.9382, 0.853, 0.690/0.909 (after blind_d's round; at the session's start 0.667/0.909);
#           after its round 0.959, 0.854, 0.880/1.0
#   blind_f first 0.9575, 0.886, 0.778/1.0 (after both rounds; at the session's start 0.953, 0.886, 0.741/0.952)
# The grid model was then retrained with d, e and f. blind_h, blind_i and blind_j (400 rows each: an old compound, a
# new estate, an urban village) were written next and scored at first sight: h 0.964, 0.858, 0.864/0.95; i 0.940,
# 0.835, 0.818/0.90; j 0.941, 0.865, 0.941/0.80; urgent rules were tuned on them and the grid model trained on them.
# blind_g (416 rows, written after f) is never trained or tuned on: see bench/learn_grid.py. First sight with the
# session's first code 0.924, 0.807, 0.778/0.955; at the end 0.957, 0.852, 0.815/1.0.
# blind_k (416 rows, written last "to be indistinguishable from dev's author"): first sight 0.968, 0.924, 0.80/0.952
# (the session's first code: 0.962, 0.913, 0.75/1.0); its one missed emergency, a theft under way, was then named.
# blind_l (416 rows, a county town's old danwei compound, written blind at the end of round E): first sight 0.955,
# 0.935, urgent P/R 0.667/0.857; two of its three missed emergencies (不知道哪家漏煤气了 read as a doubt, water
# 流进好几家了) were then named, and a pipe the frost cracked (冻裂: 0 of 8 urgent in all sets) made a repair: 0.957,
# 0.937, 0.714/0.952. Its other false alarms (a 1998 flood remembered, a fire extinguisher quiz, a gas scare already
# over, a theft already reported) were left alone: its precision floor is low.
# blind_m (a resettlement estate of former villagers) and blind_n (a southern commodity-housing estate), 416 rows
# each, written blind at the start of round F: first sight m 0.963, 0.848, 0.613/0.905 and n 0.961, 0.901,
# 0.708/0.810; the round's rules (hearsay and rumour, the spoken 这要 "if", 好几次 as a habit, Cantonese 唔 / 冇,
# new signs for a child followed, water pouring from a ceiling, plastic burning, a drooping face) came from them:
# after, m 0.965, 0.848, 0.870/0.952 and n 0.963, 0.901, 0.955/1.0.
# blind_o (an old walk-up 社区 in the southwest, 416 rows, 21 urgent) came after those rules and scored 0.968,
# 0.873, 0.667/0.952 at first sight: none of them had touched it. The urgent model's veto of a lone sign (chosen
# over all sets, o included) and rules for stickers ([呕吐]), 中风后, laughter, quizzes, 有空 and a line blown down
# followed: 0.970, 0.877, 0.913/1.0.
# blind_p (416 rows, 21 urgent, written "as dev's author a month later") scored at first sight 0.978, 0.879,
# 0.833/0.952 (the session's first code: 0.978, 0.875, 0.769/0.952); its missed theft under way (在剪锁), a fire
# years ago (前几年) and a window handle (把手断了) were then named.
# blind_q (416 rows, 21 urgent, "dev's author in winter") was written after everything else and is not tuned on:
# first sight 0.983, 0.889, 0.950/0.905 (the session's first code: 0.983, 0.889, 0.792/0.905).
# Round G, three more written blind: blind_r (a southern city in typhoon season, some Cantonese), blind_s (old
# walk-ups, voice-to-text from elderly residents and their children far away), blind_t (a new high-rise estate,
# WeChat slang). First sight r 0.970, 0.920, 0.870/0.952; s 0.979, 0.876, 0.913/1.0; t 0.970, 0.880, 0.800/0.762.
# From them: 已经报警 no longer blocks (the police called, a beating still going on), 人就不见了, a stranger climbing
# the outside of a building, water 漫过 the wheels, cladding 往下砸; 赶紧修 hurries a repair and confirms no weak
# sign; two weak readings of one phrase (卡在 / 在里面) are one sign; a parcel 锁在里面, a sewer's 反味, a 复查 trip
# and a lone 打119 are not emergencies. After: r 0.970, 0.921, 1.0/0.952 (its flooded manhole left alone), s 0.979,
# 0.876, 0.955/1.0, t 0.972, 0.883, 1.0/1.0.
# Then two more, written blind and scored at first sight with those rules: blind_u (a northern resettlement estate
# in deep winter) 0.949, 0.850, 0.783/0.857 and blind_v (an inland commodity estate, emergencies told calmly) 0.972,
# 0.879, 0.818/0.857: the rules from r, s and t moved neither. Their misses were then named (a wire down in a puddle,
# a burst 总管, a charcoal stove and dizzy people, 叫不应, sitting on the floor unable to get up, a sign half down that
# 随时砸下来) and their false alarms (a dream, a misunderstanding, a lecture learned, a battery 不行了, a landlord
# 联系不上, 万幸): u 0.951, 0.850, 0.955/1.0 and v 0.974, 0.879, 0.955/1.0.
# blind_w (an ordinary eastern coastal neighbourhood, "nothing exotic"), written blind after all of round G and the
# retrained urgent model, first sight 0.968, 0.915, 0.900/0.857 (the round's first code: 0.970, 0.915, 0.944/0.810).
# Two of its three misses were then named: a manhole washed open under water (also missed in blind_q and blind_r)
# and a lift door open on an empty shaft, where 小孩要回来了 had read as 回来了 (resolved): 0.968, 0.915, 0.909/0.952.
# Round H (2026-11-23, ninth session), written blind and scored at first sight with the code of the round G:
# blind_x (an old factory dormitory quarter in the north, early spring) 0.958, 0.883, 0.875/1.0; blind_y (a
# southern urban village in typhoon season) 0.955, 0.906, 0.909/0.952; blind_z (a new high-rise estate, short
# phone messages) 0.944, 0.885, 0.840/1.0: 62 of 63 emergencies found, 9 false alarms. From them: no sign of life
# behind a door (the phone ringing inside, no sound all day, the meal left outside), 从昨天…到现在 tells how long,
# not the past; care and papers for a lasting illness (护理, 残疾证), a likeness (跟着火了一样), "once it burns"
# (一着火…都), someone's vomit left in a lift and 没丢东西 are not emergencies. After: x 0.958, 0.888, 0.913/1.0;
# y 0.957, 0.911, 1.0/1.0; z 0.946, 0.877, 0.955/1.0.
# blind_aa (an ordinary county-town community), written with x, y and z but kept sealed until the end of the
# session, scored once with its final code: 0.957, 0.931, 0.913/1.0 (its two false alarms, a stroke and a wheelchair
# to borrow, a cracked solar-heater pipe running down a wall, left alone: no rule came from aa).
# Round I (2026-11-24, tenth session): blind_ab (an inland estate of elderly people living alone, their children far
# away; spring damp) at first sight 0.966, 0.913, 0.895/0.810: four emergencies missed, three of them told by a
# grandchild on the phone from far away and ending in a plea to the neighbours (哪位邻居…, read as chatter). From it:
# an emergency the urgent model confirms makes a request even when its only sign is weak (喊他也不应); 心口疼 and
# speech gone (话都讲不清) are signs; water running down through a light fitting is a live circuit. After: 0.972,
# 0.916, 0.913/1.0; no other row of the sets moves but one more emergency found in blind_m.
# blind_ac (a suburban resettlement estate of former villagers, summer), written with ab but sealed until the end
# of the session, scored once with its final code: 0.962, 0.893, 0.875/1.0 (three false alarms, left alone).
# Round J (2026-11-24, eleventh session): blind_ad (a hillside county town in the southwest in the autumn rain, left-
# behind elderly, dialect: 莫得, 晓得, 屋头) at first sight 0.945, 0.889, 0.900/0.857: three emergencies missed (a sign
# hanging by one screw over the school path, water running onto a television, an old woman unseen 从昨天到现在) and
# a warning 莫一氧化碳中毒了 (莫 = 别) read as an emergency. After: 0.945, 0.889, 0.955/1.0; no other row moves.
# blind_af (a 1990s work-unit estate in the summer rainstorms, grandparents minding children) at first sight 0.959,
# 0.930, 0.875/1.0: three false alarms. From it: 有烟 inside 有烟头 (a cigarette end) is no smoke; 下雨天 tells how
# things go when it rains. After: 0.959, 0.930, 0.955/1.0 (left alone: 风一大就冒烟, a stove shed on a roof; reading
# every 一…就 as a habit cost three emergencies elsewhere). No other row moves.
# blind_ag (an old lane neighbourhood in an eastern city in winter, some 沪语: 阿拉, 伐) at first sight 0.950, 0.898,
# 0.778/1.0: six false alarms. From it: what burning would be like (烧起来不得了) is not a fire; something poured out
# (废机油倒在阴沟里) and a row of bikes blown over (一排倒在地上) are not a fall; a cracked gas hose 现在没味道 is a
# repair. After: 0.950, 0.895, 0.913/1.0 (left alone: a flowerpot on a sill over the path, a door phone broken). No
# other row moves.
# blind_ai (a Pearl River Delta town in early summer, some Cantonese: 跌咗, 起唔到身, 水浸) at first sight 0.951, 0.864,
# 0.947/0.857: three emergencies missed. From it: the Cantonese fall and flood words; 叫她都不怎么应, a face gone pale
# (脸好白), sweating on and on, and 120 called (120我打了) are signs; water down a light's wire (顺着灯线一直往下流)
# is a live circuit; a room turned into a river is a flood. After: 0.953, 0.863, 0.955/1.0. No other row moves.
# blind_ah (a northwestern city's courtyard bungalows with coal stoves, winter), written with ai and scored after ai's
# changes: 0.952, 0.838, 0.913/1.0. From it: a detector (一氧化碳报警器) is the device unless it is going off;
# 能救命 and a quiz answer (答对了) are not events. After: 0.954, 0.838, 1.0/1.0; blind_x loses a false alarm, no
# other row moves.
# blind_aj and blind_ak (written "as dev's own author", spring and early winter), scored after all of the above:
# aj 0.953, 0.891, 0.909/0.952 (the miss: an open manhole a child nearly stepped into, where 40 other manhole rows
# of the sets are repairs; left alone); ak 0.946, 0.876, 0.955/1.0. Both false alarms of water from a neighbour's
# flower watering running down (浇花: 9 rows in the sets, none urgent) are gone after: aj P 0.952, ak P 1.0.
# blind_am (as dev's author, autumn, many elderly) at first sight 0.955, 0.911, 0.833/0.952. From it: in there
# doing something ordinary (在里面烧饭, 在里面下崽) is not shut in; 记着 gives advice; someone in a lift banging and
# shouting (电梯里一直有人在拍门喊) is a sign. After: 0.954, 0.909, 0.955/1.0. No other row moves.
# blind_al (as dev's author, midsummer) at first sight 0.955, 0.910, 0.833/0.952. From it: a break-in with the
# window named after the building (在翻5栋202的窗户, 爬进去一半了); a main already being repaired (在抢修), water
# wasted (浪费), a scare explained (吓到大家了) and 腰都要断了 (a figure of speech) are not emergencies. After: 0.959,
# 0.913, 0.955/1.0 (left alone: an air-conditioner bracket rusting over a pavement). No other row moves.
# blind_an and blind_ao (as dev's author; spring with a school nearby, winter without a property company) at first
# sight: an 0.970, 0.921, 0.955/1.0 (a gate stuck halfway, 关到一半就卡住, read as someone shut in: fixed, P 1.0);
# ao 0.963, 0.927, 0.913/1.0 (a dog in a red coat, a fraud already reported to the police: left alone).
# blind_ae (as dev's author, late autumn), written first in the round and sealed until its end, scored once with the
# final code: 0.967, 0.924, 0.913/1.0 (two false alarms left alone: cars shut in a garage behind a stuck door, paving
# that has tripped people before).
@pytest.mark.parametrize(
    ("name", "intent", "macro", "recall", "precision"),
    [
        ("blind_a.csv", 0.96, 0.91, 0.9, 0.95),
        ("blind_b.csv", 0.94, 0.86, 0.79, 0.9),
        ("blind_d.csv", 0.95, 0.85, 0.95, 0.95),
        ("blind_e.csv", 0.95, 0.85, 0.95, 0.85),
        ("blind_f.csv", 0.95, 0.88, 0.95, 0.85),
        ("blind_h.csv", 0.95, 0.9, 0.95, 0.85),
        ("blind_i.csv", 0.95, 0.88, 0.95, 0.8),
        ("blind_j.csv", 0.94, 0.9, 0.95, 0.9),
        ("blind_g.csv", 0.95, 0.84, 0.95, 0.8),
        ("blind_k.csv", 0.96, 0.92, 0.95, 0.8),
        ("blind_l.csv", 0.95, 0.93, 0.95, 0.7),
        ("blind_m.csv", 0.95, 0.83, 0.95, 0.85),
        ("blind_n.csv", 0.95, 0.88, 0.95, 0.9),
        ("blind_o.csv", 0.95, 0.86, 0.95, 0.85),
        ("blind_p.csv", 0.96, 0.86, 0.95, 0.85),
        ("blind_q.csv", 0.97, 0.87, 0.9, 0.9),
        ("blind_r.csv", 0.96, 0.9, 0.95, 0.9),
        ("blind_s.csv", 0.96, 0.86, 0.95, 0.9),
        ("blind_t.csv", 0.96, 0.86, 0.95, 0.9),
        ("blind_u.csv", 0.94, 0.83, 0.95, 0.9),
        ("blind_v.csv", 0.96, 0.86, 0.95, 0.9),
        ("blind_w.csv", 0.96, 0.9, 0.95, 0.85),
        ("blind_x.csv", 0.95, 0.87, 0.95, 0.9),
        ("blind_y.csv", 0.95, 0.9, 0.95, 0.9),
        ("blind_z.csv", 0.94, 0.86, 0.95, 0.9),
        ("blind_aa.csv", 0.95, 0.91, 0.95, 0.9),
        ("blind_ab.csv", 0.96, 0.9, 0.95, 0.9),
        ("blind_ac.csv", 0.95, 0.87, 0.95, 0.85),
        ("blind_ad.csv", 0.94, 0.88, 0.95, 0.9),
        ("blind_af.csv", 0.95, 0.9, 0.95, 0.9),
        ("blind_ag.csv", 0.94, 0.87, 0.95, 0.85),
        ("blind_ai.csv", 0.94, 0.84, 0.95, 0.9),
        ("blind_ah.csv", 0.94, 0.82, 0.95, 0.9),
        ("blind_aj.csv", 0.94, 0.87, 0.95, 0.9),
        ("blind_ak.csv", 0.93, 0.86, 0.95, 0.9),
        ("blind_am.csv", 0.94, 0.88, 0.95, 0.9),
        ("blind_al.csv", 0.94, 0.88, 0.95, 0.9),
        ("blind_an.csv", 0.95, 0.89, 0.95, 0.9),
        ("blind_ao.csv", 0.95, 0.9, 0.95, 0.85),
        ("blind_ae.csv", 0.95, 0.9, 0.95, 0.85),
    ],
)
def test_blind_set_floor(name, intent, macro, recall, precision):
    _, rows = read_labelled(DATA / name)
    results = [_bot_classifier().classify(row.text) for row in rows]
    scores = grid_scores(
        [(row.intent, row.category, row.urgent) for row in rows],
        [(r.intent, r.category, r.urgent) for r in results],
    )
    assert scores["intent_f1"] >= intent
    assert scores["category_macro_f1"] >= macro
    assert scores["urgent_recall"] >= recall and scores["urgent_precision"] >= precision


@pytest.mark.parametrize(
    ("text", "urgent"),
    [
        # one sign in a message the urgent model finds calm: a hazard reported for repair, a fight already over
        ("小区门口那段下坡结冰了 今天早上又有人滑倒了 能不能撒点融雪剂", False),
        ("两个大爷为了车位吵到动手了 已经拉开了 麻烦社区来调解一下", False),
        # 快来 hurrying a chore along, in a message the urgent model leans urgent on: no alarm
        ("3栋楼道的杂物堆满了 快来清理", False),
        ("垃圾桶都满出来了 快来收一下", False),
        # two signs are an emergency whatever the model thinks
        ("我爸在厕所滑倒了 起不来 快来人帮忙", True),
        ("楼下一个骑电动车的滑倒了 腿好像断了 动不了", True),
    ],
)
def test_a_lone_sign_the_urgent_model_finds_calm_is_held_back(text, urgent):
    assert _bot_classifier().classify(text).urgent is urgent


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("又停电了", "request"),  # again: a complaint, the config's own example of a report
        ("5栋怎么又没水了", "request"),
        ("我们7栋停电了", "request"),  # a building out of power right now
        ("【通知】7栋明天上午停水", "chatter"),
        ("我这边也停电了 应该是整片都停了", "chatter"),  # a neighbour sharing what they see
    ],
)
def test_an_outage_again_is_a_report(text, intent):
    assert _bot_classifier().classify(text).intent == intent


@pytest.mark.parametrize(
    ("text", "urgent"),
    [
        # 快来人 calling someone to fix a complaint is no alarm on its own
        ("3栋路灯坏了 快来人修一下", False),
        ("门口乱停车 快来人处理", False),
        ("下水道堵了 一楼厕所往上反水 快来人通一下", False),
        # with a sign of its own, or a second alarm, it stays one
        ("快来人 6号楼地下室的水管爆了", True),
        ("救命啊 快来人", True),
    ],
)
def test_kuai_lai_ren_asking_for_a_repair_is_not_an_alarm(text, urgent):
    assert _bot_classifier().classify(text).urgent is urgent
