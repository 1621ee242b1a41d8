"""Turning schedules into reminders exactly once per occurrence, across restarts.

The schedules table is the source of truth; APScheduler only holds in-memory jobs built
from it. An occurrence is (schedule, local date, kind). Before anything is posted the
occurrence is claimed in the deliveries table (unique key), so a second fire on the DST
fall-back day, a restart, or a catch-up racing a job can never post it twice.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import date, datetime, timedelta
from functools import partial
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.core.reminders import Kind, compose
from bot.core.schedule import cron_day_of_week, next_fires, occurrences_between
from bot.reminders.pacing import SendQueue
from bot.reminders.poster import Poster, PostFailed
from bot.store import Schedule, Store
from bot.usecases.quotes import QuoteBook

log = logging.getLogger(__name__)

LOOKBACK = timedelta(days=7)  # how far back start-up looks for occurrences to mark missed
LATE_AFTER = timedelta(minutes=1)
# APScheduler calls a job a little after its time; the occurrence is the latest one due.
FIRE_TOLERANCE = timedelta(seconds=5)
SWEEP_EVERY = timedelta(minutes=1)
SWEEP_GRACE = timedelta(seconds=30)


class ReminderEngine:
    def __init__(
        self,
        store: Store,
        poster: Poster,
        quotes: QuoteBook,
        *,
        clock: Callable[[], datetime],
        catchup_minutes: int,
        sends_per_second: float,
        scheduler: AsyncIOScheduler | None = None,
        retry_delay: float = 2.0,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        stop_grace: float = 5.0,
    ) -> None:
        self.store = store
        self.poster = poster
        self.quotes = quotes
        self.clock = clock
        self.window = timedelta(minutes=catchup_minutes)
        self.scheduler = scheduler or AsyncIOScheduler(timezone="UTC")
        self.queue = SendQueue(sends_per_second)
        self._retry_delay = retry_delay
        self._running: set[asyncio.Task[object]] = set()
        self._stop_grace = stop_grace  # seconds a shutdown waits for deliveries under way
        self._sleep = sleep

    # --- life cycle ---------------------------------------------------------------

    async def start(self) -> None:
        """Build jobs from the table, catch up what was missed, then start firing."""
        enabled = await self.store.schedules(enabled_only=True)
        for schedule in enabled:
            self.arm(schedule)
        await self.catch_up(enabled)
        self.scheduler.add_job(
            self.sweep,
            trigger=IntervalTrigger(seconds=SWEEP_EVERY.total_seconds()),
            id="reminder-sweep",
            replace_existing=True,
            coalesce=True,
            max_instances=1,
        )
        if not self.scheduler.running:
            self.scheduler.start()
        log.info("reminders armed for %d schedules", len(enabled))

    async def stop(self) -> None:
        """Stop firing, give deliveries under way a moment to finish, then cut them off.

        One cut off mid-send is left `sending` and is taken over by the next start-up's
        catch-up (same nonce, so Discord drops a repeat of what already went out).
        """
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        if self._running:
            _, unfinished = await asyncio.wait(set(self._running), timeout=self._stop_grace)
            for task in unfinished:
                task.cancel()
            await asyncio.gather(*unfinished, return_exceptions=True)
        await self.queue.stop()

    async def _as_job(self, work: Awaitable[object]) -> None:
        """Run scheduled work so that stop() can wait for it and a shutdown is quiet."""
        task = asyncio.current_task()
        assert task is not None
        self._running.add(task)
        try:
            await work
        except asyncio.CancelledError:
            # Not an error: the bot is shutting down, and catch-up resumes it.
            log.info("reminder delivery interrupted by shutdown")
        finally:
            self._running.discard(task)

    # --- jobs -----------------------------------------------------------------------

    def arm(self, schedule: Schedule) -> None:
        """(Re)create the schedule's cron job in its own time zone; disabled ones get none."""
        if not schedule.enabled:
            self.disarm(schedule.id)
            return
        trigger = CronTrigger(
            day_of_week=cron_day_of_week(schedule.days),
            hour=schedule.at.hour,
            minute=schedule.at.minute,
            timezone=ZoneInfo(schedule.timezone),
        )
        self.scheduler.add_job(
            self.fire,
            trigger=trigger,
            args=(schedule.id,),
            id=_job_id(schedule.id),
            replace_existing=True,
            coalesce=True,
            max_instances=1,
            # Never APScheduler's 1-second default: a late job is still this occurrence.
            misfire_grace_time=max(int(self.window.total_seconds()), 60),
        )

    def disarm(self, schedule_id: int) -> None:
        prefix = f"nudge:{schedule_id}:"
        for job in self.scheduler.get_jobs():
            if job.id == _job_id(schedule_id) or job.id.startswith(prefix):
                job.remove()

    def _arm_nudge(self, schedule: Schedule, day: date, at: datetime) -> None:
        self.scheduler.add_job(
            self.fire_nudge,
            trigger=DateTrigger(run_date=at),
            args=(schedule.id, day),
            id=f"nudge:{schedule.id}:{day.isoformat()}",
            replace_existing=True,
            misfire_grace_time=max(int(self.window.total_seconds()), 60),
        )

    def next_fire_times(self, schedule: Schedule, count: int = 3) -> list[datetime]:
        return next_fires(
            schedule.days, schedule.at, ZoneInfo(schedule.timezone), self.clock(), count
        )

    async def fire(self, schedule_id: int) -> None:
        """The cron job: deliver the latest due occurrence of the schedule."""
        await self._as_job(self._fire(schedule_id))

    async def _fire(self, schedule_id: int) -> None:
        schedule = await self.store.schedule(schedule_id)
        if schedule is None or not schedule.enabled:
            return
        now = self.clock()
        due = occurrences_between(
            schedule.days,
            schedule.at,
            ZoneInfo(schedule.timezone),
            now - self.window - timedelta(days=1),
            now + FIRE_TOLERANCE,
        )
        if not due:
            log.warning("schedule %s fired with no occurrence due at %s", schedule_id, now)
            return
        day, fire_at = due[-1]
        await self.deliver(schedule, day, fire_at, Kind.REMINDER)

    async def fire_nudge(self, schedule_id: int, day: date) -> None:
        await self._as_job(self._fire_nudge(schedule_id, day))

    async def _fire_nudge(self, schedule_id: int, day: date) -> None:
        schedule = await self.store.schedule(schedule_id)
        if schedule is None or not schedule.enabled or schedule.nudge_hours is None:
            return
        main = await self.store.delivery(schedule_id, day, Kind.REMINDER)
        if main is None or main.state != "sent":
            return
        at = main.fire_at + timedelta(hours=schedule.nudge_hours)
        await self.deliver(schedule, day, at, Kind.NUDGE)

    # --- delivery -------------------------------------------------------------------

    async def deliver(
        self,
        schedule: Schedule,
        day: date,
        fire_at: datetime,
        kind: Kind,
        *,
        take_over: bool = False,
    ) -> str:
        """Claim, post and record one occurrence; returns the resulting state."""
        now = self.clock()
        claimed = await self.store.claim_delivery(
            schedule.id, day, kind, fire_at, now, take_over=take_over
        )
        if claimed is None:
            return "skipped"
        targets = await self.store.reminder_targets(schedule.guild_id, day)
        late = now - fire_at > LATE_AFTER
        parts = compose(
            schedule.id,
            day,
            kind,
            targets,
            schedule.role_id,
            broadcast=schedule.broadcast,
            late=late,
        )
        quote = None
        if kind is Kind.REMINDER:
            quote = await self.quotes.pick(schedule.guild_id, schedule.channel_id)
        deadline = fire_at + self.window
        delay = self._retry_delay
        sent: list[int] = []  # message ids of the parts already out; a retry resumes after
        while True:
            try:
                for part in parts[len(sent) :]:
                    post = partial(self.poster.post, schedule.channel_id, part, quote)
                    sent.append(await self.queue.submit(post))
                break
            except Exception as error:  # PostFailed, or a bug worth retrying past
                failure = (
                    error
                    if isinstance(error, PostFailed)
                    else PostFailed(f"unexpected {type(error).__name__}", permanent=False)
                )
                if not isinstance(error, PostFailed):
                    log.exception("posting schedule %s failed unexpectedly", schedule.id)
                if failure.permanent:
                    await self._fail_permanently(schedule, day, kind, failure)
                    return "failed"
                if self.clock() + timedelta(seconds=delay) > deadline:
                    log.warning("giving up on schedule %s %s: %s", schedule.id, day, failure)
                    await self.store.finish_delivery(
                        schedule.id, day, kind, "failed", self.clock(), error=failure.reason
                    )
                    return "failed"
                log.info("retrying schedule %s in %.0fs: %s", schedule.id, delay, failure)
                await self._sleep(delay)
                delay = min(delay * 2, 300)
        message_id = sent[0] if sent else None
        await self.store.finish_delivery(
            schedule.id, day, kind, "sent", self.clock(), message_id=message_id
        )
        if kind is Kind.REMINDER and schedule.nudge_hours:
            nudge_at = fire_at + timedelta(hours=schedule.nudge_hours)
            if nudge_at > self.clock():
                self._arm_nudge(schedule, day, nudge_at)
        return "sent"

    async def _fail_permanently(
        self, schedule: Schedule, day: date, kind: Kind, failure: PostFailed
    ) -> None:
        now = self.clock()
        await self.store.finish_delivery(
            schedule.id, day, kind, "failed", now, error=failure.reason
        )
        reason = f"can't post in <#{schedule.channel_id}>: {failure.reason}"
        disabled = await self.store.disable_schedule(schedule.id, reason)
        self.disarm(schedule.id)
        if disabled is None:
            return  # already disabled: the admins were told the first time
        log.warning("disabled schedule %s: %s", schedule.id, reason)
        await self.poster.notify_admins(
            schedule.guild_id,
            f"⚠️ Leg day reminder #{schedule.id} is paused: I {reason}. Fix my permissions "
            f"there, then run `/legday-admin schedule enable {schedule.id}`.",
        )

    async def post_test(self, schedule: Schedule) -> None:
        """Post the reminder as it would look now, marked as a test; nothing is recorded."""
        day = self.clock().astimezone(ZoneInfo(schedule.timezone)).date()
        targets = await self.store.reminder_targets(schedule.guild_id, day)
        quote = await self.quotes.pick(schedule.guild_id, schedule.channel_id)
        parts = compose(
            schedule.id,
            day,
            Kind.REMINDER,
            targets,
            schedule.role_id,
            broadcast=schedule.broadcast,
            test=True,
        )
        for part in parts:
            await self.queue.submit(partial(self.poster.post, schedule.channel_id, part, quote))

    # --- catch-up and sweep ------------------------------------------------------------

    async def catch_up(self, schedules: list[Schedule]) -> None:
        """At start-up: send what fell due within the window while we were away (taking
        over claims a crash left behind); record older occurrences as missed."""
        await asyncio.gather(*(self._catch_up_one(s, at_start=True) for s in schedules))

    async def sweep(self) -> None:
        """Every minute: deliver occurrences due within the window that nobody claimed.

        The cron jobs are the fast path; this is the net under them. APScheduler's
        CronTrigger yields no fire at all for a 00:xx schedule on a day whose DST gap
        starts at midnight (Santiago, Havana, Beirut…), and a stalled event loop can
        outlast a job's misfire grace. Claims stay exactly-once either way.
        """
        await self._as_job(self._sweep())

    async def _sweep(self) -> None:
        schedules = await self.store.schedules(enabled_only=True)
        await asyncio.gather(*(self._catch_up_one(s, at_start=False) for s in schedules))

    async def _catch_up_one(self, schedule: Schedule, *, at_start: bool) -> None:
        now = self.clock()
        zone = ZoneInfo(schedule.timezone)
        start = max(now - (LOOKBACK if at_start else self.window), schedule.created_at)
        # Mid-run, leave the last moments to the cron job that is firing right now.
        end = now if at_start else now - SWEEP_GRACE
        for day, fire_at in occurrences_between(schedule.days, schedule.at, zone, start, end):
            await self._settle(schedule, day, fire_at, Kind.REMINDER, now, take_over=at_start)
            if schedule.nudge_hours:
                main = await self.store.delivery(schedule.id, day, Kind.REMINDER)
                if main is None or main.state != "sent":
                    continue
                nudge_at = main.fire_at + timedelta(hours=schedule.nudge_hours)
                if nudge_at > now:
                    self._arm_nudge(schedule, day, nudge_at)
                elif main.updated_at is not None and main.updated_at >= nudge_at:
                    # The reminder itself went out late, after the nudge was due: a nudge
                    # now would ping the same people twice within a second.
                    await self.store.record_missed(schedule.id, day, Kind.NUDGE, nudge_at, now)
                else:
                    await self._settle(schedule, day, nudge_at, Kind.NUDGE, now, take_over=at_start)

    async def _settle(
        self,
        schedule: Schedule,
        day: date,
        fire_at: datetime,
        kind: Kind,
        now: datetime,
        *,
        take_over: bool,
    ) -> None:
        existing = await self.store.delivery(schedule.id, day, kind)
        if existing is not None and (existing.state in {"sent", "missed"} or not take_over):
            return  # done, or (mid-run) in the hands of a live sender
        if fire_at >= now - self.window:
            await self.deliver(schedule, day, fire_at, kind, take_over=take_over)
        else:
            await self.store.record_missed(schedule.id, day, kind, fire_at, now)


def _job_id(schedule_id: int) -> str:
    return f"reminder:{schedule_id}"
