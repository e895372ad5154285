"""APScheduler inside the bot's event loop: a steady tick plus cron jobs at each grid's talk-day times.

The jobs hold no state: each run asks Reminders what is due from the database and queues it with
idempotency keys, so jobs are simply rebuilt at every start.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Awaitable, Callable

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy.orm import Session, sessionmaker

from bot.config import Config
from bot.core import queue
from bot.memory import release_freed_memory
from bot.reminders import WEEKDAY_INDEX, Reminders, talk_slot

log = logging.getLogger(__name__)
DAY_NAMES = list(WEEKDAY_INDEX)


CHUNK = 100


def run_due(sessions: sessionmaker[Session], config: Config, now: dt.datetime, grids=None, tickets: bool = True) -> int:
    """Queue what is due at `now` in one transaction; returns how many sends were newly queued."""
    with sessions() as session, session.begin():
        outbounds = Reminders(config).due(session, now, grids, tickets)
        return queue(session, outbounds, now, config)


class Scheduler:
    def __init__(
        self,
        config: Config,
        sessions: sessionmaker[Session],
        run_db: Callable[..., Awaitable],
        clock: Callable[[], dt.datetime],
        poke: Callable[[], None],
        tick_seconds: float = 30.0,
    ):
        self.config = config
        self.sessions = sessions
        self.run_db = run_db
        self.clock = clock
        self.poke = poke
        self.tick_seconds = tick_seconds
        self.aps = AsyncIOScheduler(timezone=config.tz)

    def jobs(self) -> list[tuple[str, object]]:
        """(id, trigger) for every job: the tick and the notice and agenda time of each talk-day slot."""
        jobs: list[tuple[str, object]] = [("tick", IntervalTrigger(seconds=self.tick_seconds, timezone=self.config.tz))]
        # One job per distinct talk-day slot, not per grid: a county has thousands of grids and a few slots.
        slots = sorted({talk_slot(self.config, grid) for grid in self.config.grids})
        for weekday, at in slots:
            slot = f"{DAY_NAMES[weekday]}-{at:%H%M}"
            notice = self.config.talk_day.notice_time
            # Day names, not numbers: CronTrigger and cron number weekdays differently.
            jobs.append(
                (
                    f"agenda:{slot}",
                    CronTrigger(
                        day_of_week=DAY_NAMES[weekday],
                        hour=at.hour,
                        minute=at.minute,
                        timezone=self.config.tz,
                    ),
                )
            )
            jobs.append(
                (
                    f"notice:{slot}",
                    CronTrigger(
                        day_of_week=DAY_NAMES[(weekday - 1) % 7],
                        hour=notice.hour,
                        minute=notice.minute,
                        timezone=self.config.tz,
                    ),
                )
            )
        return jobs

    async def tick(self) -> int:
        """Queue what is due, a chunk of grids per short transaction so that sending starts at once."""
        now = self.clock()
        queued = 0
        try:
            grids = list(self.config.grids)
            for start in range(0, len(grids), CHUNK):
                chunk = grids[start : start + CHUNK]
                done = await self.run_db(run_due, self.sessions, self.config, now, chunk, False)
                if done:
                    self.poke()
                queued += done
            queued += await self.run_db(run_due, self.sessions, self.config, now, [], True)
            release_freed_memory()  # a county's tick loads tens of thousands of tickets, then drops them
        except Exception:
            log.exception("scheduled tick failed; it runs again at the next tick")
            return 0
        if queued:
            log.info("queued %d scheduled sends", queued)
            self.poke()
        return queued

    async def start(self) -> None:
        for job_id, trigger in self.jobs():
            self.aps.add_job(
                self.tick, trigger, id=job_id, replace_existing=True, coalesce=True, misfire_grace_time=300
            )
        self.aps.start()
        await self.tick()  # catch up at once on anything missed while the bot was down

    async def stop(self) -> None:
        if self.aps.running:
            self.aps.shutdown(wait=False)
