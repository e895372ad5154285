"""The admin's single TOML file, validated once at start-up into frozen objects.

Every problem is reported as one line naming the file, the key path and what is wrong, so an admin
can fix the file without reading a traceback.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictFloat,
    StrictInt,
    ValidationError,
    field_validator,
)

from bot.memory import release_freed_memory

# Durations are at most a year: a longer one is a typo, and 1e308 hours overflowed every date computed from it.
YEAR_DAYS = 366
YEAR_HOURS = 24 * YEAR_DAYS
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
ENV_OVERRIDES = {
    "GRIDBOT_TELEGRAM_TOKEN": ("telegram", "token"),
    "GRIDBOT_TELEGRAM_BASE_URL": ("telegram", "base_url"),
    "GRIDBOT_TELEGRAM_WEBHOOK_SECRET": ("telegram", "webhook_secret"),
    "GRIDBOT_DATABASE_URL": ("database", "url"),
}


class ConfigError(Exception):
    """Raised with every problem found, one per line, so all can be fixed in one pass."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


class Role(StrEnum):
    GRID_WORKER = "grid_worker"
    GRID_LEADER = "grid_leader"
    SECRETARY = "secretary"
    ADMIN = "admin"


class Handling(StrEnum):
    """How the community deals with a matter: 回复解释 / 受理自办 / 转交办理."""

    REPLY = "reply"
    HANDLE = "handle"
    TRANSFER = "transfer"


def _parse_hhmm(value: object) -> object:
    if isinstance(value, str):
        if not re.fullmatch(r"\d{1,2}:\d{2}", value):
            raise ValueError(f'"{value}" is not a time of day in HH:MM form')
        hours, minutes = (int(part) for part in value.split(":"))
        if hours > 23 or minutes > 59:
            raise ValueError(f'"{value}" is not a valid time of day')
        return dt.time(hours, minutes)
    if isinstance(value, dt.time):  # TOML's own local time: time = 09:00
        return value
    # pydantic would read 18 as 18 seconds past midnight, and the agenda would go out at 00:00
    raise ValueError(f'{value!r} is not a time of day; write it in quotes as "HH:MM", e.g. "18:00"')


def _parse_weekday(value: object) -> object:
    if isinstance(value, str) and value.lower() not in WEEKDAYS:
        raise ValueError(f'"{value}" is not a weekday; use one of {", ".join(WEEKDAYS)}')
    return value.lower() if isinstance(value, str) else value


def _chat_id(value: object) -> object:
    # Chat ids are strings in the core so that WeCom's string ids fit beside Telegram's integers.
    if isinstance(value, bool):
        raise ValueError("must be a chat id (a number or a string)")
    if isinstance(value, str) and value != value.strip():
        # "-1001000000004 " never matches the group's id: the grid would hear nothing
        raise ValueError(f"{value!r} has spaces around it; write the chat id alone")
    if isinstance(value, str) and value.startswith("-") and not value[1:].isdigit():
        # "-100abc": a Telegram group id mistyped (WeCom's ids are words and never begin with "-")
        raise ValueError(f"{value!r} is not a chat id: a Telegram group id is a negative number, e.g. -1001234567890")
    return str(value) if isinstance(value, int) else value


def _keywords(value: object) -> object:
    words = value.keys() if isinstance(value, dict) else value if isinstance(value, list) else ()
    if any(isinstance(word, str) and not word.strip() for word in words):
        raise ValueError("an empty keyword would match every message")
    return value


ClockTime = Annotated[dt.time, BeforeValidator(_parse_hhmm)]
Weekday = Annotated[Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"], BeforeValidator(_parse_weekday)]
ChatId = Annotated[str, BeforeValidator(_chat_id)]
Keywords = Annotated[list[str] | dict[str, StrictFloat], BeforeValidator(_keywords)]


class _Section(BaseModel):
    # inf/nan are refused ("deadline_hours = inf" passed the check, then broke every report); numbers are
    # strict, so TOML's true/false is not read as 1/0 ("max_retries = true").
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class TelegramConfig(_Section):
    token: str = ""
    base_url: str = "https://api.telegram.org/bot"
    base_file_url: str = "https://api.telegram.org/file/bot"
    mode: Literal["polling", "webhook"] = "polling"
    webhook_url: str = ""
    webhook_listen: str = "127.0.0.1"
    webhook_port: StrictInt = Field(8443, ge=1, le=65535)
    # Telegram sends it back with every webhook request, so that forged requests are refused.
    webhook_secret: str = Field("", pattern=r"^[A-Za-z0-9_-]{0,256}$")
    max_retries: StrictInt = Field(5, ge=0, le=20)
    # A Bot API unreachable at start (network not up yet after a reboot) is retried this many times, waiting
    # 1, 2, 4 … up to 30 s between tries: the default 8 rides out about two minutes.
    start_retries: StrictInt = Field(8, ge=0, le=100)

    @field_validator("base_url", "base_file_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        # 127.0.0.1:9/bot without http:// was retried for two minutes as "unreachable", naming no host
        if not re.match(r"^https?://[^/\s]+", value):
            raise ValueError(f'"{value}" is not an http:// or https:// address (e.g. https://api.telegram.org/bot)')
        return value


DEFAULT_DATABASE_URL = "sqlite:///gridbot.db"


class DatabaseConfig(_Section):
    url: str = DEFAULT_DATABASE_URL

    @field_validator("url")
    @classmethod
    def _a_database_we_speak(cls, value: str) -> str:
        from sqlalchemy.engine import make_url
        from sqlalchemy.exc import ArgumentError

        try:
            backend = make_url(value).get_backend_name()
        except ArgumentError:
            raise ValueError(
                f'"{value}" is not a database URL; e.g. "sqlite:///gridbot.db" or '
                '"postgresql+psycopg://user:password@host/gridbot"'
            ) from None
        if backend not in ("sqlite", "postgresql"):
            raise ValueError(
                f'"{backend}" is not supported; use SQLite ("sqlite:///gridbot.db") or PostgreSQL '
                '("postgresql+psycopg://user:password@host/gridbot")'
            )
        return value


class TalkDayConfig(_Section):
    weekday: Weekday = "tue"
    time: ClockTime = dt.time(9, 0)
    notice_time: ClockTime = dt.time(18, 0)


class QuietHours(_Section):
    start: ClockTime = dt.time(22, 0)
    end: ClockTime = dt.time(7, 0)

    def contains(self, moment: dt.time) -> bool:
        """True when a non-urgent ping should wait for morning."""
        if self.start <= self.end:
            return self.start <= moment < self.end
        return moment >= self.start or moment < self.end

    def end_after(self, moment: dt.datetime) -> dt.datetime:
        """When the quiet hours around a local `moment` end."""
        end = moment.replace(hour=self.end.hour, minute=self.end.minute, second=0, microsecond=0)
        return end if end > moment else end + dt.timedelta(days=1)


class CalendarConfig(_Section):
    """放假 and 调休 days the holiday library does not know yet (it is released after the State Council's notice)."""

    days_off: list[dt.date] = []
    workdays: list[dt.date] = []  # weekends worked in exchange (调休上班)

    def years(self) -> set[int]:
        return {day.year for day in [*self.days_off, *self.workdays]}


class EscalationConfig(_Section):
    remind_before_hours: StrictFloat = Field(2.0, ge=0, le=YEAR_HOURS)
    leader_after_hours: StrictFloat = Field(0.0, ge=0, le=YEAR_HOURS)
    secretary_after_hours: StrictFloat = Field(24.0, ge=0, le=YEAR_HOURS)
    unclaimed_repeat_minutes: StrictFloat = Field(30.0, gt=0, le=YEAR_HOURS * 60)
    unclaimed_leader_minutes: StrictFloat = Field(120.0, gt=0, le=YEAR_HOURS * 60)
    claim_window_minutes: StrictFloat = Field(60.0, gt=0, le=YEAR_HOURS * 60)


class FollowUpConfig(_Section):
    rating_reminder_hours: StrictFloat = Field(24.0, gt=0, le=YEAR_HOURS)
    auto_close_days: StrictFloat = Field(3.0, gt=0, le=YEAR_DAYS)
    revisit_days: StrictFloat = Field(7.0, gt=0, le=YEAR_DAYS)


class IntakeConfig(_Section):
    mode: Literal["all", "mention"] = "all"
    confirm_below: StrictFloat = Field(0.55, ge=0, le=1)
    follow_up_minutes: StrictFloat = Field(5.0, ge=0, le=YEAR_HOURS * 60)
    merge_window_hours: StrictFloat = Field(48.0, ge=0, le=YEAR_HOURS)
    storm_window_hours: StrictFloat = Field(6.0, ge=0, le=YEAR_HOURS)


class GridTalkDay(_Section):
    weekday: Weekday | None = None
    time: ClockTime | None = None


class Grid(_Section):
    id: str = Field(min_length=1)
    name: str = Field(min_length=1)
    chat_id: ChatId
    intake: Literal["all", "mention"] | None = None
    talk_day: GridTalkDay | None = None
    buildings: list[str] = []


class Worker(_Section):
    name: str = Field(min_length=1)
    telegram_id: StrictInt
    role: Role
    grids: list[str] = []
    phone: str = ""

    @property
    def user_id(self) -> str:
        return str(self.telegram_id)


class Category(_Section):
    id: str = Field(min_length=1)
    name: str = Field(min_length=1)
    keywords: Keywords = []
    deadline_hours: StrictFloat = Field(gt=0, le=YEAR_HOURS)
    working_days: StrictInt | None = Field(None, ge=1, le=YEAR_DAYS)
    handling: Handling = Handling.HANDLE
    role: Role = Role.GRID_WORKER
    department: str = ""
    emergency_number: str = ""

    @property
    def weighted_keywords(self) -> dict[str, float]:
        if isinstance(self.keywords, dict):
            return dict(self.keywords)
        return {word: 1.0 for word in self.keywords}


class ServiceEntry(_Section):
    id: str = Field(min_length=1)
    name: str = Field(min_length=1)
    keywords: Annotated[list[str], BeforeValidator(_keywords)] = Field(min_length=1)
    materials: list[str] = []
    where: str = ""
    hours: str = ""
    time_limit: str = ""
    phone: str = ""
    notes: str = ""


class NlpConfig(_Section):
    lexicon: str = ""


class ChatMoves:
    """Groups that now live under another chat id than the one they had (Telegram turns a group into a
    supergroup past 200 members, and its id changes). The config keeps naming a grid's group by the id the admin
    wrote; these moves, kept in the database (bot.chat_moves), say where that group is now."""

    def __init__(self) -> None:
        self._to: dict[str, str] = {}
        self._from: dict[str, str] = {}

    def __bool__(self) -> bool:
        return bool(self._to)

    def add(self, old: str, new: str) -> None:
        if old != new:
            self._to[old], self._from[new] = new, old

    def now(self, chat_id: str) -> str:
        """The id the chat has now (itself when it never moved)."""
        for _ in range(len(self._to)):  # a chain of moves, never a loop
            if chat_id not in self._to:
                break
            chat_id = self._to[chat_id]
        return chat_id

    def first(self, chat_id: str) -> str:
        """The id the chat had before any move (itself when it never moved)."""
        for _ in range(len(self._from)):
            if chat_id not in self._from:
                break
            chat_id = self._from[chat_id]
        return chat_id


class Config(_Section):
    timezone: str = "Asia/Shanghai"
    telegram: TelegramConfig = TelegramConfig()
    database: DatabaseConfig = DatabaseConfig()
    talk_day: TalkDayConfig = TalkDayConfig()
    quiet_hours: QuietHours = QuietHours()
    calendar: CalendarConfig = CalendarConfig()
    escalation: EscalationConfig = EscalationConfig()
    follow_up: FollowUpConfig = FollowUpConfig()
    intake: IntakeConfig = IntakeConfig()
    nlp: NlpConfig = NlpConfig()
    departments: list[str] = []
    grids: list[Grid] = Field(min_length=1)
    workers: list[Worker] = Field(min_length=1)
    categories: list[Category] = Field(min_length=1)
    services: list[ServiceEntry] = []

    model_config = ConfigDict(extra="forbid", frozen=True, ignored_types=(cached_property,))

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f'unknown timezone "{value}"') from None
        return value

    @cached_property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    # Lookups by id are dictionaries built once: a county config has thousands of grids and workers.
    @cached_property
    def _grids_by_id(self) -> dict[str, Grid]:
        return {grid.id: grid for grid in self.grids}

    @cached_property
    def _grids_by_chat(self) -> dict[str, Grid]:
        return {grid.chat_id: grid for grid in self.grids}

    @cached_property
    def _workers_by_id(self) -> dict[str, Worker]:
        return {worker.user_id: worker for worker in self.workers}

    @cached_property
    def _workers_by_grid(self) -> dict[str, list[Worker]]:
        everywhere = [w for w in self.workers if not w.grids and w.role in (Role.SECRETARY, Role.ADMIN)]
        found: dict[str, list[Worker]] = {grid.id: [] for grid in self.grids}
        for worker in self.workers:
            for grid_id in worker.grids:
                found.setdefault(grid_id, []).append(worker)
        return {grid_id: workers + everywhere for grid_id, workers in found.items()}

    def grid(self, grid_id: str) -> Grid | None:
        return self._grids_by_id.get(grid_id)

    @cached_property
    def chat_moves(self) -> ChatMoves:
        """Where groups moved since the config was written: filled from the database at start, and as heard."""
        return ChatMoves()

    def grid_for_chat(self, chat_id: str) -> Grid | None:
        """The grid a group serves, under the id the config gives it or any id the group had or has since."""
        grid = self._grids_by_chat.get(chat_id)
        if grid is None and self.chat_moves:
            moves = self.chat_moves
            grid = self._grids_by_chat.get(moves.first(chat_id)) or self._grids_by_chat.get(moves.now(chat_id))
        return grid

    def current_chat(self, chat_id: str) -> str:
        """Where a message for `chat_id` goes now: the new id of a group that moved, else the id itself."""
        return self.chat_moves.now(chat_id) if self.chat_moves else chat_id

    def worker(self, user_id: str) -> Worker | None:
        return self._workers_by_id.get(user_id)

    def category(self, category_id: str | None) -> Category | None:
        return next((cat for cat in self.categories if cat.id == category_id), None)

    def workers_of(self, grid_id: str, role: Role | None = None) -> list[Worker]:
        """Workers serving a grid; secretaries and admins serve every grid."""
        found = self._workers_by_grid.get(grid_id, [])
        return [w for w in found if role is None or w.role == role]

    @cached_property
    def _workers_by_role(self) -> dict[Role, list[Worker]]:
        found: dict[Role, list[Worker]] = {role: [] for role in Role}
        for worker in self.workers:
            found[worker.role].append(worker)
        return found

    def with_roles(self, *roles: Role) -> list[Worker]:
        return [worker for role in roles for worker in self._workers_by_role[role]]

    def intake_mode(self, grid: Grid) -> str:
        return grid.intake or self.intake.mode


@dataclass(frozen=True)
class _Check:
    path: str
    message: str


def _cross_reference_problems(config: Config) -> Iterable[_Check]:
    """Problems pydantic cannot see alone: references between sections and uniqueness."""
    yield from _duplicates("grids", "id", [g.id for g in config.grids])
    yield from _duplicates("grids", "chat_id", [g.chat_id for g in config.grids])
    yield from _duplicates("workers", "telegram_id", [str(w.telegram_id) for w in config.workers])
    yield from _duplicates("categories", "id", [c.id for c in config.categories])
    yield from _duplicates("services", "id", [s.id for s in config.services])
    for index, department in enumerate(config.departments):
        if department in config.departments[:index]:
            yield _Check(f"departments[{index}]", f'duplicate "{department}" (it would be offered twice)')
    if config.telegram.mode == "webhook" and not config.telegram.webhook_url:
        yield _Check("telegram.webhook_url", 'mode "webhook" needs the public https:// address Telegram posts to')
    grid_ids = {grid.id for grid in config.grids}
    for index, worker in enumerate(config.workers):
        for grid_id in worker.grids:
            if grid_id not in grid_ids:
                yield _Check(f"workers[{index}].grids", f'unknown grid "{grid_id}"')
        if not worker.grids and worker.role in (Role.GRID_WORKER, Role.GRID_LEADER):
            yield _Check(f"workers[{index}].grids", f"a {worker.role.value} needs at least one grid")
    roles_present = {worker.role for worker in config.workers}
    for index, category in enumerate(config.categories):
        if category.role not in roles_present:
            yield _Check(f"categories[{index}].role", f'no worker has the role "{category.role.value}"')
        if category.handling is Handling.TRANSFER and config.departments and category.department:
            if category.department not in config.departments:
                yield _Check(f"categories[{index}].department", f'unknown department "{category.department}"')
    served = {grid_id for worker in config.workers for grid_id in worker.grids}  # once: a county has 20,000 workers
    for index, grid in enumerate(config.grids):
        if grid.id not in served:
            yield _Check(f"grids[{index}]", f'grid "{grid.id}" has no worker')
    yield from _same_names_in_a_grid(config)
    yield from _person_ids_as_groups(config)
    if config.nlp.lexicon and not Path(config.nlp.lexicon).is_file():
        where = "a relative path counts from the config file's folder"
        yield _Check("nlp.lexicon", f'file not found: "{config.nlp.lexicon}" ({where})')
    elif config.nlp.lexicon:
        yield from _lexicon_categories(config)


def _lexicon_categories(config: Config) -> Iterable[_Check]:
    """A lexicon learned from labels that are not the config's category ids (环境卫生 where the config says
    sanitation) files every ticket under a category no grid knows; say so before the bot runs."""
    from nlp.lexicon import load_lexicon

    try:
        lexicon = load_lexicon(Path(config.nlp.lexicon))
    except (OSError, ValueError) as exc:
        yield _Check("nlp.lexicon", f'"{config.nlp.lexicon}" is not a lexicon: {exc}')
        return
    ids = {category.id for category in config.categories}
    unknown = [category.id for category in lexicon.categories if category.id not in ids]
    if unknown:
        shown = ", ".join(unknown[:5]) + (" …" if len(unknown) > 5 else "")
        yield _Check(
            "nlp.lexicon",
            f'"{config.nlp.lexicon}" has categories that are not ids of [[categories]]: {shown}; learn it from a '
            f"CSV whose label column holds the ids ({', '.join(sorted(ids)[:6])} …)",
        )


def _person_ids_as_groups(config: Config) -> Iterable[_Check]:
    """A Telegram group's id is negative; a positive one is a person's private chat, and the real group would be
    told it is not registered."""
    workers = {str(worker.telegram_id): index for index, worker in enumerate(config.workers)}
    for index, grid in enumerate(config.grids):
        if grid.chat_id in workers:
            yield _Check(
                f"grids[{index}].chat_id",
                f'"{grid.chat_id}" is the telegram_id of workers[{workers[grid.chat_id]}], a person, not a group '
                "(a group's id is negative, e.g. -1001234567890)",
            )
        elif grid.chat_id.isdigit():
            yield _Check(
                f"grids[{index}].chat_id",
                f'"{grid.chat_id}" is a private chat\'s id; a group\'s id is negative, e.g. -1001234567890 '
                "(add the bot to the group and read the id from its first message or getUpdates)",
            )


def config_warnings(config: Config) -> list[str]:
    """Allowed, but probably not meant: a keyword listed under two categories scores for both, and which one a
    message lands in then depends on its other words."""
    first: dict[str, int] = {}
    warnings = []
    for index, category in enumerate(config.categories):
        for word in category.keywords:
            seen = first.setdefault(word, index)
            if seen != index:
                warnings.append(
                    f'categories[{index}].keywords: "{word}" is also a keyword of categories[{seen}] '
                    f'("{config.categories[seen].name}"); a message with it scores for both'
                )
    if config.category("other") is None and config.categories:
        # the classifier knows 12 categories; a request in one the config leaves out has to land somewhere
        last = config.categories[-1]
        warnings.append(
            f'categories: no category has id "other", so every request that fits none of the configured categories '
            f'is filed under the last one, categories[{len(config.categories) - 1}] ("{last.name}")'
            + (f", and handed to {last.department}" if last.department else "")
            + '; add a catch-all [[categories]] with id = "other"'
        )
    for index, grid in enumerate(config.grids):
        # 督办 goes to the grid's 网格长: without one, an unclaimed or overdue ticket reaches nobody until the
        # secretary's turn a day after its deadline
        if not config.workers_of(grid.id, Role.GRID_LEADER):
            warnings.append(
                f'grids[{index}] ("{grid.name}"): no grid_leader lists this grid, so overdue and unclaimed tickets '
                "are escalated straight to the secretary, a day after the deadline"
            )
        if not config.workers_of(grid.id, Role.GRID_WORKER):
            warnings.append(
                f'grids[{index}] ("{grid.name}"): no grid_worker lists this grid, so its tickets are pinged in the '
                "group with nobody to claim them"
            )
    return warnings


def _same_names_in_a_grid(config: Config) -> Iterable[_Check]:
    """Workers are named in commands (改派 by name): two of one name in a grid could not be told apart."""
    first: dict[tuple[str, str], int] = {}
    for index, worker in enumerate(config.workers):
        for grid_id in worker.grids:
            seen = first.setdefault((grid_id, worker.name), index)
            if seen != index:
                yield _Check(
                    f"workers[{index}].name",
                    f'"{worker.name}" is also workers[{seen}] in grid "{grid_id}"; reassigning by name needs '
                    "distinct names within a grid (add a distinguishing character)",
                )


def _duplicates(section: str, key: str, values: list[str]) -> Iterable[_Check]:
    seen: dict[str, int] = {}
    for index, value in enumerate(values):
        if value in seen:
            yield _Check(f"{section}[{index}].{key}", f'duplicate "{value}" (also {section}[{seen[value]}])')
        else:
            seen[value] = index


def _key_path(loc: tuple[int | str, ...]) -> str:
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        elif part in ("list[str]", "dict[str,float]", "function-before[_parse_hhmm(), time]"):
            continue  # union/validator branch names are noise to an admin
        else:
            path += f".{part}" if path else str(part)
    return path or "(top level)"


def _other_branch(error: Mapping[str, object]) -> bool:
    """Keywords are a list or a table: a table's bad weight is not also reported as "not a valid list"."""
    loc = error["loc"]
    return ("list[str]" in loc and isinstance(error["input"], dict)) or (
        "dict[str,float]" in loc and isinstance(error["input"], list)
    )


def _describe(error: Mapping[str, object]) -> str:
    kind = error["type"]
    if kind == "extra_forbidden":
        return "unknown key (check the spelling)"
    if kind == "missing":
        return "required key is missing"
    if kind == "string_type" and isinstance(error["input"], int | float) and not isinstance(error["input"], bool):
        # phone = 13800000001: TOML reads a bare number; a phone number or an id is text, written in quotes.
        return f'should be text in quotes, e.g. "{error["input"]}"'
    message = str(error["msg"])
    return message.removeprefix("Value error, ")


def sqlite_file(url: str) -> Path | None:
    """The file a SQLite URL names; None for another backend, an in-memory database or a SQLite URI (file:…)."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        parsed = make_url(url)
    except ArgumentError:
        return None
    database = parsed.database or ""
    if parsed.get_backend_name() != "sqlite" or database in ("", ":memory:") or database.startswith("file:"):
        return None
    return Path(database).expanduser()


def database_beside(raw: dict, folder: Path) -> dict:
    """A relative SQLite path in the file (the default gridbot.db too) names a file in the config's folder.

    It followed the current folder: `gridbot tickets --config ../a/config.toml` read an empty database of its own,
    and `run` started by a service manager elsewhere began without its tickets. Paths given in the environment
    are left as they are, relative to the current folder like any path typed in a shell.
    """
    section = raw.get("database", {})
    if not isinstance(section, dict):
        return raw
    url = section.get("url", DEFAULT_DATABASE_URL)
    path = sqlite_file(url) if isinstance(url, str) else None
    if path is None:
        return raw
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if str(folder / path) == parsed.database:
        return raw
    # `~` expanded here too: SQLite itself would open a folder named "~" in the current one
    beside = parsed.set(database=str(folder / path)).render_as_string(hide_password=False)
    return {**raw, "database": {**section, "url": beside}}


def lexicon_beside(raw: dict, folder: Path) -> dict:
    """A relative nlp.lexicon path names a file in the config's folder, as the database does."""
    section = raw.get("nlp", {})
    lexicon = section.get("lexicon") if isinstance(section, dict) else None
    if not isinstance(lexicon, str) or not lexicon:
        return raw
    path = Path(lexicon).expanduser()
    return {**raw, "nlp": {**section, "lexicon": str(path if path.is_absolute() else folder / path)}}


def apply_env_overrides(raw: dict, environ: Mapping[str, str]) -> dict:
    """Secrets and deployment details come from the environment, over the file."""
    for variable, (section, key) in ENV_OVERRIDES.items():
        if environ.get(variable):
            raw.setdefault(section, {})
            if isinstance(raw[section], dict):
                raw[section][key] = environ[variable]
    return raw


def _parse_toml(text: str) -> dict:
    """rtoml (Rust) reads a county's 20,000 workers in 0.1 s where tomllib takes 0.7 s of a 2 s start-up;
    a file either rejects is reported in tomllib's words, which name the line and column."""
    try:
        import rtoml
    except ImportError:
        return tomllib.loads(text)
    try:
        return rtoml.loads(text)
    except ValueError:
        return tomllib.loads(text)


def parse_config(
    text: str, source: str = "config", environ: Mapping[str, str] | None = None, folder: Path | None = None
) -> Config:
    """Validate TOML text; raise ConfigError listing every problem as `source: key.path: what`.

    `folder` is where the file lives: its relative SQLite path is taken from there; without one (text that is
    no file) from the current folder.
    """
    try:
        raw = _parse_toml(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError([f"{source}: TOML syntax error: {exc}{_full_width_hint(text, exc)}"]) from None
    if folder is not None:
        raw = lexicon_beside(database_beside(raw, folder), folder)
    raw = apply_env_overrides(raw, os.environ if environ is None else environ)
    try:
        config = Config.model_validate(raw)
    except ValidationError as exc:
        problems = [
            _problem(source, _key_path(err["loc"]), _describe(err), raw)
            for err in exc.errors()
            if not _other_branch(err)
        ]
        raise ConfigError(list(dict.fromkeys(problems))) from None
    problems = [_problem(source, check.path, check.message, raw) for check in _cross_reference_problems(config)]
    if problems:
        raise ConfigError(problems)
    return config


_FULL_WIDTH = re.compile(r"[，：＝“”［］｛｝]")


def _full_width_hint(text: str, exc: tomllib.TOMLDecodeError) -> str:
    """A Chinese input method's ， “ ” ＝ outside quotes is the usual cause; tomllib only says "Unclosed array"."""
    line = getattr(exc, "lineno", None)
    if line is None:
        found = re.search(r"line (\d+)", str(exc))
        line = int(found[1]) if found else None
    lines = text.splitlines()
    if line is None or not 0 < line <= len(lines):
        return ""
    outside = re.sub(r'"(?:[^"\\]|\\.)*"', "", lines[line - 1])  # what is not inside a "string"
    marks = dict.fromkeys(_FULL_WIDTH.findall(outside))
    if not marks:
        return ""
    return f" (line {line} has the full-width {' '.join(marks)}: TOML needs half-width , : = \" [ ] outside quotes)"


def _problem(source: str, path: str, message: str, raw: Mapping) -> str:
    """One line an admin can act on: file, key, what is wrong, and which entry that is."""
    return f"{source}: {path}: {message}{_whose(path, raw)}"


_ENTRY = re.compile(r"^(workers|grids|categories|services)\[(\d+)\]")


def _whose(path: str, raw: Mapping) -> str:
    """Which entry workers[2] is, by its name (" (workers[2]: 赵强)"): an admin counts entries by name, not position."""
    match = _ENTRY.match(path)
    if match is None:
        return ""
    entries = raw.get(match[1]) if isinstance(raw, Mapping) else None
    index = int(match[2])
    if not isinstance(entries, list) or index >= len(entries) or not isinstance(entries[index], Mapping):
        return ""
    entry = entries[index]
    names = [str(entry[key]) for key in ("id", "name") if isinstance(entry.get(key), str) and entry[key].strip()]
    return f" ({match[0]}: {' '.join(dict.fromkeys(names))})" if names else ""


def load_config(path: str | Path, environ: Mapping[str, str] | None = None) -> Config:
    """Read and validate the admin's config file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError([f"{path}: file not found"]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError([f"{path}: cannot read the file: {exc}"]) from None
    try:
        return parse_config(text, str(path), environ, folder=Path(path).resolve().parent)
    finally:
        release_freed_memory()  # the parsed TOML tree of a county's config is tens of MB, now garbage


def example_config_path() -> Path:
    """The shipped example community; works from a wheel and from a source checkout."""
    shipped = resources.files("bot") / "data" / "config.example.toml"
    if shipped.is_file():
        return Path(str(shipped))
    return Path(__file__).resolve().parent.parent / "config.example.toml"
