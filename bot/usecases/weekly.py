"""The weekly loop's rules over the store: the recap of a server's week, and who is
nudged when their streak is at risk."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from bot.core import days, pauses, recap, streaks
from bot.core.at_risk import at_risk
from bot.core.group_goal import weekly_nonce
from bot.core.reminders import ReminderPart
from bot.store import GuildConfig, Tx
from bot.store.sql import settings as settings_sql
from bot.store.sql import weekly as weekly_sql
from bot.usecases import summaries


def recap_summary(
    tx: Tx, guild: GuildConfig, monday: date, default_zone: str | None
) -> recap.RecapSummary:
    """The week starting `monday`, summed up from the members' weekly counts: everyone
    who checked in that week, and everyone whose streak was alive when it began."""
    zone = days.effective_zone(None, guild.timezone, default_zone)
    began = datetime.combine(monday, time(0)).replace(tzinfo=zone)
    week = days.week_index(monday)
    user_ids = weekly_sql.members_in_play(tx, guild.guild_id, monday, began)
    counts = weekly_sql.weekly_counts(tx, guild.guild_id, user_ids)
    paused = settings_sql.pauses_by_member(tx, guild.guild_id)
    hidden = settings_sql.hidden_members(tx, guild.guild_id)
    first = weekly_sql.first_days(tx, guild.guild_id, user_ids)
    rule = summaries.shield_rule(guild)
    members = []
    for user_id in user_ids:
        per_week = {days.week_index(start): n for start, n in counts[user_id].items()}
        # One week past the recapped one: the recapped week is then judged as ended.
        records = streaks.timeline_of_weeks(
            per_week,
            guild.weekly_target,
            rule,
            pauses.weeks_of(paused.get(user_id, ())),
            week + 1,
        )
        record = next((r for r in records if r.week == week), None)
        first_day = first.get(user_id)
        members.append(
            recap.MemberWeek(
                user_id,
                record,
                first_ever=first_day is not None and days.week_index(first_day) == week,
                hidden=user_id in hidden,
            )
        )
    return recap.summarize(week, members, goal=guild.goal)


def recap_parts(
    tx: Tx,
    guild: GuildConfig,
    monday: date,
    default_zone: str | None,
    *,
    late: bool = False,
    test: bool = False,
) -> list[ReminderPart]:
    """The recap's messages; they ping nobody (names are shown, not pinged)."""
    summary = recap_summary(tx, guild, monday, default_zone)
    texts = recap.compose(summary, monday, late=late, test=test)
    return [
        ReminderPart(
            content=text,
            user_ids=(),
            role_id=None,
            nonce=None if test else weekly_nonce(guild.guild_id, "recap", monday, index),
            first=False,
            recap=summary if index == 0 else None,
        )
        for index, text in enumerate(texts)
    ]


@dataclass(frozen=True, slots=True)
class AtRisk:
    user_id: int
    via: str  # "channel" or "dm"
    streak: int
    needed: int  # leg days still to log this week
    shields: int


def members_at_risk(
    tx: Tx, guild: GuildConfig, now: datetime, default_zone: str | None
) -> list[AtRisk]:
    """Opted-in members whose streak of 2+ weeks has not met this week's target yet,
    each judged on their own today; paused members are left alone."""
    found = []
    paused_by_member = settings_sql.pauses_by_member(tx, guild.guild_id)
    for user_id, zone_name, via, summary in weekly_sql.opted_in_streaks(tx, guild.guild_id):
        zone = days.effective_zone(zone_name, guild.timezone, default_zone)
        today = days.local_day(now, zone)
        paused = pauses.weeks_of(paused_by_member.get(user_id, ()))
        state = summaries.to_state(summary)
        if not at_risk(state, today, guild.weekly_target, paused):
            continue
        standing = streaks.live(state, today, paused)
        needed = guild.weekly_target - streaks.week_progress(state, today)
        found.append(AtRisk(user_id, via, standing.streak, needed, standing.shields))
    return found


def recapped_monday(fire_day: date) -> date:
    """A recap posted on `fire_day` covers the last week that has ended by then."""
    return days.week_start(fire_day) - timedelta(days=7)
