"""A county-sized ledger for bench/scale.py and bench/memory.py: synthetic tickets, events, 附议 and topics.

Two years of reports over N grids, made deterministic by a seed and loaded with bulk inserts:

* grids differ in size (log-normal weights, σ 0.6: at 2,400 grids the busiest has ~7x the median's tickets);
* reports grow over the two years (the rate doubles) and follow the day (07-22 local time);
* each ticket lives the bot's life: open → claim (median 15 min) → [transfer] → resolve (a log-normal
  share of its category's time limit, ~10 % late, late ones escalated like the ladder does) → rated
  within hours, or 默认满意 after auto_close_days; 3 % are rated 不满意, reopened and resolved again;
  2 % are cancelled; 2.5 % get stuck (claimed and never resolved, or waiting on a department), which
  with the ones in flight makes a few % open at NOW; events past NOW are cut off, and the ticket's
  columns (status, assignee, times, rating, escalation) are what its remaining events say;
* extra events (居民补充, 备注, 附议 with their supporter rows, 延期) bring the log to the events asked for;
* event ids follow time across tickets, as a real log's do; topics: ~0.6 per grid-week, decided and
  reported at the next talk day, the last week's still open or waiting to be reported.

The schema comes from the bot's migrations; secondary indexes are dropped for the load and rebuilt from
their own definitions afterwards, so the result has exactly the migrated schema.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import heapq
import math
import random
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from unittest import mock

from bench import community
from bot.config import Config, Role, parse_config

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
GENERATOR = 1  # bump whenever the generated data changes: it is part of the cache key
NOW = dt.datetime(2026, 11, 24, 1, 0, tzinfo=dt.UTC)  # a Tuesday, 09:00 in Asia/Shanghai: the talk day
LOCAL = dt.timedelta(hours=8)
DAYS = 730
RESIDENT_BASE = 7_000_000_000
BATCH = 50_000

TICKET_COLS = (
    "id", "grid_id", "category", "handling", "urgent", "platform", "reporter_id", "reporter_name",
    "source_chat_id", "source_message_id", "text", "place", "matter", "assignee_id", "assignee_name",
    "suggested_id", "department", "status", "deadline_at", "paused_at", "created_at", "updated_at",
    "claimed_at", "resolved_at", "closed_at", "resolution", "rating", "rating_reason", "escalation_level",
)  # fmt: skip
EVENT_COLS = (
    "id", "ticket_id", "action", "actor_id", "actor_name", "actor_role", "from_status", "to_status",
    "detail", "attachment", "source_chat_id", "source_message_id", "created_at",
)  # fmt: skip
SUPPORTER_COLS = ("id", "ticket_id", "user_id", "user_name", "chat_id", "message_id", "created_at")
TOPIC_COLS = (
    "id", "grid_id", "text", "user_id", "user_name", "source_message_id", "status", "decision", "ticket_id",
    "created_at", "decided_at", "reported_at",
)  # fmt: skip
RESIDENT_COLS = ("id", "platform", "user_id", "name", "grid_id", "updated_at")
TABLES = {
    "tickets": TICKET_COLS,
    "ticket_events": EVENT_COLS,
    "ticket_supporters": SUPPORTER_COLS,
    "topics": TOPIC_COLS,
    "residents": RESIDENT_COLS,
}

CATEGORY_MIX = {
    "sanitation": 24, "repair": 24, "parking": 12, "neighbor": 10, "safety": 5, "elderly": 5, "welfare": 5,
    "affairs": 5, "property": 5, "security": 1.5, "suggestion": 1.5, "other": 2,
}  # fmt: skip
TEXTS = {
    "sanitation": ["{b}栋楼道堆满杂物 好几天了没人管", "{b}栋门口垃圾桶满了 臭味很大", "{b}栋电梯里又贴满了小广告"],
    "repair": ["{b}栋门口的路灯坏了一个多月了 晚上黑漆漆的", "{b}栋楼顶渗水 家里墙都泡了 麻烦来看看",
               "{b}栋电梯又坏了 老人上下楼很不方便"],
    "parking": ["{b}栋门口天天乱停车 消防通道都堵了", "{b}栋楼下有辆僵尸车停了半年了"],
    "neighbor": ["{b}栋楼上每天半夜噪音 根本睡不着", "{b}栋邻居在楼道养狗 味道很大"],
    "safety": ["{b}栋楼下有人电动车飞线充电 太危险了", "{b}栋楼道里闻到煤气味 请赶紧来看看"],
    "elderly": ["{b}栋独居老人好几天没出门了 麻烦上门看看", "{b}栋的老人想问助餐怎么报名"],
    "welfare": ["请问高龄补贴怎么申请 需要带什么材料", "低保认证什么时候开始 在哪里办"],
    "affairs": ["居住证办理需要什么材料", "开无犯罪证明要去哪里办 要预约吗"],
    "property": ["{b}栋物业不管楼道卫生 打电话也不接", "物业费怎么又涨了 有没有公示"],
    "security": ["{b}栋楼下有陌生人挨家敲门 很可疑", "接到诈骗电话 说是社保局的 大家注意"],
    "suggestion": ["建议在{b}栋门口加装路灯", "建议小区增加几个充电桩"],
    "other": ["{b}栋这边能不能多放几张长椅", "想问一下社区活动室几点开门"],
}  # fmt: skip
NOTES = ["已联系物业，明天上门", "已上门查看，需要等配件", "已电话联系居民", "已协调保洁处理", "已报修，等待施工"]
RESOLUTIONS = ["已清理完毕", "已修复，请居民确认", "已联系相关部门处理完毕", "已上门答复居民", "已协调解决"]
TOPIC_TEXTS = ["建议{b}栋门口加装路灯", "小区停车位不够 能否重新划线", "建议增设快递柜", "楼道灯能否换成感应灯"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国志文"
TRANSFER_CATEGORIES = {"property", "security"}


@dataclass(frozen=True)
class Scale:
    tickets: int = 1_000_000
    events: int = 5_000_000
    grids: int = 2400
    workers: int = 20_000
    seed: int = 1

    def key(self) -> str:
        """Names the data set: parameters, generator version and the migrations it was built with."""
        migrations = hashlib.sha256()
        for path in sorted((ROOT / "bot" / "migrations" / "versions").glob("*.py")):
            migrations.update(path.read_bytes())
        return (
            f"t{self.tickets}-e{self.events}-g{self.grids}-w{self.workers}-s{self.seed}"
            f"-v{GENERATOR}-m{migrations.hexdigest()[:8]}"
        )

    def sqlite_path(self) -> Path:
        return OUT / f"scale-{self.key()}.db"


def county(scale: Scale, database_url: str) -> tuple[Config, str]:
    """bench.community's county with `scale.workers` people in all, and its TOML text (for `gridbot run`)."""
    leaders = math.ceil(scale.grids / 10)
    staff = max(scale.grids, scale.workers - leaders - 2)
    per_grid = staff // scale.grids
    spare = staff - per_grid * scale.grids
    extra = "".join(
        f'\n[[workers]]\nname = "网格员{300001 + i}"\ntelegram_id = {300001 + i}\nrole = "grid_worker"\n'
        f'grids = ["g{i * scale.grids // spare}"]\n'
        for i in range(spare)
    )
    captured: dict[str, str] = {}

    def capture(text: str, source: str = "config", environ=None) -> Config:
        captured["text"] = text
        return parse_config(text, source, environ)

    with mock.patch.object(community, "parse_config", capture):
        config = community.county_config(scale.grids, database_url, per_grid, extra=extra)
    return config, captured["text"]


# -- timestamps ------------------------------------------------------------------------------------------
_EPOCH = dt.datetime(1970, 1, 1)
_DAY_TEXT: dict[int, str] = {}
_TIME_TEXT: list[str] = []  # "HH:MM:SS.000000" for each second of a day, made at the first use


def stamp(seconds: int) -> str:
    """Seconds since the epoch (UTC) as SQLAlchemy stores a DateTime in SQLite; PostgreSQL reads it too."""
    if not _TIME_TEXT:
        _TIME_TEXT.extend(f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}.000000" for s in range(86400))
    day, rest = divmod(seconds, 86400)
    prefix = _DAY_TEXT.get(day)
    if prefix is None:
        prefix = _DAY_TEXT[day] = (_EPOCH + dt.timedelta(days=day)).strftime("%Y-%m-%d ")
    return prefix + _TIME_TEXT[rest]


def _seconds(moment: dt.datetime) -> int:
    return int(moment.timestamp())


# -- the generator ---------------------------------------------------------------------------------------
class Generator:
    """Streams rows in id order: tickets and supporters as made, events through a time-ordered heap."""

    def __init__(self, scale: Scale, config: Config):
        self.scale = scale
        self.config = config
        self.rng = random.Random(scale.seed)
        self.now = _seconds(NOW)
        rng = self.rng
        self.grids = list(config.grids)
        weights = [math.exp(rng.gauss(0.0, 0.6)) for _ in self.grids]
        total = sum(weights)
        self.grid_weights = [w / total for w in weights]
        self.workers = [config.workers_of(g.id, Role.GRID_WORKER) or config.workers_of(g.id) for g in self.grids]
        self.leaders = [config.workers_of(g.id, Role.GRID_LEADER) for g in self.grids]
        # residents: ~0.3 per ticket, split by grid size; a few residents report most
        residents = max(len(self.grids) * 20, scale.tickets * 3 // 10)
        self.resident_start: list[int] = []
        self.resident_count: list[int] = []
        start = 0
        for w in self.grid_weights:
            count = max(20, round(w * residents))
            self.resident_start.append(start)
            self.resident_count.append(count)
            start += count
        self.residents = start
        self.categories = {c.id: c for c in config.categories}
        mix = [(cid, w) for cid, w in CATEGORY_MIX.items() if cid in self.categories]
        mix += [(c.id, 1.0) for c in config.categories if c.id not in CATEGORY_MIX]
        self.category_ids = [cid for cid, _ in mix]
        acc, self.category_cum = 0.0, []
        for _, w in mix:
            acc += w
            self.category_cum.append(acc)
        self.matter_word = {c.id: next(iter(c.weighted_keywords), "") for c in config.categories}
        self.span = {}
        for c in config.categories:
            hours = c.working_days * 24 * 7 / 5 if c.working_days else c.deadline_hours
            self.span[c.id] = int(hours * 3600)
        self.people = {w.telegram_id: (w.user_id, w.name, w.role.value) for w in config.workers}
        self.message_ids = [0] * len(self.grids)
        self.counts = {name: 0 for name in TABLES}
        self.statuses: dict[str, int] = {}

    # people
    def resident(self, grid: int, skew: bool = True) -> tuple[str, str]:
        u = self.rng.random()
        n = self.resident_start[grid] + int(self.resident_count[grid] * (u**1.5 if skew else u))
        return str(RESIDENT_BASE + n), self.name(n)

    @staticmethod
    def name(n: int) -> str:
        return SURNAMES[n % len(SURNAMES)] + GIVEN[(n // len(SURNAMES)) % len(GIVEN)]

    def message_id(self, grid: int) -> str:
        self.message_ids[grid] += 1 + int(self.rng.random() * 30)
        return str(self.message_ids[grid])

    def created_times(self) -> list[int]:
        """Report times: the rate doubles over the two years, and follows the local day."""
        rng, now = self.rng, self.now
        begin = now - DAYS * 86400
        hours = [0.2, 0.1, 0.1, 0.1, 0.2, 0.4, 1, 3, 6, 8, 8, 7, 5, 5, 6, 7, 7, 6, 5, 6, 6, 5, 3, 1]
        hour_cum, acc = [], 0.0
        for h in hours:
            acc += h
            hour_cum.append(acc)
        times = []
        while len(times) < self.scale.tickets:
            x = -1 + math.sqrt(1 + 3 * rng.random())  # density (1 + x) / 1.5 on [0, 1)
            day = int(x * DAYS)
            hour = rng.choices(range(24), cum_weights=hour_cum)[0]
            moment = begin + day * 86400 + hour * 3600 + int(rng.random() * 3600) - int(LOCAL.total_seconds())
            if moment < now:
                times.append(moment)
        times.sort()
        return times

    def lognormal(self, median: float, sigma: float) -> float:
        return median * math.exp(self.rng.gauss(0.0, sigma))

    # one ticket's life
    def lifecycle(self, number: int, created: int, grid: int, category: str) -> tuple[tuple, list[tuple]]:
        """The ticket row and its events (time, action, actor id, name, role, from, to, detail, chat, msg)."""
        rng = self.rng
        g = self.grids[grid]
        chat = g.chat_id
        reporter_id, reporter_name = self.resident(grid)
        workers = self.workers[grid]
        suggested = workers[int(len(workers) * rng.random() ** 1.5)] if workers else None
        owner = suggested if (suggested is None or rng.random() < 0.85) else rng.choice(workers)
        leader = self.leaders[grid][0] if self.leaders[grid] else owner
        cat = self.categories[category]
        span = self.span[category]
        deadline = created + span
        message = self.message_id(grid)
        building = 1 + int(rng.random() * 30)
        template = rng.choice(TEXTS.get(category, TEXTS["other"]))
        text = template.format(b=building)
        place = f"{building}栋" if "{b}" in template and rng.random() < 0.7 else ""
        word = self.matter_word[category]
        matter = word if word and rng.random() < 0.3 else ""
        urgent = category == "safety" and rng.random() < 0.3 or rng.random() < 0.01
        ev: list[tuple] = [(created, "open", reporter_id, reporter_name, "resident", None, "new", "", chat, message)]

        person = self.people[owner.telegram_id] if owner is not None else None

        def staff(t, action, before, after, detail=""):
            user_id, name, role = person
            ev.append((t, action, user_id, name, role, before, after, detail, user_id, None))

        def system(t, action, before, after, detail):
            ev.append((t, action, "system", "网格助手", "system", before, after, detail, None, None))

        def reporter(t, action, before, after, detail=""):
            ev.append((t, action, reporter_id, reporter_name, "resident", before, after, detail, chat,
                       self.message_id(grid)))  # fmt: skip

        rating = None
        resolution = ""
        r = rng.random()
        if r < 0.02 or owner is None:
            reporter(created + int(self.lognormal(3600, 1.0)), "cancel", "new", "cancelled")
        else:
            stuck = rng.random() < 0.025
            stuck_kind = rng.choices(("new", "claimed", "transferred"), (0.04, 0.36, 0.6))[0] if stuck else ""
            if stuck_kind == "new":
                pass  # never claimed: the ladder pings, the digest counts it overdue
            else:
                t = created + int(self.lognormal(15 * 60, 1.2))
                staff(t, "claim", "new", "claimed")
                state = "claimed"
                transferred = None
                if category in TRANSFER_CATEGORIES or rng.random() < 0.03 or stuck_kind == "transferred":
                    t += int(self.lognormal(1800, 1.0))
                    dept = cat.department or "物业公司"
                    staff(t, "transfer", state, "transferred", f"{dept} 需部门处理")
                    state, transferred = "transferred", t
                if not stuck:
                    done = created + int(span * self.lognormal(0.4, 0.7))
                    if transferred is not None:
                        done = max(done, transferred + int(self.lognormal(6 * 3600, 1.0)))
                        deadline += done - transferred  # the clock stood still while the department had it
                    else:
                        done = max(done, t + 60)
                        self._escalations(ev, deadline, done, state, system)
                    resolution = rng.choice(RESOLUTIONS)
                    staff(done, "resolve", state, "resolved", resolution)
                    rating, end = self._rating(done, reporter, system)
                    if rating == "bad":
                        # 不满意: reopened with a fresh time limit, resolved again, then rated
                        deadline = end + span
                        again = end + int(span * self.lognormal(0.3, 0.6)) + 60
                        staff(again, "resolve", "reopened", "resolved", rng.choice(RESOLUTIONS))
                        rating, _ = self._rating(again, reporter, system, bad_allowed=False)
                elif state == "claimed":
                    self._escalations(ev, deadline, self.now + 1, state, system)
        # extra events come later (they depend on the running total); cut what lies beyond NOW
        ev = [e for e in ev if e[0] <= self.now]
        row = self._ticket_row(
            number, grid, category, urgent, reporter_id, reporter_name, chat, message, text, place, matter,
            suggested, deadline, created, ev, resolution, rating, leader,
        )  # fmt: skip
        return row, ev

    def _escalations(self, ev, deadline, until, state, system) -> None:
        if until > deadline + 60:
            system(deadline + 60, "escalate", state, state, "督办网格长")
        if until > deadline + 24 * 3600 + 60:
            system(deadline + 24 * 3600 + 60, "escalate", state, state, "督办社区书记")

    def _rating(self, resolved: int, reporter, system, bad_allowed: bool = True) -> tuple[str, int]:
        rng = self.rng
        r = rng.random()
        if r < 0.13:
            at = resolved + 3 * 86400 + int(rng.random() * 1800)  # auto_close_days, at the next tick
            system(at, "auto_close", "resolved", "closed", "默认满意")
            return "default", at
        at = resolved + min(int(self.lognormal(3 * 3600, 1.2)), 3 * 86400 - 600)
        if r < 0.16 and bad_allowed:
            reporter(at, "reopen", "resolved", "reopened", "不满意 还是没解决")
            return "bad", at
        rating = "good" if r < 0.86 else "fair"
        reporter(at, "rate", "resolved", "closed", "满意" if rating == "good" else "基本满意")
        return rating, at

    def _ticket_row(self, number, grid, category, urgent, reporter_id, reporter_name, chat, message, text,
                    place, matter, suggested, deadline, created, ev, resolution, rating, leader) -> list:  # fmt: skip
        status = ev[-1][6]
        assignee = claimed = resolved = closed = paused = None
        escalation = 0
        final_rating = None
        for e in ev:
            t, action = e[0], e[1]
            if action == "claim":
                assignee, claimed = (e[2], e[3]), t
            elif action == "transfer":
                paused = t
            elif action == "resolve":
                resolved, paused = t, None
            elif action in ("rate", "auto_close", "cancel"):
                closed = t
            elif action == "reopen":
                closed, final_rating, escalation = None, "bad", max(escalation, 1)
            elif action == "escalate":
                escalation = max(escalation, 1 if "网格长" in e[7] else 2)
        if status == "closed":
            final_rating = rating
        if status == "cancelled":
            assignee = None
        c = self.categories[category]
        self.statuses[status] = self.statuses.get(status, 0) + 1
        return [
            number, self.grids[grid].id, category, c.handling.value, urgent, "telegram", reporter_id,
            reporter_name, chat, message, text, place, matter, assignee[0] if assignee else None,
            assignee[1] if assignee else None, suggested.user_id if suggested else None,
            c.department or None, status, stamp(deadline), stamp(paused) if paused else None, stamp(created),
            stamp(ev[-1][0]), stamp(claimed) if claimed else None, stamp(resolved) if resolved else None,
            stamp(closed) if closed else None, resolution if resolved else "", final_rating,
            "还是没解决" if final_rating == "bad" else "", escalation,
        ]  # fmt: skip

    def _extras(self, number: int, grid: int, row: tuple, ev: list[tuple], count: int) -> list[tuple]:
        """居民补充, 备注, 附议 (with supporter rows) and 延期 spread over the ticket's open life."""
        rng = self.rng
        start = ev[0][0]
        end = ev[-1][0] if row[17] in ("closed", "cancelled") else self.now
        end = max(end, start + 60)
        chat = self.grids[grid].chat_id
        supporters = []
        seen = {row[6]}
        out = []
        for _ in range(count):
            t = start + 1 + int(rng.random() * (end - start - 1))
            state = ev[0][6]
            for e in ev:
                if e[0] > t:
                    break
                state = e[6]
            kind = rng.random()
            if kind < 0.2:
                user, name = self.resident(grid, skew=False)
                if user not in seen:
                    seen.add(user)
                    msg = self.message_id(grid)
                    supporters.append((number, user, name, chat, msg, stamp(t)))
                    out.append((t, "support", user, name, "resident", state, state, "附议", chat, msg))
                    continue
            if kind < 0.55:
                out.append((t, "followup", row[6], row[7], "resident", state, state,
                            ("[照片] " if rng.random() < 0.4 else "") + "现在还是这样", chat,
                            self.message_id(grid)))  # fmt: skip
            elif kind < 0.95 or state not in ("claimed", "transferred", "reopened") or row[13] is None:
                who = row[13] or "system"
                out.append((t, "note", who, row[14] or "网格助手", "grid_worker" if row[13] else "system",
                            state, state, rng.choice(NOTES), who, None))  # fmt: skip
            else:
                leaders = self.leaders[grid]
                who = leaders[0] if leaders else None
                out.append((t, "extend", who.user_id if who else "system", who.name if who else "网格助手",
                            "grid_leader", state, state, "3天 等配件", None, None))  # fmt: skip
        self._supporters = supporters
        return out

    def rows(self) -> Iterator[tuple[str, list[tuple]]]:
        """(table, batch of rows) in an order that satisfies foreign keys: tickets before their events."""
        rng, scale = self.rng, self.scale
        times = self.created_times()
        grids = rng.choices(range(len(self.grids)), weights=self.grid_weights, k=scale.tickets)
        cats = rng.choices(self.category_ids, cum_weights=self.category_cum, k=scale.tickets)
        heap: list[tuple] = []
        seq = 0
        event_id = supporter_id = 0
        tickets: list[tuple] = []
        events: list[tuple] = []
        supporters: list[tuple] = []
        emitted = 0  # events made so far (queued or written)
        base_seen = 0
        for i, created in enumerate(times):
            number = i + 1
            while heap and heap[0][0] < created:
                event_id += 1
                events.append(_event_row(event_id, heapq.heappop(heap)))
            row, ev = self.lifecycle(number, created, grids[i], cats[i])
            base_seen += len(ev)
            # extras steer the total to the events asked for: the expected base of the remaining tickets
            # is estimated from the ones made so far
            remaining = scale.tickets - i
            want = scale.events - emitted - len(ev) - (base_seen / number) * (remaining - 1)
            lam = max(0.0, want / remaining)
            extra = _poisson(rng, lam) if remaining > 1 else max(0, int(round(want)))
            extras = self._extras(number, grids[i], row, ev, extra) if extra else []
            if extras:
                row[21] = stamp(max(ev[-1][0], max(e[0] for e in extras)))  # updated_at: the last event
            for s in self._supporters if extra else ():
                supporter_id += 1
                supporters.append((supporter_id, *s))
            for e in ev + extras:
                seq += 1
                heapq.heappush(heap, (e[0], seq, number, *e[1:9], e[9]))
            emitted += len(ev) + len(extras)
            tickets.append(tuple(row))
            if len(tickets) >= BATCH:
                yield "tickets", tickets
                tickets = []
            if len(events) >= BATCH:
                yield "ticket_events", events
                events = []
            if len(supporters) >= BATCH:
                yield "ticket_supporters", supporters
                supporters = []
        while heap:
            event_id += 1
            events.append(_event_row(event_id, heapq.heappop(heap)))
        for table, rows in (("tickets", tickets), ("ticket_events", events), ("ticket_supporters", supporters)):
            if rows:
                yield table, rows
        yield "topics", self.topics()
        yield "residents", self.resident_rows()

    def topics(self) -> list[tuple]:
        """~0.6 topics per grid-week; decided at the talk day, reported the next; the last week's pending."""
        rng = self.rng
        rows = []
        weeks = DAYS // 7
        talk = self.now  # NOW is the talk day
        for grid, g in enumerate(self.grids):
            for w in range(weeks, 0, -1):
                day = talk - w * 7 * 86400
                for _ in range(_poisson(rng, 0.6)):
                    created = day - int(rng.random() * 6 * 86400)
                    user, name = self.resident(grid)
                    text = rng.choice(TOPIC_TEXTS).format(b=1 + int(rng.random() * 30))
                    if w == 1 and rng.random() < 0.5:
                        rows.append([created, g.id, text, user, name, self.message_id(grid), "open", "", None,
                                     stamp(created), None, None])  # fmt: skip
                        continue
                    decided = day + 3600
                    reported = None if w == 1 else stamp(day + 7 * 86400)
                    status = "ticket" if rng.random() < 0.1 else "decided"
                    rows.append([created, g.id, text, user, name, self.message_id(grid), status, "下周安排处理",
                                 None, stamp(created), stamp(decided), reported])  # fmt: skip
            for _ in range(_poisson(rng, 1.5)):  # this week's, collected since the last talk day
                created = talk - int(rng.random() * 6 * 86400)
                user, name = self.resident(grid)
                rows.append([created, g.id, "建议增设快递柜", user, name, self.message_id(grid), "open", "", None,
                             stamp(created), None, None])  # fmt: skip
        rows.sort(key=lambda r: r[0])
        return [(i + 1, *r[1:]) for i, r in enumerate(rows)]

    def resident_rows(self) -> list[tuple]:
        when = stamp(self.now - 86400)
        rows = []
        for grid, g in enumerate(self.grids):
            start = self.resident_start[grid]
            for n in range(start, start + self.resident_count[grid]):
                rows.append((n + 1, "telegram", str(RESIDENT_BASE + n), self.name(n), g.id, when))
        return rows


def _event_row(event_id: int, e: tuple) -> tuple:
    """A queued event (time, seq, ticket, action, actor id, name, role, from, to, detail, chat, msg) as a row."""
    attachment = f"AgACAgUAAxkBAAI{e[2]:x}" if e[9].startswith("[照片]") else None
    return (event_id, e[2], e[3], e[4], e[5], e[6], e[7], e[8], e[9], attachment, e[10], e[11], stamp(e[0]))


def _poisson(rng: random.Random, lam: float) -> int:
    if lam <= 0:
        return 0
    limit, k, p = math.exp(-lam), 0, rng.random()
    while p > limit:
        k += 1
        p *= rng.random()
    return k


# -- loading ---------------------------------------------------------------------------------------------
def _check_columns() -> None:
    """Fail clearly when the model gained a column the generator does not fill."""
    from bot.models import Base

    for table, cols in TABLES.items():
        model = Base.metadata.tables[table]
        missing = [
            c.name
            for c in model.columns
            if c.name not in cols and not c.nullable and c.default is None and c.server_default is None
        ]
        unknown = [c for c in cols if c not in model.columns]
        if missing or unknown:
            raise SystemExit(f"bench/scale_data.py is out of date for {table}: missing {missing}, unknown {unknown}")


@dataclass
class LoadReport:
    seconds_rows: float = 0.0
    seconds_inserts: float = 0.0  # of seconds_rows, inside the database's bulk insert (the rest: generating)
    seconds_indexes: float = 0.0
    seconds_total: float = 0.0
    rows: dict[str, int] | None = None
    statuses: dict[str, int] | None = None


def build_sqlite(scale: Scale, path: Path, log=print) -> LoadReport:
    """Migrate a fresh file with the bot's migrations, then bulk-load it (synchronous=OFF, no journal)."""
    from bot.db import create_db_engine, migrate

    _check_columns()
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    for leftover in (partial, Path(f"{partial}-wal"), Path(f"{partial}-shm")):
        leftover.unlink(missing_ok=True)
    started = time.perf_counter()
    engine = create_db_engine(f"sqlite:///{partial}")
    migrate(engine)
    engine.dispose()
    config, _ = county(scale, f"sqlite:///{partial}")
    con = sqlite3.connect(partial, isolation_level=None)
    for pragma in ("journal_mode=OFF", "synchronous=OFF", "cache_size=-1000000", "temp_store=MEMORY",
                   "locking_mode=EXCLUSIVE", "foreign_keys=OFF"):  # fmt: skip
        con.execute(f"PRAGMA {pragma}")
    indexes = con.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN "
        f"({','.join('?' * len(TABLES))})",
        list(TABLES),
    ).fetchall()
    for name, _ in indexes:
        con.execute(f"DROP INDEX {name}")
    generator = Generator(scale, config)
    statements = {
        table: f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})"
        for table, cols in TABLES.items()
    }
    counts = {table: 0 for table in TABLES}
    inserting = 0.0
    con.execute("BEGIN")
    for table, rows in generator.rows():
        t0 = time.perf_counter()
        con.executemany(statements[table], rows)
        inserting += time.perf_counter() - t0
        counts[table] += len(rows)
        if table == "tickets" and counts[table] % 200_000 == 0:
            log(f"  {counts['tickets']:>9,} tickets, {counts['ticket_events']:>10,} events "
                f"({time.perf_counter() - started:.0f} s)")  # fmt: skip
    t0 = time.perf_counter()
    con.execute("COMMIT")
    inserting += time.perf_counter() - t0
    rows_done = time.perf_counter()
    for _, sql in indexes:
        con.execute(sql)
    con.execute("PRAGMA journal_mode=DELETE")  # the bot switches it to WAL at its first connection
    con.close()
    partial.rename(path)
    finished = time.perf_counter()
    return LoadReport(
        seconds_rows=rows_done - started,
        seconds_inserts=inserting,
        seconds_indexes=finished - rows_done,
        seconds_total=finished - started,
        rows=counts,
        statuses=dict(sorted(generator.statuses.items(), key=lambda kv: -kv[1])),
    )


def ensure_sqlite(scale: Scale, log=print, rebuild: bool = False) -> tuple[Path, LoadReport | None]:
    """The cached database for `scale` under bench/out/, built first when missing (None: it was cached)."""
    path = scale.sqlite_path()
    if path.exists() and not rebuild:
        return path, None
    path.unlink(missing_ok=True)
    log(f"building {path.relative_to(ROOT)} (cached for later runs) …")
    return path, build_sqlite(scale, path, log)


def load_postgres(scale: Scale, url: str, source: Path, log=print, reload: bool = False) -> LoadReport | None:
    """Copy the cached SQLite data set into PostgreSQL with COPY; None when it already holds it.

    The schema is the bot's (migrations); constraints other than primary keys and the secondary indexes
    are dropped for the load and recreated from their own definitions, then the tables are analysed.
    Refuses to touch a database holding other tickets unless `reload`.
    """
    import psycopg
    from sqlalchemy.engine import make_url

    from bot.db import create_db_engine, migrate

    marker = f"bench-scale:{scale.key()}"
    engine = create_db_engine(url)
    migrate(engine)
    engine.dispose()
    parsed = make_url(url)
    dsn = parsed.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(dsn, autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM notices WHERE key = %s", (marker,)).fetchone():
            return None
        if conn.execute("SELECT 1 FROM tickets LIMIT 1").fetchone() and not reload:
            raise SystemExit(
                f"{parsed.render_as_string()}: the database already holds tickets (not this data set); "
                "pass --reload to empty tickets, events, supporters, topics, residents and notices first"
            )
        started = time.perf_counter()
        conn.execute(f"TRUNCATE {', '.join(TABLES)}, notices, outbox, inbox, pending_questions")
        tables = list(TABLES)
        constraints = conn.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE contype IN ('u', 'f') AND conrelid::regclass::text = ANY(%s) ORDER BY contype DESC",
            (tables,),
        ).fetchall()  # unique before foreign keys when re-adding
        indexes = conn.execute(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.schemaname = current_schema() "
            "AND i.tablename = ANY(%s) AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)",
            (tables,),
        ).fetchall()
        for table, name, _ in reversed(constraints):
            conn.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        for name, _ in indexes:
            conn.execute(f'DROP INDEX "{name}"')
        src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        counts = {}
        bool_at = {table: [i for i, c in enumerate(cols) if c == "urgent"] for table, cols in TABLES.items()}
        for table, cols in TABLES.items():
            t0 = time.perf_counter()
            cursor = src.execute(f"SELECT {', '.join(cols)} FROM {table} ORDER BY id")
            n = 0
            with conn.cursor() as cur, cur.copy(f"COPY {table} ({', '.join(cols)}) FROM STDIN") as copy:
                flags = bool_at[table]
                for row in cursor:
                    if flags:
                        row = list(row)
                        for i in flags:
                            row[i] = bool(row[i])
                    copy.write_row(row)
                    n += 1
            counts[table] = n
            log(f"  COPY {table}: {n:,} rows in {time.perf_counter() - t0:.1f} s")
        src.close()
        rows_done = time.perf_counter()
        for table, name, definition in constraints:
            conn.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
        for _, definition in indexes:
            conn.execute(definition)
        for table in tables:
            conn.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT coalesce(max(id), 1) FROM {table}))"
            )
        conn.execute("VACUUM ANALYZE")
        conn.execute("INSERT INTO notices (key, created_at) VALUES (%s, now())", (marker,))
        finished = time.perf_counter()
    return LoadReport(
        seconds_rows=rows_done - started,
        seconds_indexes=finished - rows_done,
        seconds_total=finished - started,
        rows=counts,
    )
