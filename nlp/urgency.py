"""Is something happening right now that puts life, health or property at risk?

An urgent word alone is not an emergency: "怕哪天着火", "不是着火", "消防演练", "上个月摔了一跤" all carry
one. So an urgent word counts only when its own clause does not hedge it (a hedge word such as 怕, 万一,
不是 earlier in the clause), the message is not a drill, tip or past event (blockers), and, for the
weak words that are often something else (中风, 出不来, 火星, 救护车), something else confirms it: a second
urgent word or an alarm (快来人, 救命, 正在, ！！).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from re import _constants, _parser  # type: ignore[attr-defined]  # to read which characters a shape begins with

from nlp.lexicon import EMERGENCIES, Lexicon

# clause boundaries: residents separate clauses with spaces as often as with punctuation
_CLAUSE_END = re.compile(r"[\s，。,.!！?？；;、~…]")
# 快 before an action or on its own (快来, 快叫电工, 快联系物业, "15栋 快"): hurry, it is happening;
# 都快打起来了 is a quarrel getting worse, not a call to ring 110
_NEGATIONS = frozenset("不没未唔冇")  # 唔 / 冇: Cantonese 不 / 没 (打唔着火)
# 绊倒过, 着过火: the experiential 过 right after the event tells of the past (过来 / 过去 is a direction)
_PAST_ASPECT = re.compile(r"过(?![来去])")
# 火灾隐患, 触电的风险, 中风后遗症: a word for what might happen, or for what an old event left behind (not 危险:
# 冒烟危险！ is an alarm)
# (a detector is the device, unless it is going off: 烟雾报警器一直在响)
_POTENTIAL = re.compile(r"的?(?:隐患|风险|后遗症|(?:报警器|探测器|检测仪)(?![^，。\s]{0,4}(?:响|叫|在报|报警)))")
# 中风以后, 脑梗之后: an illness the person has lived with since, not an attack now (摔倒以后 stays an event)
_ILLNESSES = frozenset({"中风", "脑梗", "心梗", "脑溢血", "脑出血", "心脏病"})
_SINCE = re.compile(r"(?:以后|之后|过后|后(?![来面边头]))")
_ILLNESS_SINCE = re.compile("(?:" + "|".join(sorted(_ILLNESSES)) + ")" + _SINCE.pattern)
# 砸着人咋办, 掉下来怎么办: what the resident fears could follow, asked in the same breath; an event already
# here says 了 first (着火了怎么办) or asks in a clause of its own (冒着烟 怎么办)
_WHAT_IF = re.compile(
    r"[^\s，。,.!！?？；;、~…了知晓该]{0,3}(?:咋办|怎么办|咋整|怎么整|可咋整|咋弄|不得了(?!了)|后果不堪设想)"
)
# what a resident calls someone to come and do about a complaint: 快来人修一下, 快来人处理, 快来人清一清
_SERVICE = re.compile(r"[\s，,]?(?:修|处理|清|通|疏通|弄|管|收|拉走|拖走|挪|搬|换|装|查)")
_UNTIL_NOW = re.compile(r"[^，。,.!！?？；;]{0,8}?(?:到现在|至今|到今天)")
# 跟着火了一样, 像冒烟似的: a likeness, not the thing
_LIKENESS = re.compile(r"[了的]?(?:一样|似的)")
# 一着火整栋都遭殃: "once it burns", what would follow, not what is happening
_ONCE = re.compile(r"[^\s，。,.!！?？；;、~…]{0,6}?[就都便]")
# a WeChat sticker code: [呕吐], [发抖], [流泪]
_STICKER = re.compile(r"\[[\u4e00-\u9fff]{1,4}\]")
# someone shut in, said outright (电梯困了个小孩; not 困人, also said of last week): it needs no second sign,
# however calm the rest reads
_SHUT_IN = re.compile(r"困了?(?:一|两|三|几|好几)?个(?:人|老人|小孩|孩子)")
# the length a message needs before the urgent model alone may call it an emergency (the shortest it found in the
# check sets ran to 30 characters; a short repair plea with 快来看看 read 0.6-1.3 above its bar)
_SAYS_ENOUGH = 16
_HURRY = re.compile(r"(?<![凉愉痛爽])快(?:[来叫去找报通下断救拉关送让拿]|打(?!起来)|联系|[\s！!。，,]|$)")


@dataclass(frozen=True)
class Emergency:
    """The urgent words that count, and the kind most of them point to."""

    words: tuple[str, ...]
    kind: str | None  # None: sensed by the urgent model with no urgent word to say which kind
    sensed: bool = False  # the words alone would not do: the urgent model made it one
    lone_alarm: tuple[int, int] | None = None  # where 快来人 / 救命 is the only sign: the rest must sound urgent too


class UrgencyRules:
    """Urgent words, hedges, blockers and alarms from a lexicon, applied to one message's cue spans."""

    def __init__(self, lexicon: Lexicon):
        self.words = dict(lexicon.urgent)
        self.blockers = frozenset(lexicon.urgent_blockers)
        self.weak = frozenset(lexicon.urgent_weak)
        self.alarms = frozenset(lexicon.urgent_alarms)
        self.advice = frozenset(lexicon.urgent_advice)
        self.hedges = tuple(lexicon.urgent_hedges)
        self.habits = tuple(lexicon.urgent_habits)
        self.past = tuple(lexicon.urgent_past)
        # shapes of an event rather than fixed words (冒着烟, 喊他不应, 三天没开门): one alternation,
        # each branch a named group that says its kind and whether it is weak
        self._pattern_kinds: dict[str, tuple[str, bool]] = {}
        shapes = []
        for weak, table in ((False, lexicon.urgent_patterns), (True, lexicon.urgent_weak_patterns)):
            for kind, patterns in table.items():
                for pattern in patterns:
                    self._pattern_kinds[f"p{len(shapes)}"] = (kind, weak)
                    shapes.append(pattern)
        named = "|".join(f"(?P<p{index}>{pattern})" for index, pattern in enumerate(shapes))
        self._patterns = re.compile(named) if shapes else None
        # the same shapes without names: named groups cost re its first-character scan, so this finds in a
        # quarter of the time whether any shape is there at all, and most messages have none
        any_shape = "|".join(f"(?:{pattern})" for pattern in shapes)
        # re tries every branch at every position; the characters a shape can begin with find the few
        # positions worth trying (None: some shape could begin anywhere, so search them all)
        firsts = [_first_chars(pattern) for pattern in shapes]
        if shapes and all(chars for chars in firsts):
            first = "[" + "".join(sorted(re.escape(c) for c in set().union(*firsts))) + "]"
            # a lookahead on those characters lets re skip every other place at the cost of one test
            any_shape = f"(?={first})(?:{any_shape})"
        self._any_pattern = re.compile(any_shape)  # compiled once: the alternation takes a good part of the start

    def phrases(self) -> Iterable[str]:
        """Every phrase this needs found in the text (for the shared phrase table)."""
        return [*self.words, *self.blockers, *self.alarms, *self.advice]

    def detect(
        self,
        text: str,
        spans: Sequence[tuple[int, str]],
        notice: bool = False,
        sensed: bool = False,
        sure: bool = False,
        doubted: bool = False,
    ) -> Emergency | None:
        """The emergency in `text`, given every cue span found in it, or None.

        `notice`: the message is shaped like a notice or a quiz (heading, numbered points), so its urgent
        words are advice unless an alarm says otherwise. `sensed`: the urgent model reads the message as
        an emergency; that counts when no word does, but blockers, notices and advice hold it back too
        (its kind is then the words' kind, or None for the caller to decide); with no urgent word at all,
        only with an alarm or when `sure`. `doubted`: the urgent model is sure the message is calm; then
        one sign alone (吵到动手了 已经拉开了, 今天又有人摔了 赶紧补一下) does not make an emergency, two do."""
        words, weak = self.words, self.weak
        hits = [(start, piece, words[piece], piece in weak) for start, piece in spans if piece in words]
        if self._patterns is not None:
            # overlapping, the first shape at each place one can begin: a shape that spans clauses
            # (孩子…找不到了) must not hide another inside it
            for match in self._shapes(text):
                kind, is_weak = self._pattern_kinds[match.lastgroup or ""]
                hits.append((match.start(), match.group(), kind, is_weak))
        if hits and "[" in text:
            # a WeChat sticker code ([呕吐], [发抖], [流泪]) is a face, not a sign
            faces = [match.span() for match in _STICKER.finditer(text)]
            if faces:
                hits = [hit for hit in hits if not any(a <= hit[0] < b for a, b in faces)]
        if not (hits or sensed) or self._blocked(text, spans):
            return None
        # 赶紧修 / 快来人处理 hurries a repair along: it says nothing of danger
        alarmed = any(
            piece in self.alarms and _SERVICE.match(text, start + len(piece)) is None for start, piece in spans
        ) or any(_SERVICE.match(text, hurry.end()) is None for hurry in _HURRY.finditer(text))
        if (notice or self._advised(text, spans)) and not alarmed:
            return None
        counted: dict[str, tuple[str, bool]] = {}
        # 摔了 inside 摔了一跤 is the same word, not a second sign; a sign of another kind inside a longer
        # one (躺地上 inside 老太太…不见了) is; and a longer sign that is denied (a weak 倒在地上了 after 中风之后)
        # hides nothing: the strong word inside it is judged on its own
        hits.sort(key=lambda hit: (hit[0], -len(hit[1])))
        reach, reach_kind, reach_weak = -1, None, False
        denied = False
        signs = first_at = 0
        for start, piece, kind, is_weak in hits:
            end = start + len(piece)
            # ... but a weak shape (电线垂下来) does not hide the strong word inside it (电线垂)
            if (end <= reach and kind == reach_kind and (is_weak or not reach_weak)) or piece in counted:
                continue
            if start < reach and kind == reach_kind and is_weak and reach_weak:
                # two weak readings of one phrase (卡在 and 在里面 in 车全卡在里面) are one sign, not two
                reach = max(reach, end)
                continue
            if (
                self._hedged(text, start)
                or _POTENTIAL.match(text, end) is not None
                or _WHAT_IF.match(text, end) is not None
                or _LIKENESS.match(text, end) is not None
                or (start > 0 and text[start - 1] == "一" and _ONCE.match(text, end) is not None)
                or (piece in _ILLNESSES and _SINCE.match(text, end) is not None)
                or self._habitual(text, start, end)
                or _past_aspect(text, end)
                or (is_weak and self._told_of_past(text, start))
            ):
                denied = True
                continue
            counted[piece] = (kind, is_weak)
            first_at = start if len(counted) == 1 else first_at
            if start >= reach:
                signs += 1  # a sign apart from the ones before it, not a longer or shorter reading of one
            if end > reach:
                reach, reach_kind, reach_weak = end, kind, is_weak
        by_model = False
        lone_alarm = None
        if len(counted) == 1 and next(iter(counted)) in self.alarms:
            # 快来人 asking for a service (快来人修一下, 快来人处理) is the only sign: it cannot confirm itself; a
            # second alarm must, or the rest of the message must sound urgent (the caller asks the model without it)
            lone = next(iter(counted))
            end = first_at + len(lone)
            if _SERVICE.match(text, end) is not None and not self._alarmed_besides(text, spans, first_at, end):
                lone_alarm = (first_at, end)
        if not counted or (len(counted) < 2 and all(is_weak for _, is_weak in counted.values()) and not alarmed):
            # the model reads words, not 怕 or 过: what the hedges denied, it cannot bring back
            if not sensed or (denied and not counted):
                return None
            by_model = True
            counted = {piece: (kind, is_weak) for _, piece, kind, is_weak in hits}
            if not counted:
                # with no urgent word at all, the model's reading counts if the message sounds alarmed or the
                # model is sure (`sure`: its margin is well above the bar)
                # (and the message says enough for it: in "楼道灯坏了 快来看看" the hurry is all the model reads)
                return Emergency((), None, sensed=True) if (alarmed or sure) and len(text) >= _SAYS_ENOUGH else None
        elif doubted and signs < 2 and not any(_SHUT_IN.fullmatch(piece) for piece in counted):
            # the lone sign of a message the model finds calm: across 21 check sets and 4,622 real 12345
            # complaints this held back 15 of 48 false alarms and 80 of 134 false flags for 1 of 497 emergencies
            return None
        kinds = [kind for kind, _ in counted.values()]
        # fire or gas decides (a gas smell behind a door that nobody opens is still gas); else the kind
        # most words point to, ties going medical > police > rescue (救命 alone is rescue)
        kind = max(EMERGENCIES, key=lambda k: (k == "fire" and k in kinds, kinds.count(k), -EMERGENCIES.index(k)))
        return Emergency(tuple(counted), kind, sensed=by_model, lone_alarm=lone_alarm)

    def _alarmed_besides(self, text: str, spans: Sequence[tuple[int, str]], start: int, end: int) -> bool:
        """An alarm somewhere other than text[start:end]."""
        if any(piece in self.alarms and not start <= at < end for at, piece in spans):
            return True
        return _HURRY.search(text[:start] + " " * (end - start) + text[end:]) is not None

    def _shapes(self, text: str) -> Iterator[re.Match[str]]:
        """The shape of an event that begins at each place in `text`, if any."""
        assert self._patterns is not None
        # the unnamed alternation finds where a shape begins; only there is the named one asked which
        search, named = self._any_pattern.search, self._patterns.match
        begins = search(text)
        while begins is not None:
            place = begins.start()
            found = named(text, place)
            if found is not None:
                yield found
            begins = search(text, place + 1)

    def _blocked(self, text: str, spans: Sequence[tuple[int, str]]) -> bool:
        """A drill, tip or past event (演练, 上次, 不是着火); 是不是着火了 asks, it does not deny."""
        return any(
            piece in self.blockers and not _asks(text, start, piece) and not _lasting(text, start, piece)
            for start, piece in spans
        )

    def _advised(self, text: str, spans: Sequence[tuple[int, str]]) -> bool:
        """An advice word in the message (不要在, 请大家); 要不要 / 是不是 asks what to do, it advises nothing."""
        return any(piece in self.advice and not _asks(text, start, piece) for start, piece in spans)

    def _habitual(self, text: str, start: int, end: int) -> bool:
        """A habit word anywhere in the clause (水管老是爆, 一下雨就进水): a recurring problem, not an event now."""
        clause = text[_clause_start(text, start) : _clause_stop(text, end)]
        return any(habit in clause for habit in self.habits)

    def _told_of_past(self, text: str, start: int) -> bool:
        """A past time anywhere before (我妈昨天绊了一跤 膝盖都磕破了), or an illness lived with since (中风以后):
        a weak sign after it is part of that story."""
        before = text[:start]
        # 中风以后半边身子动不了: what follows an illness lived with is part of it too
        told = any(
            not _lasting(text, at, word) for word in self.past for at in _find_all(before, word)
        )
        return told or _ILLNESS_SINCE.search(before) is not None

    def _hedged(self, text: str, start: int) -> bool:
        """A hedge earlier in the same clause (怕哪天着火, 不是着火, 以防漏电) or a negation right before (打不着火)."""
        if start > 0 and text[start - 1] in _NEGATIONS:
            return True
        clause = text[_clause_start(text, start) : start]
        # 是不是着火了 / 会不会 asks; it does not deny; 不知道哪家漏气了 doubts where, not whether; 从昨天到现在
        # says how long it has gone on
        return any(
            not _asks(clause, at, hedge)
            and not _unknown_place(clause, at, hedge)
            and not (hedge in self.past and _lasting(clause, at, hedge))
            for hedge in self.hedges
            for at in _find_all(clause, hedge)
        )


def _first_chars(pattern: str) -> frozenset[str] | None:
    """The characters a match of `pattern` can begin with, or None where that is not a short list."""
    try:
        chars, nullable = _starts(_parser.parse(pattern).data)
    except (TypeError, ValueError, re.error):
        return None
    return frozenset(chars) if chars is not None and not nullable else None


def _starts(items: Sequence) -> tuple[set[str] | None, bool]:
    """(characters the sequence of parsed items can begin with or None for any, whether it can match empty)."""
    found: set[str] = set()
    for op, av in items:
        if op is _constants.LITERAL:
            return found | {chr(av)}, False
        if op is _constants.IN:
            if any(kind is not _constants.LITERAL for kind, _ in av):
                return None, False
            return found | {chr(code) for _, code in av}, False
        if op in (_constants.ASSERT, _constants.ASSERT_NOT, _constants.AT):
            continue  # zero width: the match still begins with what follows
        if op is _constants.SUBPATTERN:
            chars, nullable = _starts(av[-1].data)
        elif op is _constants.BRANCH:
            parts = [_starts(branch.data) for branch in av[1]]
            if any(chars is None for chars, _ in parts):
                return None, False
            chars = set().union(*(chars for chars, _ in parts if chars is not None))
            nullable = any(nullable for _, nullable in parts)
        elif op in (_constants.MAX_REPEAT, _constants.MIN_REPEAT):
            low, _, item = av
            chars, nullable = _starts(item.data)
            nullable = nullable or low == 0
        else:
            return None, False
        if chars is None:
            return None, False
        found |= chars
        if not nullable:
            return found, False
    return found, True


def _lasting(text: str, at: int, word: str) -> bool:
    """从昨天下午到现在: a time in the past that says how long something has gone on, not that it is over."""
    return (at > 0 and text[at - 1] in "从自") or _UNTIL_NOW.match(text, at + len(word)) is not None


def _find_all(text: str, word: str) -> Iterator[int]:
    at = text.find(word)
    while at >= 0:
        yield at
        at = text.find(word, at + 1)


def _asks(text: str, at: int, word: str) -> bool:
    """The 不 / 没 word at text[at] is the middle of an A-not-A question (要不要, 是不是, 有没有)."""
    return word[0] in _NEGATIONS and at > 0 and text[at - 1] == word[1:2]


_WHOSE_HOME = ("哪家", "谁家", "哪户", "哪一家", "哪一户")


def _unknown_place(text: str, at: int, word: str) -> bool:
    """不知道哪家 / 不晓得谁家: the event is sure and next door, only whose home is not known (不知道哪里着火了,
    heard from a fire engine passing, is still somewhere else; 不知道谁在里面 still doubts)."""
    return word in ("不知道", "不晓得") and text.startswith(_WHOSE_HOME, at + len(word))


def _clause_start(text: str, at: int) -> int:
    """Where the clause holding text[at] begins (after the last punctuation or space before it)."""
    while at > 0 and not _CLAUSE_END.match(text[at - 1]):
        at -= 1
    return at


def _clause_stop(text: str, at: int) -> int:
    """Where the clause holding text[at - 1] ends."""
    while at < len(text) and not _CLAUSE_END.match(text[at]):
        at += 1
    return at


def _past_aspect(text: str, end: int) -> bool:
    """The event word at text[:end] is followed by the experiential 过: it happened before, not now."""
    return _PAST_ASPECT.match(text, end) is not None
