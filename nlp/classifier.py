"""Decide what a group message is: a request (which category, how urgent) or chatter.

Keywords alone would open a ticket for "楼道的灯修好了 谢谢王姐", so the intent is a weighted vote of
request cues, questions, @-mentions, urgent words and category evidence against chatter cues and
resolution; the confidence is that vote through a sigmoid, so the bot can ask before acting on a
weak one. Everything here is pure: the segmenter and lexicon are loaded once, then no I/O.
"""

from __future__ import annotations

import math
import operator
import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

from nlp.lexicon import Lexicon
from nlp.matching import KeywordIndex, PhraseTable
from nlp.model import MENTION as _MENTION
from nlp.model import LinearModel, ModelSet, message_body, tfidf
from nlp.script import to_simplified
from nlp.segment import Segmenter, best_segmenter
from nlp.urgency import Emergency, UrgencyRules

REQUEST, CHATTER = "request", "chatter"
_NEGATIONS = frozenset("不没未别")
# 不亮了 says broken and 要回来了 / 快修好了 not yet: a resolution right after these does not count
_NOT_DONE = _NEGATIONS | frozenset("要快")
# how far above its bar the urgent model must read a message to report an emergency no urgent word names and no
# alarm backs (on the check sets, false alarms of that kind sat at margins 0.04-0.22, emergencies at 0.2-1.3)
SURE_MARGIN = 0.5
# the urgent model's margin this far below its bar says "calm" surely enough to hold back a lone urgent sign
DOUBT_MARGIN = -2.0
# 救出来了 但是…, 修好了 又坏了: what comes after a resolution takes it back
_TURN = re.compile(r"但是|可是|不过|还有|还在|又(?:坏|漏|停|开始|不|冒|着)")
_NOT_A_GREETING = re.compile(r"(?:早上|晚上|中午|下午)好[多几黑冷热久大吵臭脏危难闷滑暗乱挤晒晕]")
_SPACE_PUNCT = re.compile(r"[\s\W_]+")
_HAN = "\u4e00-\u9fff"
# Sentence shapes no word list covers, found in one pass: 开不开 / 有没有 (A-not-A), a clause ending in
# 不/没/伐 (上班不, 好调整一下伐), 关不上 / 出不来 / 打不开 (something will not work), 已经跟物业说了
# (someone has been told: an update, not a plea) and 挺热心 / 真负责 (praise).
_SHAPES = re.compile(
    rf"(?P<anota>(?P<a>[{_HAN}])[不没唔冇](?P=a))"
    rf"|(?P<tail>[{_HAN}][不没伐](?=[\s，。,.!！?？~]|$))"
    rf"|(?P<stuck>[^\W都也还就又才并再从]不[上下进出开动着来去])"
    rf"|(?P<told>已经?(?:跟|给|向|和)[{_HAN}]{{1,6}}(?:说|讲|反映|反馈|联系|打了?招呼))"
    r"|(?P<praise>(?:挺|真|很|非常|特别)(?:热心|负责|耐心|细心|周到|及时|给力|到位|贴心|好|乖|方便|省事))"
    # 社区查一下, 物业派人, 网格员能不能: the message turns to those who can act
    r"|(?P<ask>(?:社区|网格员?|物业|居委会?|书记)(?:能不能|能否|可不可以|可以|帮忙|帮我|去|来|派人?|查|管|处理|"
    r"看看|出面|安排|协调|联系|核实|解决|尽快|赶紧|快))"
)
# a notice starts with a heading (【停水通知】, 温馨提示：, 转发：) or lists points (1. 2. / A. B.)
_HEADING = re.compile(r"转发?[：:]|【[^】]{1,16}】|[^\s，。,！!？?：:@]{2,16}[：:]")
_SOFTENED = re.compile(r"不(?:太|大|怎么|是很|是太)")
_NUMBERED = re.compile(r"(?:^|[\s，。；;：:？?])[1-9A-D][.、．]")


@dataclass(frozen=True)
class Classification:
    """What the bot needs to know about one message."""

    intent: str  # "request" | "chatter"
    category: str | None
    urgent: bool
    handling: str | None
    confidence: float
    matched: tuple[str, ...]
    urgent_words: tuple[str, ...]
    emergency: str | None
    question: bool
    resolved: bool
    # The lexicon's words found (matched without the model's pieces): what a resident may be shown as the
    # reason, and what tells one matter from another; the model's pieces ("有没", "弄一") are neither.
    keywords: tuple[str, ...] = ()

    def to_dict(self) -> dict:
        """A JSON-ready dict (by hand: dataclasses.asdict deep-copies, which dominated --jsonl)."""
        return {
            "intent": self.intent,
            "category": self.category,
            "urgent": self.urgent,
            "handling": self.handling,
            "confidence": self.confidence,
            "matched": list(self.matched),
            "urgent_words": list(self.urgent_words),
            "emergency": self.emergency,
            "question": self.question,
            "resolved": self.resolved,
            "keywords": list(self.keywords),
        }


def _by_weight_descending(pair: tuple[str, float]) -> float:
    return -pair[1]


def _characters(text: str) -> list[str]:
    """Every character its own token: a one-character keyword counts wherever no longer one covers it."""
    return [char for char in text if not char.isspace()]


class _NoSegmenter:
    """Stands in where no segmentation is needed; words added to it go nowhere."""

    name = "none"

    def cut(self, text: str) -> list[str]:
        return _characters(text)

    def add_word(self, word: str) -> None:
        pass


class _Anchored:
    """Cues bound to the message's start (^收到), end (谢谢$) or whole body (=好的)."""

    def __init__(self, cues: Mapping[str, float]):
        self.start = {k[1:]: w for k, w in cues.items() if k.startswith("^")}
        self.end = {k[:-1]: w for k, w in cues.items() if k.endswith("$") and not k.startswith(("^", "="))}
        self.whole = {k[1:]: w for k, w in cues.items() if k.startswith("=")}
        self.plain = {k: w for k, w in cues.items() if not k.startswith(("^", "=")) and not k.endswith("$")}
        self._starts, self._ends = tuple(self.start), tuple(self.end)

    def score(self, found: set[str], bare: str) -> float:
        plain = self.plain
        total = sum(plain[cue] for cue in found if cue in plain)
        if self._starts and bare.startswith(self._starts):  # one C call rules most messages out
            total += sum(w for cue, w in self.start.items() if bare.startswith(cue))
        if self._ends and bare.endswith(self._ends):
            total += sum(w for cue, w in self.end.items() if bare.endswith(cue))
        return total + self.whole.get(bare, 0.0)


class Classifier:
    """Intent, category, urgency and explanation for one message at a time."""

    def __init__(
        self,
        lexicon: Lexicon,
        handling: Mapping[str, str] | None = None,
        segmenter: Segmenter | None = None,
        model: Lexicon | None = None,
        urgent_model: Lexicon | None = None,
    ):
        """`model`: a learned lexicon over "chatter" and categories (the built-in grid model) whose scores
        join the intent vote and the category evidence, with the weights in the lexicon's [intent].
        `urgent_model`: a learned lexicon over "urgent" and "calm"; above the lexicon's [urgent]
        model_threshold it reports an emergency that no urgent word shows (blockers still apply)."""
        self.lexicon = lexicon
        self.handling = dict(handling or {})
        # a lexicon that counts one-character keywords anywhere ("char") never needs the segmenter
        self.segmenter = segmenter or (best_segmenter() if lexicon.single == "token" else _NoSegmenter())
        self._weights: dict[str, list[tuple[int, float]]] = {}
        self._openers: dict[str, list[tuple[int, float]]] = {}  # "^建议": only at the message's start
        for index, cat in enumerate(lexicon.categories):
            for word, weight in cat.keywords.items():
                target = self._openers if word.startswith("^") else self._weights
                target.setdefault(word.lstrip("^"), []).append((index, weight))
        for word in lexicon.neutral:
            self._weights.setdefault(word, [])
        for word in self._weights:
            self.segmenter.add_word(word)
        self._keywords = KeywordIndex(self._weights)
        # a learned lexicon counts every occurrence of every keyword, overlaps included, as it was trained
        self._every = PhraseTable(self._weights) if lexicon.match == "all" else None
        self._biases = [cat.bias for cat in lexicon.categories]
        self._ids = [cat.id for cat in lexicon.categories]
        intent = lexicon.intent
        self._request = _Anchored(intent.request)
        self._chatter = _Anchored(intent.chatter)
        self._resolved = frozenset(intent.resolved)
        self._question = frozenset(intent.question)
        self._urgency = UrgencyRules(lexicon)
        self._model = LinearModel(model) if model is not None else None
        # the model's classes as this lexicon's category indices; its "chatter" class is the other side
        self._model_map = [
            self._ids.index(i) if i in self._ids else None for i in (self._model.ids if self._model else ())
        ]
        self._model_pairs = [(position, index) for position, index in enumerate(self._model_map) if index is not None]
        self._model_chatter = self._model.ids.index(CHATTER) if self._model and CHATTER in self._model.ids else None
        self._urgent_model = LinearModel(urgent_model) if urgent_model is not None else None
        urgent_ids = self._urgent_model.ids if self._urgent_model else []
        self._urgent_columns = tuple(urgent_ids.index(i) if i in urgent_ids else None for i in ("urgent", "calm"))
        models = [m for m in (self._model, self._urgent_model) if m is not None]
        self._models = ModelSet(models) if models and all(m.short for m in models) else None
        self._kind_of_category = {cat: kind for kind, cat in lexicon.urgent_categories.items()}
        self._emergency_category = {
            kind: self._ids.index(cat) for kind, cat in lexicon.urgent_categories.items() if cat in self._ids
        }
        # one pass over the text finds every cue of every kind
        self._cues = PhraseTable(
            [
                *self._request.plain,
                *self._chatter.plain,
                *self._resolved,
                *self._question,
                *self._urgency.phrases(),
            ]
        )

    def categorize(self, text: str) -> tuple[str | None, float, tuple[str, ...]]:
        """Best category by keyword evidence alone (no intent): id, evidence, matched words best first."""
        body = message_body(to_simplified(text))
        extra = self._model_evidence(self._model.scores(body)) if self._model else None
        return self._categorize(body, _SPACE_PUNCT.sub("", body).lower(), extra=extra)

    def _model_evidence(self, scores: list[float]) -> list[float]:
        """The model's category scores, weighted, on this lexicon's category indices."""
        extra = [0.0] * len(self._ids)
        weight = self.lexicon.intent.model_category_weight
        for position, index in self._model_pairs:
            extra[index] += weight * scores[position]
        return extra

    def _categorize(
        self, body: str, bare: str, emergency: str | None = None, extra: list[float] | None = None
    ) -> tuple[str | None, float, tuple[str, ...]]:
        weights = self._weights
        if self._every is not None:
            counts = dict(Counter(piece for _, piece in self._every.spans(body)))
        else:
            counts = self._keywords.count(body, self.segmenter.cut if self.lexicon.single == "token" else None)
        words = [word for word in counts if weights[word]]  # neutral words only stop longer matches
        if len(words) < len(counts):
            counts = {word: counts[word] for word in words}
        openers = [word for word in self._openers if bare.startswith(word)]
        if openers:
            weights = {**weights, **{word: self._openers[word] for word in openers}}
            words = openers + [word for word in words if word not in openers]
        boost = self._emergency_category.get(emergency) if emergency else None
        if not words and boost is None and extra is None:
            return self.lexicon.fallback, 0.0, ()
        values = dict.fromkeys(words, 1.0)
        if self.lexicon.norm == "sqrt":
            values = dict.fromkeys(words, 1 / math.sqrt(len(words)))
        elif self.lexicon.norm == "tfidf":
            values = tfidf(counts, self.lexicon.idf)
        scores = [0.0] * len(self._ids)
        for word in words:
            for index, weight in weights[word]:
                scores[index] += weight * values.get(word, 0.0)
        priors = list(self._biases)
        if boost is not None:
            priors[boost] += self.lexicon.urgent_category_weight
        if extra is not None:
            # clear keyword evidence (a lead of lexicon_lead points) decides; else the grid model weighs in
            totals = sorted(map(operator.add, scores, priors), reverse=True)
            if len(totals) < 2 or totals[0] - totals[1] < self.lexicon.intent.lexicon_lead:
                priors = list(map(operator.add, priors, extra))
        final = list(map(operator.add, scores, priors))
        best = final.index(max(final))  # the first of equal totals, as max() over the indices gave
        # the words that speak for the winner, strongest first (a word lists each category at most once)
        backing = [(word, weight) for word in words for index, weight in weights[word] if index == best and weight > 0]
        backing.sort(key=_by_weight_descending)
        return self._ids[best], scores[best], tuple(word for word, _ in backing)

    def _sounds_urgent(self, text: str, emergency: Emergency) -> bool:
        """Whether the urgent model reads the message as urgent without its only sign, a 快来人 / 救命: 楼道垃圾没人清
        快来人 is a complaint, 小区游泳池有个孩子沉下去了 快来人 is not."""
        if self._urgent_model is None or emergency.lone_alarm is None:
            return False
        start, end = emergency.lone_alarm
        scores = self._urgent_model.scores(message_body(text[:start] + " " + text[end:]))
        urgent, calm = self._urgent_columns
        margin = (0.0 if urgent is None else scores[urgent]) - (0.0 if calm is None else scores[calm])
        return margin > self.lexicon.urgent_model_threshold

    def classify(self, text: str) -> Classification:
        """Classify one message."""
        text = to_simplified(text)  # 樓道裡有人著火了 is read as 楼道里有人着火了
        original = message_body(text)  # what the learned models read, as they were trained
        # the lexicon reads 不太亮 / 不怎么热 as 不亮 / 不热: a softened negation is still the complaint
        text = text.strip()
        body = original
        if "不" in text:
            text = _SOFTENED.sub("不", text)
            body = message_body(text)
        bare = _SPACE_PUNCT.sub("", body).lower()
        intent = self.lexicon.intent
        spans = self._cues.spans(text)
        if "好" in text:
            # 晚上好黑, 早上好几个人: the 好 of "very", not a greeting
            spans = [(at, piece) for at, piece in spans if not _NOT_A_GREETING.match(text, at)]
        found = {piece for _, piece in spans}
        shapes = {match.lastgroup for match in _SHAPES.finditer(body)}
        question = not found.isdisjoint(self._question) or "anota" in shapes or "tail" in shapes
        # 亮了 says fixed, 不亮了 says broken: a resolution right after a negation does not count; 修好了吗
        # asks, it does not report; and 救出来了 还有一个在里面 takes it back
        resolved = not question and any(
            piece in self._resolved
            and (start == 0 or text[start - 1] not in _NOT_DONE)
            and _TURN.search(text, start + len(piece)) is None
            for start, piece in spans
        )
        notice = (_HEADING.match(body.lstrip()) is not None) + (len(_NUMBERED.findall(body)) >= 2)
        sensed = sure = doubted = False
        if self._models is not None:
            scored = iter(self._models.scores(original))
            grid_scores = next(scored) if self._model is not None else None
            urgent_scores = next(scored) if self._urgent_model is not None else None
        else:
            grid_scores = self._model.scores(original) if self._model is not None else None
            urgent_scores = self._urgent_model.scores(original) if self._urgent_model is not None else None
        if self._urgent_model is not None and urgent_scores is not None:
            urgent, calm = self._urgent_columns
            margin = (0.0 if urgent is None else urgent_scores[urgent]) - (0.0 if calm is None else urgent_scores[calm])
            sensed = margin > self.lexicon.urgent_model_threshold
            sure = margin > self.lexicon.urgent_model_threshold + SURE_MARGIN
            doubted = margin < self.lexicon.urgent_model_threshold + DOUBT_MARGIN
        # 火已经灭了, 人都出来了: it was urgent, it is over
        emergency = None if resolved else self._urgency.detect(text, spans, notice > 0, sensed, sure, doubted)
        if emergency is not None and emergency.lone_alarm is not None and not self._sounds_urgent(text, emergency):
            emergency = None
        extra = None
        leaning = 0.0  # the model's request-over-chatter margin
        if self._model is not None and grid_scores is not None:
            scores = grid_scores
            extra = self._model_evidence(scores)
            if self._model_chatter is not None:
                # chatter against the rest is the model's request/chatter margin, with the sign flipped
                leaning = -scores[self._model_chatter]
        category, evidence, matched = self._categorize(body, bare, emergency.kind if emergency else None, extra=extra)
        vote = intent.bias + self._request.score(found, bare) - self._chatter.score(found, bare)
        vote += intent.keyword_weight * min(evidence, intent.keyword_cap) if matched else 0.0
        vote += intent.question_weight * question
        vote += intent.mention_weight * (_MENTION.search(text) is not None)
        # an emergency the urgent model senses marks a request as urgent; it does not make chatter a request
        vote += intent.urgent_weight * (emergency is not None and (not emergency.sensed or bool(emergency.words)))
        vote += intent.model_weight * leaning
        vote += intent.stuck_weight * ("stuck" in shapes)
        vote += intent.ask_weight * ("ask" in shapes)
        vote -= intent.update_weight * ("told" in shapes or "praise" in shapes)
        vote -= intent.notice_weight * notice
        vote -= intent.resolved_weight * resolved
        probability = 1 / (1 + math.exp(-intent.scale * vote))
        is_request = vote > 0
        urgent = is_request and emergency is not None
        kind = emergency.kind if urgent else None
        if urgent and kind is None:  # sensed by the model alone: the category says which kind
            kind = self._kind_of_category.get(category or "", "rescue")
        if not is_request:
            category = None
        elif urgent and not matched and kind not in self._emergency_category and not extra:
            category = self.lexicon.fallback  # as the bot files a request it cannot place
        keywords = matched
        if category and not matched and self._model is not None and category in self._model.ids:
            matched = self._model.evidence(original, self._model.ids.index(category))  # for the explanation
        return Classification(
            intent=REQUEST if is_request else CHATTER,
            category=category,
            urgent=urgent,
            handling=self.handling.get(category) if category else None,
            confidence=round(max(probability, 1 - probability), 4),
            matched=matched,
            urgent_words=emergency.words if urgent else (),
            emergency=kind,
            question=question,
            resolved=resolved,
            keywords=tuple(keywords),
        )

    def explain(self, result: Classification, names: Mapping[str, str]) -> str:
        """The line the bot shows, e.g. "环境卫生：楼道、杂物"."""
        if result.intent == CHATTER:
            return "闲聊"
        parts = []
        if result.category:
            name = names.get(result.category, result.category)
            parts.append(f"{name}：{'、'.join(result.matched)}" if result.matched else name)
        if result.urgent:
            parts.append(f"紧急：{'、'.join(result.urgent_words)}")
        return "；".join(parts) or "诉求"
