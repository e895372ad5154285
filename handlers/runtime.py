"""The running Telegram bot: database, core, Application, outbox sender and schedules, started and stopped together."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

from telegram import Update
from telegram.error import NetworkError, TelegramError

from bot import texts
from bot.config import Config
from bot.core import Clock, Core, utcnow
from bot.db import create_db_engine, is_sqlite, migrate, session_factory
from bot.deadlines import calendar_gaps
from bot.messages import Inbound, Result
from bot.outbox import OutboxSender
from bot.scheduler import Scheduler
from handlers import COMMAND_MENU, build_application
from handlers.channel import TelegramChannel
from handlers.convert import to_inbound

log = logging.getLogger(__name__)

PRIVACY_HINT = (
    "The bot cannot read every group message (privacy mode is on), but grids {grids} use intake mode "
    '"all". Turn privacy mode off with BotFather (/setprivacy → Disable) and re-add the bot to the '
    'groups, or make the bot a group admin, or set intake = "mention" for those grids.'
)

ORPHANED_HINT = (
    "{count} open ticket(s) belong to grid {grid}, which the config no longer lists (renamed or removed?): they get "
    "no reminders or escalation and no worker may act on them. Put the grid back under that id, or finish them first."
)
STRANDED_HINT = (
    "Open ticket(s) {numbers} are claimed by {name} (id {user_id}), who is no longer among the config's workers: "
    "nobody may finish them. Have the grid leader reassign them (the reassign command), or put the worker back."
)
MOVED_HINT = (
    "The group of grid {grid} was upgraded to a supergroup: chat {old} is now {new}. The bot follows it; set "
    "chat_id = {new} for that grid in the config."
)


# the longest the schedules wait at start for the updates that came while the bot was down
BACKLOG_WAIT = 30.0


class Batcher:
    """Updates processed in batches, one transaction per batch: a burst is stored at a few commits, not one each.

    One batch at a time, in arrival order, so each chat's messages stay strictly in order ("认领" before
    "办结"); a message deferred after a transient conflict goes first into the next batch.
    """

    def __init__(self, run_db, process_many, max_batch: int = 200):
        self._run_db = run_db
        self._process_many = process_many
        self._max_batch = max_batch
        self._queue: list[tuple[Inbound, asyncio.Future]] = []
        self._running: asyncio.Task | None = None

    async def submit(self, inbound: Inbound) -> Result:
        future = asyncio.get_running_loop().create_future()
        self._queue.append((inbound, future))
        if self._running is None:
            self._running = asyncio.create_task(self._drain(), name="gridbot-batches")
        return await future

    @property
    def idle(self) -> bool:
        return self._running is None and not self._queue

    async def _drain(self) -> None:
        queue = self._queue
        try:
            while queue:
                await asyncio.sleep(0)  # let the updates fetched with this one join its batch
                batch = queue[: self._max_batch]
                del queue[: len(batch)]
                try:
                    results = await self._run_db(self._process_many, [inbound for inbound, _ in batch])
                    if len(results) != len(batch):
                        raise RuntimeError(f"{len(results)} results for a batch of {len(batch)}")
                except Exception as exc:  # process_many keeps failures to itself; this is a last resort
                    for _, future in batch:
                        if not future.done():
                            future.set_exception(exc)
                    continue
                again = [item for item, result in zip(batch, results, strict=True) if result is None]
                queue[:0] = again  # a transient conflict: first in line for the next batch, order kept
                for (_, future), result in zip(batch, results, strict=True):
                    if result is not None and not future.done():
                        future.set_result(result)
                if again:
                    await asyncio.sleep(0.05)
        finally:
            self._running = None


class TelegramRuntime:
    """Everything `gridbot run` runs, in one object that tests and the demo drive too."""

    def __init__(
        self,
        config: Config,
        *,
        classifier=None,
        clock: Clock = utcnow,
        base_url: str | None = None,
        base_file_url: str | None = None,
        token: str | None = None,
    ):
        self.config = config
        self.clock = clock
        self.engine = create_db_engine(config.database.url)
        migrate(self.engine)
        self.sessions = session_factory(self.engine)
        # SQLite takes one writer at a time: one database thread keeps the event loop free without lock fights.
        # PostgreSQL: one batch at a time plus threads for the sender and the schedules. The work is Python
        # (the GIL), so more threads only starve the event loop: with 8 batch lanes a 1,000-message burst was
        # stored slower (18.5 s against 14.7-16.1 s) and replies met 47 × 429 as sends left in bunches.
        workers = 1 if is_sqlite(self.engine) else 3
        self.executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="gridbot-db")
        if classifier is None:
            from bot.understanding import build_classifier

            classifier = build_classifier(config)
        self.core = Core(config, self.sessions, classifier, clock)
        self.app = build_application(config, self, base_url=base_url, base_file_url=base_file_url, token=token)
        self.api_host = urlsplit(base_url or config.telegram.base_url).netloc  # for messages: never the token
        self.channel = TelegramChannel(self.app.bot)
        self.sender = OutboxSender(self.sessions, self.channel, config, self.run_db, clock)
        self.scheduler = Scheduler(config, self.sessions, self.run_db, clock, self.sender.poke)
        self.warnings: list[str] = []
        self._tasks: list[asyncio.Task] = []
        self._stopped = False
        self.batcher = Batcher(self.run_db, self.core.process_many)

    async def run_db(self, fn, *args):
        """Run blocking database work off the event loop."""
        return await asyncio.get_running_loop().run_in_executor(self.executor, fn, *args)

    def _convert(self, update: Update):
        """The neutral form of an update; one that cannot be read is logged and skipped, never blocks the rest."""
        try:
            return to_inbound(update, self.app.bot.bot)
        except Exception:
            log.exception("could not read update %s; skipped", update.update_id)
            return None

    async def store_updates(self, updates: Sequence[Update]) -> None:
        inbounds = [i for i in (self._convert(u) for u in updates) if i is not None]
        await self.run_db(self.core.accept, inbounds)

    async def handle_update(self, update: Update) -> Result | None:
        inbound = self._convert(update)
        if inbound is None:
            return None
        result = await self.batcher.submit(inbound)
        if result.outbounds:
            self.sender.poke()
        return result

    async def settle(self, timeout: float = 15.0) -> bool:
        """Wait until every fetched update is processed and every due send is delivered (demo, tests, benches)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while loop.time() < deadline:
            pending = await self.run_db(self.core.pending)
            if not pending and self.app.update_queue.empty():
                if await self.sender.drain(timeout=max(0.1, deadline - loop.time())):
                    if not await self.run_db(self.core.pending):
                        return True
            await asyncio.sleep(0.02)
        return False

    async def _connect(self) -> None:
        """Initialize the Application (its first call, getMe, checks the token), retrying while the Bot API cannot
        be reached: after a reboot the bot often starts before the network is up.

        PTB retries initialize() only inside run_polling/run_webhook, which would own the event loop and the
        shutdown that this runtime orders itself, and logs those tries at debug level only; hence this loop.
        PTB's own bootstrap_retries covers the deleteWebhook that start_polling sends next. A rejected token
        (InvalidToken) is not a network error and is raised at once; so is any other answer of the Bot API (a 429
        is retried by the rate limiter).
        """
        retries = self.config.telegram.start_retries
        for attempt in range(1, retries + 2):
            try:
                await self.app.initialize()
                return
            except NetworkError as exc:  # unreachable, timed out (TimedOut), a 5xx of a proxy in between
                if attempt > retries:
                    raise
                delay = min(30.0, 2.0 ** (attempt - 1))
                log.warning(texts.bot_api_retrying(self.api_host, str(exc), delay, attempt, retries))
                await asyncio.sleep(delay)

    async def start(self, *, polling: bool = True, poll_timeout: int = 10) -> None:
        await self._connect()
        self._check_privacy()
        self._check_moved_groups()
        for gap in calendar_gaps(self.config, self.clock().astimezone(self.config.tz).date()):
            self.warnings.append(gap)
            log.warning(gap)
        try:
            await self.app.bot.set_my_commands(COMMAND_MENU)
        except TelegramError as exc:
            log.warning("could not set the command menu: %s", exc)
        for grid_id, count in (await self.run_db(self.core.orphaned_grids)).items():
            self.warnings.append(ORPHANED_HINT.format(count=count, grid=grid_id))
            log.warning(self.warnings[-1])
        for (user_id, name), numbers in (await self.run_db(self.core.stranded_tickets)).items():
            listed = ", ".join(f"#{n}" for n in numbers)
            self.warnings.append(STRANDED_HINT.format(numbers=listed, name=name, user_id=user_id))
            log.warning(self.warnings[-1])
        recovered = await self.run_db(self.core.recover)
        if recovered:
            log.info("processed %d inbox messages left over from the last run", recovered)
        backlog = await self._waiting_updates()
        await self.app.start()
        self._tasks.append(asyncio.create_task(self.sender.run(), name="gridbot-outbox"))
        if polling and self.config.telegram.mode == "webhook":
            await self.app.updater.start_webhook(
                listen=self.config.telegram.webhook_listen,
                port=self.config.telegram.webhook_port,
                webhook_url=self.config.telegram.webhook_url,
                # Served at the public URL's path (a reverse proxy in front usually keeps it).
                url_path=urlsplit(self.config.telegram.webhook_url).path.lstrip("/"),
                secret_token=self.config.telegram.webhook_secret or None,
                allowed_updates=Update.ALL_TYPES,
            )
        elif polling:
            await self.app.updater.start_polling(
                poll_interval=0,
                timeout=poll_timeout,
                allowed_updates=Update.ALL_TYPES,
                bootstrap_retries=self.config.telegram.start_retries,
            )
        if backlog:
            await self._take_in_backlog()
        # Schedules start once residents are being served: the catch-up tick can be long on a county database.
        await self.scheduler.start()

    async def _waiting_updates(self) -> int:
        """How many updates Telegram holds for the bot from while it was down."""
        try:
            return (await self.app.bot.get_webhook_info()).pending_update_count
        except TelegramError as exc:
            log.warning("could not ask Telegram for the updates waiting: %s", exc)
            return 0

    async def _take_in_backlog(self, timeout: float = BACKLOG_WAIT) -> None:
        """What was said while the bot was down is handled before the catch-up tick: a 办结 sent before its deadline
        must not be chased, escalated and counted late first. Capped, so a flood cannot hold the schedules back."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while loop.time() < deadline:
            if (
                self.app.update_queue.empty()
                and self.batcher.idle
                and not await self.run_db(self.core.pending)
                and not await self._waiting_updates()
            ):
                return
            await asyncio.sleep(0.2)
        log.warning("updates from while the bot was down still being handled after %.0f s; schedules start", timeout)

    def _check_moved_groups(self) -> None:
        """A grid whose group was upgraded is served under its new id, but the config should say so."""
        for grid in self.config.grids:
            now = self.config.current_chat(grid.chat_id)
            if now != grid.chat_id:
                self.warnings.append(MOVED_HINT.format(grid=grid.id, old=grid.chat_id, new=now))
                log.warning(self.warnings[-1])

    def _check_privacy(self) -> None:
        me = self.app.bot.bot
        reading_all = [g.id for g in self.config.grids if self.config.intake_mode(g) == "all"]
        if reading_all and not me.can_read_all_group_messages:
            self.warnings.append(PRIVACY_HINT.format(grids=", ".join(reading_all)))
            log.warning(self.warnings[-1])

    async def stop(self, drain: bool = True) -> None:
        """Stop polling and schedules; deliver what is due (briefly) unless told not to, then close everything."""
        if self._stopped:
            return
        self._stopped = True
        if self.app.updater is not None and self.app.updater.running:
            await self.app.updater.stop()
        await self.scheduler.stop()
        if drain:
            await self.sender.drain(timeout=5)
        await self.sender.stop(drain_timeout=5 if drain else 0)
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self.app.running:
            await self.app.stop()
        await self.app.shutdown()
        self.executor.shutdown(wait=True)
        self.engine.dispose()

    async def __aenter__(self) -> TelegramRuntime:
        await self.start()
        return self

    async def __aexit__(self, *exc) -> None:
        await self.stop()
