"""Turning schedules into reminders exactly once per occurrence, across restarts.

The schedules table is the source of truth. `bot.core.schedule` is the one calendar: it
alone says when a schedule fires next (time zones, DST gaps and folds, day sets). Each
enabled schedule has one timer in a heap at its next fire instant (`timers.TimerHeap`);
when it fires, the occurrence is delivered and the next one armed. An occurrence is
(schedule, local date, kind). Before anything is posted it is claimed in the deliveries
table (unique key), so a restart, a catch-up racing a timer, or a second process can
never post it twice.

A reminder is marked late ("A bit late") when the bot picks it up more than `LATE_AFTER`
after its time: after a restart or a stalled process. Waiting in the send line behind
other servers' reminders (Discord's rate limit) never makes one late.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import partial
from typing import Any, Protocol, TypeVar
from zoneinfo import ZoneInfo

from bot.core.reminders import DeliveryState, Kind, ReminderPart, compose, dm_text, is_dm_of
from bot.core.schedule import next_fires, next_occurrences, occurrences_between
from bot.core.shards import EVERYTHING, ShardScope
from bot.reminders import catch_up as catch_up_plan
from bot.reminders.poster import Poster, PostFailed
from bot.reminders.sender import FIRST, FOLLOW_UP, Sender
from bot.reminders.timers import Timer, TimerHeap
from bot.store import MemberNudge, Schedule, Store
from bot.store.sql import nudges as nudges_sql
from bot.store.sql.deliveries import STALE_CLAIM
from bot.usecases.quote_book import QuoteBook

log = logging.getLogger(__name__)

LOOKBACK = timedelta(days=7)  # how far back start-up looks for occurrences to mark missed
LATE_AFTER = timedelta(minutes=1)
# `fire(schedule_id)` delivers the latest occurrence due up to this long from now.
FIRE_TOLERANCE = timedelta(seconds=5)
# Schedules armed or caught up per step; the event loop gets a turn between steps.
BATCH = 500

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class _Due:
    """A timer's payload: the occurrence it fires for (with the schedule as it was armed;
    any change to a schedule re-arms it)."""

    schedule: Schedule
    day: date
    fire_at: datetime
    kind: Kind


@dataclass(slots=True)
class _Attempt:
    """One delivery as it goes: claimed once, then its parts posted one by one."""

    schedule: Schedule
    day: date
    fire_at: datetime
    kind: Kind
    late: bool
    take_over: bool
    claimed: bool = False
    skipped: bool = False
    parts: list[ReminderPart] = field(default_factory=list)
    quote: Any = None
    sent: list[int] = field(default_factory=list)  # message ids of the parts already out
    # An earlier attempt may have reached Discord (a crash after the post, a timeout):
    # before posting again, look for what it posted.
    look_first: bool = False
    adopted: dict[str, int] = field(default_factory=dict)  # marker -> message id found
    dms: list[MemberNudge] = field(default_factory=list)  # members reached by DM instead
    dms_may_have_gone: bool = False  # an earlier attempt may have sent some of them


class DeliveryObserver(Protocol):
    """Told how each occurrence ended (the metrics); called in the engine's own turn, so
    it must not block. `outcome`: sent, late (sent more than LATE_AFTER after its time),
    failed or missed; `kind`: a Kind value."""

    def __call__(self, kind: str, outcome: str, count: int) -> None: ...


def _unobserved(kind: str, outcome: str, count: int) -> None:
    pass


def _batches(items: Sequence[T]) -> Iterator[Sequence[T]]:
    size = BATCH  # read here, so a test can make batches small
    for start in range(0, len(items), size):
        yield items[start : start + size]


class ReminderEngine:
    def __init__(
        self,
        store: Store,
        poster: Poster,
        quotes: QuoteBook,
        *,
        clock: Callable[[], datetime],
        catchup_minutes: int,
        sends_per_second: float | None = None,
        retry_delay: float = 2.0,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        stop_grace: float = 5.0,
        shards: ShardScope = EVERYTHING,
    ) -> None:
        self.store = store
        # The servers whose timed deliveries are this process's (all, unless sharded), and
        # whether no other live process holds any of them (bot.store.coordination): only
        # then are claims a crash left `sending` taken over at start-up without waiting.
        self.shards = shards
        self.sole_owner = True
        self.poster = poster
        self.quotes = quotes
        self.clock = clock
        self.window = timedelta(minutes=catchup_minutes)
        self.timers = TimerHeap(clock, self._on_due)
        self.sender = Sender(cap_per_second=sends_per_second)
        self._broken: set[int] = set()  # schedules already reported as unusable
        self._retry_delay = retry_delay
        self._running: set[asyncio.Task[object]] = set()
        self.stop_grace = stop_grace  # seconds a shutdown waits for deliveries under way
        self._sleep = sleep
        self.observe: DeliveryObserver = _unobserved

    def _missed(
        self, occurrences: Sequence[tuple[int, date, str, datetime]], recorded: int
    ) -> None:
        """Tell the observer about missed occurrences; by kind when every one was recorded
        (a row already there is not counted again), else under "mixed"."""
        if recorded <= 0:
            return
        kinds = {kind for _, _, kind, _ in occurrences}
        if recorded == len(occurrences) or len(kinds) == 1:
            for kind in kinds:
                count = sum(1 for _, _, k, _ in occurrences if k == kind)
                self.observe(str(kind), "missed", min(count, recorded))
        else:
            self.observe("mixed", "missed", recorded)

    # --- life cycle ---------------------------------------------------------------

    async def start(self) -> None:
        """Arm every enabled schedule, start firing, then catch up what was missed."""
        now = self.clock()
        enabled = await self.store.schedules(enabled_only=True, scope=self.shards)
        armed = await self.arm_all(enabled, now)
        log.info("reminders armed for %d schedules", armed)
        self.sender.start()
        self.timers.start()
        # Occurrences up to `now` are the catch-up's; the timers only hold later ones.
        await self.catch_up(enabled, now=now)
        if not self.sole_owner:
            # Claims another process may still be sending were left alone: once they are
            # stale, whatever a crash cut short is sent (one look for an earlier post
            # first), and what the other process sent is skipped.
            again = now + STALE_CLAIM + timedelta(seconds=5)
            self.timers.set(_CATCH_UP_AGAIN, again, lambda: self._spawn(self.catch_up(enabled)))

    @property
    def running(self) -> bool:
        """True between start() and stop(): the timers are firing."""
        return self.timers.running

    async def stop(self) -> None:
        """Stop firing, give deliveries under way a moment to finish, then cut them off.

        One cut off mid-send is left `sending` and is taken over by the next start-up's
        catch-up, which first looks in the channel for what already went out.
        """
        await self.timers.stop()
        if self._running:
            _, unfinished = await asyncio.wait(set(self._running), timeout=self.stop_grace)
            for task in unfinished:
                task.cancel()
            await asyncio.gather(*unfinished, return_exceptions=True)
        await self.sender.stop()

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
        except Exception:  # one delivery's failure is logged; the others go on
            log.exception("a reminder delivery failed")
        finally:
            self._running.discard(task)

    def _spawn(self, work: Awaitable[object]) -> asyncio.Task[None]:
        return asyncio.create_task(self._as_job(work))

    # --- arming -------------------------------------------------------------------

    def _zone(self, schedule: Schedule) -> ZoneInfo | None:
        try:
            return ZoneInfo(schedule.timezone)
        except (ValueError, KeyError) as error:  # ZoneInfoNotFoundError is a KeyError
            self._report_broken(schedule, f"unknown time zone {schedule.timezone!r} ({error})")
            return None

    def _report_broken(self, schedule: Schedule, why: str) -> None:
        if schedule.id not in self._broken:
            self._broken.add(schedule.id)
            log.warning("reminder schedule %s is skipped: %s", schedule.id, why)

    def _next(self, schedule: Schedule, after: datetime) -> tuple[datetime, _Due] | None:
        zone = self._zone(schedule)
        if zone is None:
            return None
        try:
            fires = occurrences_after(schedule, zone, after)
        except ValueError as error:
            self._report_broken(schedule, str(error))
            return None
        if fires is None:
            return None
        day, at = fires
        return at, _Due(schedule, day, at, Kind.REMINDER)

    def arm(self, schedule: Schedule, *, after: datetime | None = None) -> None:
        """(Re)arm the schedule's timer at its next fire; a disabled one gets none."""
        if not schedule.enabled:
            self.disarm(schedule.id)
            return
        upcoming = self._next(schedule, after or self.clock())
        if upcoming is None:
            self.disarm(schedule.id)
            return
        at, due = upcoming
        self.timers.set(_reminder_key(schedule.id), at, due)

    async def resume(self, schedule: Schedule) -> None:
        """Arm a schedule enabled again after a pause, from now on. What fell due while it
        was paused (the occurrence Discord refused among them) is recorded missed: the
        running bot never sends it, and a restart's catch-up must not either."""
        now = self.clock()
        zone = self._zone(schedule)
        if zone is not None:
            nudge = timedelta(hours=schedule.nudge_hours or 0)
            since = now - self.window
            owed: list[tuple[int, date, str, datetime]] = []
            start = max(since - nudge, schedule.created_at)
            for day, fire_at in occurrences_between(schedule.days, schedule.at, zone, start, now):
                if fire_at >= since:
                    owed.append((schedule.id, day, Kind.REMINDER, fire_at))
                if schedule.nudge_hours and since <= fire_at + nudge <= now:
                    owed.append((schedule.id, day, Kind.NUDGE, fire_at + nudge))
            if owed:  # a `sent` row stays as it is
                self._missed(owed, await self.store.record_missed_many(owed, now))
        self.arm(schedule)

    async def arm_all(self, schedules: Sequence[Schedule], now: datetime) -> int:
        """Arm many schedules in batches, giving the event loop a turn between batches."""
        armed = 0
        for batch in _batches(schedules):
            entries = []
            for schedule in batch:
                upcoming = self._next(schedule, now) if schedule.enabled else None
                if upcoming is None:
                    continue
                at, due = upcoming
                entries.append((_reminder_key(schedule.id), at, due))
            self.timers.set_many(entries)
            armed += len(entries)
            await asyncio.sleep(0)
        return armed

    def disarm(self, schedule_id: int) -> None:
        self.timers.cancel(_reminder_key(schedule_id))
        self.timers.cancel_where(lambda key: _is_nudge_of(key, schedule_id))

    def _arm_nudge(self, schedule: Schedule, day: date, at: datetime) -> None:
        self.timers.set(_nudge_key(schedule.id, day), at, _Due(schedule, day, at, Kind.NUDGE))

    def next_fire_times(self, schedule: Schedule, count: int = 3) -> list[datetime]:
        zone = self._zone(schedule)
        if zone is None:
            return []
        return next_fires(schedule.days, schedule.at, zone, self.clock(), count)

    def armed_at(self, schedule_id: int) -> datetime | None:
        """When the schedule's timer fires next (None when it has none)."""
        return self.timers.when(_reminder_key(schedule_id))

    def nudge_armed_at(self, schedule_id: int, day: date) -> datetime | None:
        """When the nudge for that occurrence fires (None when none is armed)."""
        return self.timers.when(_nudge_key(schedule_id, day))

    # --- firing -------------------------------------------------------------------

    def _on_due(self, timers: list[Timer]) -> list[asyncio.Task[None]]:
        """Deliver what is due and arm each schedule's next occurrence."""
        picked_up = self.clock()
        started = []
        for timer in timers:
            if not isinstance(timer.payload, _Due):  # another kind of timer (the weekly loop)
                timer.payload()
                continue
            due: _Due = timer.payload
            if due.kind is Kind.REMINDER:
                self.arm(due.schedule, after=due.fire_at)
            started.append(self._spawn(self._fire_occurrence(due, picked_up)))
        return started

    async def run_due(self) -> None:
        """Deliver everything due now and wait for it (the timer task does this by itself;
        tests with a hand-moved clock call it)."""
        await asyncio.gather(*self._on_due(self.timers.pop_due()))

    async def _fire_occurrence(self, due: _Due, picked_up: datetime) -> None:
        schedule = due.schedule
        if due.kind is Kind.NUDGE and not await self._nudge_still_wanted(schedule, due.day):
            return
        if picked_up - due.fire_at > self.window:
            # The process was stalled or asleep past the whole window.
            if await self.store.record_missed(
                schedule.id, due.day, due.kind, due.fire_at, picked_up
            ):
                self.observe(str(due.kind), "missed", 1)
            return
        await self.deliver(schedule, due.day, due.fire_at, due.kind, picked_up=picked_up)

    async def _nudge_still_wanted(self, schedule: Schedule, day: date) -> bool:
        if schedule.nudge_hours is None:
            return False
        main = await self.store.delivery(schedule.id, day, Kind.REMINDER)
        return main is not None and main.state == DeliveryState.SENT

    async def fire(self, schedule_id: int) -> None:
        """Deliver the schedule's latest occurrence due by now (a timer firing by hand)."""
        await self._as_job(self._fire(schedule_id))

    async def _fire(self, schedule_id: int) -> None:
        schedule = await self.store.schedule(schedule_id)
        if schedule is None or not schedule.enabled:
            return
        zone = self._zone(schedule)
        if zone is None:
            return
        now = self.clock()
        due = occurrences_between(
            schedule.days,
            schedule.at,
            zone,
            now - self.window - timedelta(days=1),
            now + FIRE_TOLERANCE,
        )
        if not due:
            log.warning("schedule %s fired with no occurrence due at %s", schedule_id, now)
            return
        day, fire_at = due[-1]
        await self.deliver(schedule, day, fire_at, Kind.REMINDER, picked_up=now)

    async def fire_nudge(self, schedule_id: int, day: date) -> None:
        await self._as_job(self._fire_nudge(schedule_id, day))

    async def _fire_nudge(self, schedule_id: int, day: date) -> None:
        schedule = await self.store.schedule(schedule_id)
        if schedule is None or not schedule.enabled or schedule.nudge_hours is None:
            return
        main = await self.store.delivery(schedule_id, day, Kind.REMINDER)
        if main is None or main.state != DeliveryState.SENT:
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
        picked_up: datetime | None = None,
    ) -> DeliveryState | None:
        """Claim, post and record one occurrence; returns the state it ended in (None:
        nothing to do, another process or an earlier run has it)."""
        picked_up = picked_up or self.clock()
        attempt = _Attempt(
            schedule,
            day,
            fire_at,
            kind,
            late=picked_up - fire_at > LATE_AFTER,
            take_over=take_over,
        )
        deadline = fire_at + self.window
        delay = self._retry_delay
        while True:
            try:
                # The claim happens in the same turn as the first post, so an occurrence
                # is never claimed long before its message can leave.
                while not await self.sender.submit(
                    partial(self._post_next_part, attempt),
                    priority=FIRST if kind is Kind.REMINDER and not attempt.sent else FOLLOW_UP,
                ):
                    pass
                break
            except Exception as error:  # PostFailed, or a bug worth retrying past
                failure = (
                    error
                    if isinstance(error, PostFailed)
                    else PostFailed(f"unexpected {type(error).__name__}", permanent=False)
                )
                if not isinstance(error, PostFailed):
                    log.exception("posting schedule %s failed unexpectedly", schedule.id)
                if not attempt.claimed:
                    raise  # nothing is ours to record: the claim itself failed
                # Whether a failed post reached Discord is unknown (a timeout, a 5xx):
                # the next try looks first.
                attempt.look_first = True
                if failure.permanent:
                    await self._fail_permanently(schedule, day, kind, failure)
                    self.observe(str(kind), "failed", 1)
                    await self._send_dms(attempt)
                    return DeliveryState.FAILED
                if self.clock() + timedelta(seconds=delay) > deadline:
                    log.warning("giving up on schedule %s %s: %s", schedule.id, day, failure)
                    await self.store.finish_delivery(
                        schedule.id,
                        day,
                        kind,
                        DeliveryState.FAILED,
                        self.clock(),
                        error=failure.reason,
                    )
                    self.observe(str(kind), "failed", 1)
                    await self._send_dms(attempt)
                    return DeliveryState.FAILED
                log.info("retrying schedule %s in %.0fs: %s", schedule.id, delay, failure)
                await self._sleep(delay)
                delay = min(delay * 2, 300)
        if attempt.skipped:
            return None
        await self._send_dms(attempt)
        message_id = attempt.sent[0] if attempt.sent else None
        recorded = await self.store.finish_delivery(
            schedule.id, day, kind, DeliveryState.SENT, self.clock(), message_id=message_id
        )
        self.observe(str(kind), "late" if attempt.late else "sent", 1)
        # Not recorded: the schedule was removed while this went out; it gets no nudge.
        if recorded and kind is Kind.REMINDER and schedule.nudge_hours:
            nudge_at = fire_at + timedelta(hours=schedule.nudge_hours)
            now = self.clock()
            if nudge_at > now:
                self._arm_nudge(schedule, day, nudge_at)
            else:
                # The reminder itself went out after its nudge was due: a nudge now would
                # ping the same people twice within a second.
                if await self.store.record_missed(schedule.id, day, Kind.NUDGE, nudge_at, now):
                    self.observe(str(Kind.NUDGE), "missed", 1)
        return DeliveryState.SENT

    async def _post_next_part(self, attempt: _Attempt) -> bool:
        """One turn in the send line: claim (the first time), then post the next part.
        Returns whether the delivery is done (everything posted, or nothing to do)."""
        if not attempt.claimed and not await self._claim(attempt):
            attempt.skipped = True
            return True
        if attempt.look_first:
            await self._look_for_earlier_posts(attempt)
            return False  # the look took this turn in the send line
        if len(attempt.sent) < len(attempt.parts):
            part = attempt.parts[len(attempt.sent)]
            adopted = attempt.adopted.get(part.nonce) if part.nonce else None
            if adopted is not None:
                attempt.sent.append(adopted)
            else:
                quote = attempt.quote if part.first else None
                posted = await self.poster.post(attempt.schedule.channel_id, part, quote)
                attempt.sent.append(posted)
        return len(attempt.sent) >= len(attempt.parts)

    async def _look_for_earlier_posts(self, attempt: _Attempt) -> None:
        """Find the parts an earlier attempt already posted, so they are adopted rather
        than posted twice. Discord's nonce check would drop a repeat too, but only for a
        few minutes; this holds however long the bot was down."""
        markers = [p.nonce for p in attempt.parts[len(attempt.sent) :] if p.nonce is not None]
        found = await self.poster.find_posted(attempt.schedule.channel_id, attempt.fire_at, markers)
        attempt.look_first = False
        attempt.adopted.update(found)
        if found:
            log.info(
                "schedule %s %s: %d message(s) of an earlier attempt found, not posted again",
                attempt.schedule.id,
                attempt.day,
                len(found),
            )

    async def _claim(self, attempt: _Attempt) -> bool:
        schedule = attempt.schedule
        if attempt.kind is Kind.REMINDER:
            attempt.quote = await self.quotes.pick(schedule.guild_id, schedule.channel_id)
        # The claim and the list of members to ping are one transaction: a claim is never
        # left behind without the message it promises.
        claim = await self.store.claim_with_targets(
            schedule.id,
            schedule.guild_id,
            attempt.day,
            attempt.kind,
            attempt.fire_at,
            self.clock(),
            take_over=attempt.take_over,
        )
        if claim is None:
            return False
        attempt.look_first = claim.may_have_posted
        attempt.dms = claim.dms
        attempt.dms_may_have_gone = claim.may_have_posted
        attempt.parts = compose(
            schedule.id,
            attempt.day,
            attempt.kind,
            claim.targets,
            schedule.role_id,
            broadcast=schedule.broadcast,
            late=attempt.late,
        )
        attempt.claimed = True
        return True

    async def _send_dms(self, attempt: _Attempt) -> None:
        """The claimed DMs of an occurrence, each once: one whose earlier attempt may have
        gone out is looked for first; one Discord refuses (closed DMs) is recorded failed
        and never retried."""
        if not attempt.dms:
            return
        server = await self.poster.guild_name(attempt.schedule.guild_id)
        text = dm_text(attempt.kind, server, late=attempt.late)
        is_it = partial(is_dm_of, kind=attempt.kind, server=server)
        for nudge in attempt.dms:
            state, message_id, error = DeliveryState.SENT, None, None
            try:
                if attempt.dms_may_have_gone:
                    message_id = await self.poster.find_dm(nudge.user_id, attempt.fire_at, is_it)
                if message_id is None:
                    message_id = await self.sender.submit(
                        partial(self.poster.dm, nudge.user_id, text), priority=FOLLOW_UP
                    )
            except PostFailed as failure:
                state, error = DeliveryState.FAILED, failure.reason
            now = self.clock()
            await self.store.run(
                partial(
                    nudges_sql.finish,
                    nudge=nudge,
                    state=state,
                    now=now,
                    message_id=message_id,
                    error=error,
                )
            )
        attempt.dms = []

    async def _fail_permanently(
        self, schedule: Schedule, day: date, kind: Kind, failure: PostFailed
    ) -> None:
        now = self.clock()
        await self.store.finish_delivery(
            schedule.id, day, kind, DeliveryState.FAILED, now, error=failure.reason
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
            send = partial(self.poster.post, schedule.channel_id, part, quote)
            await self.sender.submit(send, priority=FIRST if part.first else FOLLOW_UP)

    # --- catch-up -----------------------------------------------------------------------

    async def catch_up(self, schedules: Sequence[Schedule], *, now: datetime | None = None) -> None:
        """At start-up: send what fell due within the window while we were away (taking
        over claims a crash left behind); record older occurrences as missed. One read of
        the deliveries table per batch of schedules, however long their history."""
        now = now or self.clock()
        sends: list[asyncio.Task[None]] = []
        for batch in _batches(schedules):
            await asyncio.sleep(0)  # a turn for the loop between batches, owed or not
            due = list(self._due_since_last_week(batch, now))
            if not due:
                continue
            first_day = min(day for _, day, _ in due)
            rows = await self.store.deliveries_since([s.id for s in batch], first_day)
            decided = catch_up_plan.plan(
                due,
                {(r.schedule_id, r.occurrence_day, r.kind): r for r in rows},
                now=now,
                window=self.window,
            )
            if decided.missed:
                missed = [(o.schedule.id, o.day, o.kind, o.fire_at) for o in decided.missed]
                self._missed(missed, await self.store.record_missed_many(missed, now))
            for nudge in decided.arm_nudges:
                self._arm_nudge(nudge.schedule, nudge.day, nudge.fire_at)
            for occurrence in decided.send:
                work = self.deliver(
                    occurrence.schedule,
                    occurrence.day,
                    occurrence.fire_at,
                    occurrence.kind,
                    take_over=self.sole_owner,
                    picked_up=now,
                )
                sends.append(self._spawn(work))
        await asyncio.gather(*sends)

    def _due_since_last_week(
        self, schedules: Sequence[Schedule], now: datetime
    ) -> Iterator[tuple[Schedule, date, datetime]]:
        for schedule in schedules:
            zone = self._zone(schedule)
            if zone is None:
                continue
            start = max(now - LOOKBACK, schedule.created_at)
            try:
                found = occurrences_between(schedule.days, schedule.at, zone, start, now)
            except ValueError as error:
                self._report_broken(schedule, str(error))
                continue
            for day, fire_at in found:
                yield schedule, day, fire_at


def occurrences_after(
    schedule: Schedule, zone: ZoneInfo, after: datetime
) -> tuple[date, datetime] | None:
    """The schedule's next occurrence strictly after `after`: (local date, instant)."""
    found = next_occurrences(schedule.days, schedule.at, zone, after, 1)
    return found[0] if found else None


_CATCH_UP_AGAIN = ("catch-up-again",)


def _reminder_key(schedule_id: int) -> tuple[str, int]:
    return ("reminder", schedule_id)


def _nudge_key(schedule_id: int, day: date) -> tuple[str, int, date]:
    return ("nudge", schedule_id, day)


def _is_nudge_of(key: object, schedule_id: int) -> bool:
    return isinstance(key, tuple) and key[0] == "nudge" and key[1] == schedule_id
