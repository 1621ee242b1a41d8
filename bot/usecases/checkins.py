"""Checking in (command, slash command, buttons), undoing it, and a member's report."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime

from bot.core import days, pauses, streaks
from bot.core.lifts import Lift, NewRecord, parse_lifts
from bot.core.milestones import RoleChange
from bot.core.parsing import parse_checkin_day
from bot.core.streaks import StreakState
from bot.store import GuildConfig, Tx
from bot.store.sql import checkins as checkins_sql
from bot.store.sql import lifts as lifts_sql
from bot.store.sql import summaries as summaries_sql
from bot.store.sql import weekly as weekly_sql
from bot.usecases import lifts, milestones, summaries
from bot.usecases.cache import SettingsCache
from bot.usecases.services import Services


@dataclass(frozen=True, slots=True)
class GroupWeek:
    """The server's progress towards its weekly goal, as of a check-in."""

    total: int
    goal: int
    reached_now: bool  # this check-in reached the goal (and claimed the celebration)


@dataclass(frozen=True, slots=True)
class CheckinOutcome:
    created: bool
    day: date
    today: date
    target: int
    stats: StreakState
    paused: frozenset[int] = frozenset()
    group: GroupWeek | None = None  # None: the server has no goal
    lifts: tuple[Lift, ...] = ()  # read from the note (stored only when `created`)
    records: tuple[NewRecord, ...] = ()
    unit: str = "kg"  # the member's weight unit
    # The milestone-role changes this check-in (or undo) claimed; made after it commits.
    roles: tuple[RoleChange, ...] = ()

    @property
    def earned(self) -> list[RoleChange]:
        """The milestone roles this check-in earned (the reply names them)."""
        return [change for change in self.roles if change.grant]

    @property
    def lost(self) -> list[RoleChange]:
        return [change for change in self.roles if not change.grant]

    @property
    def this_week(self) -> int:
        return streaks.week_progress(self.stats, self.today)

    @property
    def current_streak(self) -> int:
        return streaks.current_streak(self.stats, self.today, self.paused)

    @property
    def shields(self) -> int:
        return streaks.live(self.stats, self.today, self.paused).shields

    @property
    def week_paused(self) -> bool:
        return days.week_index(self.today) in self.paused


@dataclass(frozen=True, slots=True)
class PeriodCounts:
    week: int
    month: int
    year: int
    last_checkin: datetime | None


@dataclass(frozen=True, slots=True)
class MemberReport:
    hidden: bool
    counts: PeriodCounts
    current_streak: int
    best_streak: int
    total: int
    target: int
    shields: int = 0
    shield_every: int = 0  # 0: the server has shields off
    paused_until: date | None = None  # the last day of the member's pause, if paused now
    paused_this_year: int = 0
    pause_cap: int = 0
    group: GroupWeek | None = None
    weight_unit: str = "kg"


def _check_in(
    tx: Tx,
    cache: SettingsCache,
    guild_id: int,
    user_id: int,
    *,
    now: datetime,
    note: str | None,
    source: str,
    day_text: str | None,
    default_zone: str | None,
    channel_id: int | None,
) -> CheckinOutcome:
    context = cache.context(tx, guild_id, user_id)
    zone = days.effective_zone(context.member.timezone, context.guild.timezone, default_zone)
    today = days.local_day(now, zone)
    # How far back a member may log is the parser's rule (a week).
    day = today if day_text is None else parse_checkin_day(day_text, today)
    rules = summaries.Rules.of(context.guild, context.member.paused)
    created = checkins_sql.insert(
        tx, guild_id, user_id, day, created_at=now, note=note, source=source
    )
    unit = context.member.weight_unit
    found = tuple(parse_lifts(note, unit))
    records: tuple[NewRecord, ...] = ()
    if created:
        stats = summaries.record_day(tx, guild_id, user_id, day, rules=rules, zone=zone)
        # Like the note, the sets belong to the check-in that stored it: a repeat keeps none.
        records = tuple(lifts.record_sets(tx, guild_id, user_id, day, found))
    else:
        stats = summaries.to_state(summaries_sql.read(tx, guild_id, user_id))
    group = _group_week(tx, context.guild, today, counted=created and day >= days.week_start(today))
    if group is not None and group.reached_now:
        # The claim is made with the check-in: exactly one check-in of the week gets it.
        claimed = weekly_sql.claim(tx, guild_id, GOAL, days.week_start(today), channel_id, now, now)
        group = replace(group, reached_now=claimed is not None)
    roles: tuple[RoleChange, ...] = ()
    if created:
        streak = streaks.current_streak(stats, today, rules.paused)
        roles = milestones.keep_in_step(tx, cache, guild_id, user_id, streak, now)
    return CheckinOutcome(
        created,
        day,
        today,
        rules.target,
        stats,
        rules.paused,
        group,
        lifts=found,
        records=records,
        unit=unit,
        roles=roles,
    )


GOAL = "goal"


def _group_week(tx: Tx, guild: GuildConfig, today: date, *, counted: bool) -> GroupWeek | None:
    """The server's total this week against its goal; `counted`: a check-in of this week
    was just added, so the goal may have been reached by it."""
    if guild.goal is None:
        return None
    total = weekly_sql.group_total(tx, guild.guild_id, days.week_start(today))
    return GroupWeek(total, guild.goal, reached_now=counted and total >= guild.goal)


async def check_in(
    services: Services,
    guild_id: int,
    user_id: int,
    *,
    note: str | None = None,
    source: str,
    day_text: str | None = None,
    channel_id: int | None = None,
) -> CheckinOutcome:
    """Record the member's today, or the day `day_text` names (`legday log`); a repeat
    changes nothing. One unit of work: the day, the streak, the period counts, the lifts
    in the note (and the records they set), and the
    claim of the goal's celebration when this check-in reached the server's goal (posted
    in `channel_id` by the weekly poster)."""
    now = services.now()
    outcome: CheckinOutcome = await services.store.run(
        lambda tx: _check_in(
            tx,
            services.cache,
            guild_id,
            user_id,
            now=now,
            note=note,
            source=source,
            day_text=day_text,
            default_zone=services.default_zone,
            channel_id=channel_id,
        )
    )
    services.checked_in(source, outcome.created)
    if outcome.group is not None and outcome.group.reached_now and channel_id is not None:
        services.weekly.celebrate(guild_id, days.week_start(outcome.today), channel_id)
    if outcome.roles:
        services.roles.apply(guild_id, user_id)
    return outcome


async def undo_today(services: Services, guild_id: int, user_id: int) -> CheckinOutcome | None:
    """Remove today's check-in; None when there was none."""
    now = services.now()

    def work(tx: Tx) -> CheckinOutcome | None:
        context, zone, today = services.cache.local_today(
            tx, guild_id, user_id, now, services.default_zone
        )
        if not checkins_sql.delete(tx, guild_id, user_id, today):
            return None
        lifts_sql.delete_day(tx, guild_id, user_id, today)
        rules = summaries.Rules.of(context.guild, context.member.paused)
        stats = summaries.unrecord_day(tx, guild_id, user_id, today, rules=rules, zone=zone)
        group = _group_week(tx, context.guild, today, counted=False)
        streak = streaks.current_streak(stats, today, rules.paused)
        roles = milestones.keep_in_step(tx, services.cache, guild_id, user_id, streak, now)
        return CheckinOutcome(
            False, today, today, rules.target, stats, rules.paused, group, roles=roles
        )

    outcome: CheckinOutcome | None = await services.store.run(work)
    if outcome is not None and outcome.roles:
        services.roles.apply(guild_id, user_id)
    return outcome


async def member_report(services: Services, guild_id: int, user_id: int) -> MemberReport:
    """Totals, this week/month/year and streaks, as of the member's own today."""
    now = services.now()

    def work(tx: Tx) -> MemberReport:
        context, _, today = services.cache.local_today(
            tx, guild_id, user_id, now, services.default_zone
        )
        state = summaries.to_state(summaries_sql.read(tx, guild_id, user_id))
        week, month, year = summaries.periods_of(today)
        counts = summaries_sql.period_counts(tx, guild_id, user_id, (week, month, year))
        last = (
            None
            if state.last_day is None
            else checkins_sql.created_at(tx, guild_id, user_id, state.last_day)
        )
        paused = pauses.weeks_of(context.member.paused)
        now_live = streaks.live(state, today, paused)
        guild = context.guild
        return MemberReport(
            hidden=context.member.hidden,
            counts=PeriodCounts(counts[week], counts[month], counts[year], last),
            current_streak=now_live.streak,
            best_streak=state.best,
            total=state.total,
            target=guild.weekly_target,
            shields=now_live.shields,
            shield_every=guild.shield_every,
            paused_until=pauses.paused_until(paused, today),
            paused_this_year=pauses.weeks_in_year(paused, today.year),
            pause_cap=guild.pause_cap,
            group=_group_week(tx, guild, today, counted=False),
            weight_unit=context.member.weight_unit,
        )

    return await services.store.read(work)
