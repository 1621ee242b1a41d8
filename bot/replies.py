"""How the bot's answers look: embeds and short texts, shared by commands and buttons."""

from __future__ import annotations

from datetime import date, datetime

import discord

from bot.core import lifts as lift_text
from bot.core.days import Period
from bot.core.parsing import format_weekdays
from bot.core.quotes import Quote
from bot.core.suggest import held_note_message
from bot.core.weekly_input import format_moment
from bot.store import BoardRow, GuildConfig, Schedule, StoredQuote
from bot.usecases.checkins import CheckinOutcome, GroupWeek, MemberReport
from bot.usecases.leaderboards import Board
from bot.usecases.lifts import LiftReport, PrBoard, PrEntry
from bot.usecases.pausing import PauseOutcome

BRAND = discord.Colour.from_rgb(233, 84, 32)
# Embed descriptions stop at 4096 characters; leave room for the "and N more" line.
_DESCRIPTION_BUDGET = 3900

_PERIOD_TITLES = {
    Period.WEEK: "this week",
    Period.MONTH: "this month",
    Period.YEAR: "this year",
    Period.ALL: "all time",
    Period.STREAK: "current streaks",
}


def plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def _quote_line(quote: Quote) -> str:
    return f"💡 *{quote.text}*"


def checkin_reply(outcome: CheckinOutcome, mention: str, quote: Quote) -> discord.Embed:
    if not outcome.created:
        # A backfill of a day already logged is not "today": say which day it was.
        title = "Already logged today 👍" if outcome.day == outcome.today else "Already logged 👍"
        lead = f"{mention}, your leg day for {_day(outcome.day)} is in the books. Rest up!"
    elif outcome.day == outcome.today:
        title = "Leg day logged 🦵"
        lead = f"Nice work, {mention}!"
    else:
        title = "Leg day backfilled 🦵"
        lead = f"Logged {_day(outcome.day)} for {mention}."
    embed = discord.Embed(title=title, description=lead, colour=BRAND)
    week = f"{outcome.this_week}/{outcome.target}"
    if outcome.week_paused:
        week += " (paused)"
    embed.add_field(name="This week", value=week, inline=True)
    streak = plural(outcome.current_streak, "week")
    if outcome.shields:
        streak += f" · {_shields(outcome.shields)}"
    embed.add_field(name="Streak", value=streak, inline=True)
    embed.add_field(name="Total", value=plural(outcome.stats.total, "leg day"), inline=True)
    if outcome.group is not None:
        embed.add_field(name="Server", value=group_line(outcome.group), inline=False)
    _lift_fields(embed, outcome)
    embed.add_field(name="Why it matters", value=_quote_line(quote), inline=False)
    return embed


# An embed field holds 1024 characters; a note of ten long lifts stays well inside.
_FIELD_BUDGET = 1000
_SHOWN_RECORDS = 3


def _fit(text: str) -> str:
    return text if len(text) <= _FIELD_BUDGET else text[: _FIELD_BUDGET - 1] + "…"


def _lift_fields(embed: discord.Embed, outcome: CheckinOutcome) -> None:
    """The sets read from the note, and the records they set."""
    if not outcome.lifts:
        return
    if not outcome.created:
        again = (
            " To add them: `legday undo`, then check in again with the note."
            if outcome.day == outcome.today
            else ""
        )
        embed.add_field(
            name="Lifts", value=f"Not saved: that day was already logged.{again}", inline=False
        )
        return
    sets = "\n".join(lift_text.format_set(lift) for lift in outcome.lifts)
    embed.add_field(name="Lifts", value=_fit(sets), inline=False)
    if not outcome.records:
        return
    lines = [lift_text.record_line(r, outcome.unit) for r in outcome.records[:_SHOWN_RECORDS]]
    more = len(outcome.records) - _SHOWN_RECORDS
    if more > 0:
        lines.append(f"…and {more} more")
    name = "🏆 New PR" if len(outcome.records) == 1 else "🏆 New PRs"
    embed.add_field(name=name, value=_fit("\n".join(lines)), inline=False)


_EPLEY = f"e1RM (Epley) = weight × (1 + reps/30), from sets of up to {lift_text.E1RM_MAX_REPS} reps"
_HOW_TO_LOG = "Put them in a check-in note, e.g. `legday squat 5x5 100kg`."


def _heaviest_line(heaviest: dict[int, float], unit: str) -> str:
    reps, kg = max(heaviest.items(), key=lambda item: (item[1], -item[0]))
    return f"heaviest {lift_text.in_unit(kg, unit)} × {reps}"


def lifts_reply(mention: str, report: LiftReport) -> discord.Embed:
    """A member's latest sets and records, of one exercise or all."""
    title = "Lifts"
    if report.exercise is not None:
        title += f": {lift_text.display_name(report.exercise)}"
    embed = discord.Embed(title=title, description=mention, colour=BRAND)
    if not report.recent:
        embed.description = f"{mention}: no lifts logged yet. {_HOW_TO_LOG}"
        return embed
    recent = [
        f"{logged.day:%d %b} · {lift_text.format_set(logged.lift)}" for logged in report.recent
    ]
    embed.add_field(name="Recent", value=_fit("\n".join(recent)), inline=False)
    unit = report.unit
    if report.exercise is not None and report.records:
        bests = report.records[0].bests
        lines = [
            f"{plural(reps, 'rep')}: {lift_text.in_unit(kg, unit)}"
            for reps, kg in sorted(bests.heaviest.items())[:8]
        ]
        if bests.e1rm is not None:
            lines.append(f"**e1RM (Epley): {lift_text.in_unit(bests.e1rm, unit)}**")
        embed.add_field(name="Heaviest", value="\n".join(lines), inline=False)
    elif report.records:
        lines = []
        for record in report.records:
            parts = [f"**{lift_text.display_name(record.exercise)}**"]
            if record.bests.e1rm is not None:
                parts.append(f"e1RM {lift_text.in_unit(record.bests.e1rm, unit)}")
            parts.append(_heaviest_line(record.bests.heaviest, unit))
            lines.append(" · ".join(parts))
        embed.add_field(name="Records", value=_fit("\n".join(lines)), inline=False)
    embed.set_footer(text=f"Weights in {unit} (legday units kg|lb). {_EPLEY}.")
    return embed


def prs_reply(board: PrBoard) -> discord.Embed:
    """The server ranked by best e1RM in one exercise."""
    name = lift_text.display_name(board.exercise)
    embed = discord.Embed(title=f"{name}: best e1RM", colour=BRAND)
    unit = board.unit

    def score(entry: PrEntry) -> str:
        lift = entry.lift
        return (
            f"{lift_text.in_unit(entry.e1rm, unit)} "
            f"({lift_text.show_weight(lift, unit)} × {lift.reps})"
        )

    if not board.page.entries:
        embed.description = (
            f"No weighted {name.lower()} sets of up to {lift_text.E1RM_MAX_REPS} reps yet."
        )
    else:
        medals = {1: "🥇", 2: "🥈", 3: "🥉"}
        embed.description = "\n".join(
            f"{medals.get(e.rank, f'**{e.rank}.**')} <@{e.item.user_id}> · {score(e.item)}"
            for e in board.page.entries
        )
    if board.caller is not None and not board.caller_on_page:
        embed.add_field(
            name="You", value=f"#{board.caller.rank} · {score(board.caller.item)}", inline=False
        )
    embed.set_footer(text=f"Page {board.page.number + 1}/{board.page.total_pages} · {_EPLEY}.")
    return embed


def group_line(group: GroupWeek) -> str:
    """`Server: 23/40 this week`, with a flag once the goal is reached."""
    line = f"{group.total}/{group.goal} this week"
    return line + " 🎉 goal reached!" if group.total >= group.goal else line


def _shields(count: int) -> str:
    return "🛡️" * count + f" {plural(count, 'shield')}"


def did_you_mean(command: str, note: str) -> str:
    """A note that looks like a mistyped command: nothing is logged until the member says so."""
    return held_note_message(command, note)


def item_number(value: int) -> str:
    """`#3`, with an absurdly long number cut short so the answer still fits in a message."""
    digits = str(value)
    return f"#{digits}" if len(digits) <= 20 else f"#{digits[:19]}…"


def undo_reply(outcome: CheckinOutcome | None) -> str:
    if outcome is None:
        return "Nothing to undo: you haven't logged leg day today."
    return (
        f"Removed your check-in for {_day(outcome.day)}. "
        f"Streak now {plural(outcome.current_streak, 'week')}."
    )


def stats_reply(mention: str, report: MemberReport) -> discord.Embed:
    counts = report.counts
    embed = discord.Embed(title="Leg day stats", description=mention, colour=BRAND)
    embed.add_field(name="Total", value=plural(report.total, "leg day"), inline=True)
    embed.add_field(name="This week", value=f"{counts.week}/{report.target}", inline=True)
    embed.add_field(name="This month", value=str(counts.month), inline=True)
    embed.add_field(name="This year", value=str(counts.year), inline=True)
    embed.add_field(name="Current streak", value=plural(report.current_streak, "week"), inline=True)
    embed.add_field(name="Best streak", value=plural(report.best_streak, "week"), inline=True)
    if report.shield_every:
        embed.add_field(
            name="Shields",
            value=(_shields(report.shields) if report.shields else "none yet")
            + f" (one per {report.shield_every} met weeks in a row)",
            inline=True,
        )
    if report.paused_until is not None:
        paused = f"until {_day(report.paused_until)}"
    else:
        paused = "not paused"
    if report.pause_cap:
        paused += f" · {report.paused_this_year}/{report.pause_cap} weeks used this year"
    embed.add_field(name="Pause", value=paused, inline=True)
    if report.group is not None:
        embed.add_field(name="Server", value=group_line(report.group), inline=True)
    embed.add_field(name="Weight unit", value=report.weight_unit, inline=True)
    last = (
        "never"
        if counts.last_checkin is None
        else discord.utils.format_dt(counts.last_checkin, "R")
    )
    embed.add_field(name="Last check-in", value=last, inline=False)
    embed.set_footer(text=f"Streaks count weeks with at least {plural(report.target, 'leg day')}.")
    return embed


def _score(period: Period, standing: BoardRow) -> str:
    if period is Period.STREAK:
        return f"{plural(standing.score, 'week')} (best {standing.best})"
    return plural(standing.score, "day")


def period_title(period: Period) -> str:
    return _PERIOD_TITLES[period]


def leaderboard_reply(board: Board) -> discord.Embed:
    title = f"Leg day leaderboard: {period_title(board.period)}"
    embed = discord.Embed(title=title, colour=BRAND)
    if not board.page.entries:
        embed.description = "No check-ins yet. Be the first: `/legday checkin`."
    else:
        medals = {1: "🥇", 2: "🥈", 3: "🥉"}
        lines = [
            f"{medals.get(e.rank, f'**{e.rank}.**')} <@{e.item.user_id}> · "
            f"{_score(board.period, e.item)}"
            for e in board.page.entries
        ]
        embed.description = "\n".join(lines)
    if board.caller is not None and not board.caller_on_page:
        embed.add_field(
            name="You",
            value=f"#{board.caller.rank} · {_score(board.period, board.caller.item)}",
            inline=False,
        )
    embed.set_footer(text=f"Page {board.page.number + 1}/{board.page.total_pages}")
    return embed


def quote_reply(quote: Quote) -> discord.Embed:
    return discord.Embed(description=_quote_line(quote), colour=BRAND)


def quote_list_reply(stored: list[StoredQuote]) -> discord.Embed:
    lines: list[str] = []
    used = 0
    for index, quote in enumerate(stored):
        line = f"**#{quote.id}** {quote.text}"
        if used + len(line) > _DESCRIPTION_BUDGET:
            lines.append(f"…and {len(stored) - index} more.")
            break
        lines.append(line)
        used += len(line) + 1
    return discord.Embed(title="Server quotes", description="\n".join(lines), colour=BRAND)


def _day(day: date) -> str:
    return day.strftime("%a %d %b %Y")


def timestamp(moment: datetime, style: str = "F") -> str:
    return discord.utils.format_dt(moment, style)  # type: ignore[arg-type]


def settings_reply(config: GuildConfig, default_zone: str) -> discord.Embed:
    embed = discord.Embed(title="Server settings", colour=BRAND)
    zone_text = config.timezone or f"{default_zone} (default)"
    embed.add_field(name="Time zone", value=zone_text, inline=True)
    embed.add_field(
        name="Weekly target", value=plural(config.weekly_target, "leg day"), inline=True
    )
    goal = "off" if config.goal is None else plural(config.goal, "leg day") + " a week"
    embed.add_field(name="Group goal", value=goal, inline=True)
    shields = (
        "off"
        if config.shield_every == 0
        else f"one per {plural(config.shield_every, 'met week')} in a row"
    )
    embed.add_field(name="Streak shields", value=shields, inline=True)
    embed.add_field(name="Pauses", value=f"{plural(config.pause_cap, 'week')} a year", inline=True)
    risk = "off" if config.risk_day is None else format_moment(config.risk_day, config.risk_time)
    embed.add_field(name="Streak-at-risk nudge", value=risk, inline=True)
    recap = (
        "off"
        if config.recap_channel_id is None or config.recap_day is None or config.recap_time is None
        else f"<#{config.recap_channel_id}> {format_moment(config.recap_day, config.recap_time)}"
    )
    embed.add_field(name="Weekly recap", value=recap, inline=True)
    board = "picture" if config.board_images else "text"
    embed.add_field(name="Leaderboards", value=board, inline=True)
    embed.set_footer(
        text="Change with /legday-admin settings timezone|target|goal|shields|pauses|risk|"
        "images and /legday-admin recap"
    )
    return embed


def zone_name(guild: GuildConfig, default_zone: str) -> str:
    """The zone the server's moments are in, as the settings show it."""
    return guild.timezone or f"{default_zone}, the default"


def recap_setting(guild: GuildConfig) -> str:
    if guild.recap_channel_id is None or guild.recap_day is None or guild.recap_time is None:
        return "No weekly recap yet. Set one with `legday-admin recap set #channel mon 09:00`."
    return (
        f"📅 The weekly recap goes to <#{guild.recap_channel_id}> every "
        f"**{format_moment(guild.recap_day, guild.recap_time)}** (server time)."
    )


def pause_reply(outcome: PauseOutcome) -> str:
    used = f"{outcome.used_this_year}/{outcome.cap} paused weeks used this year."
    if outcome.until is None:
        if outcome.removed:
            return (
                f"Welcome back! Your pause is over; this week counts again. "
                f"Streak: {plural(outcome.streak, 'week')}. {used}"
            )
        return f"You're not paused. {used}"
    added = (
        f"Paused {plural(outcome.added, 'week')}"
        if outcome.added
        else "Those weeks were already paused"
    )
    return (
        f"🏖️ {added}: your streak is safe until {_day(outcome.until)}. Paused weeks neither "
        f"break nor extend it, and reminders leave you alone. {used} "
        "Back early? Use `legday pause off`."
    )


def help_reply(usages: list[tuple[str, str]], prefix_commands: bool) -> discord.Embed:
    lines = [f"`{usage}` · {what}" for usage, what in usages]
    embed = discord.Embed(
        title="Leg day bot 🦵",
        description="Check in when you train legs; keep your weekly streak alive.\n\n"
        + "\n".join(lines)
        + "\n\nServer admins: `/legday-admin` for settings, reminders and quotes.",
        colour=BRAND,
    )
    how = (
        "Every command works with `!` and `/`."
        if prefix_commands
        else "Use `/legday ...` or mention me: `@bot legday ...`."
    )
    embed.set_footer(
        text=how + " A streak counts weeks (Mon–Sun) that meet the target; shields and "
        "`pause` keep it through a missed week."
    )
    return embed


def admin_help_reply(usages: list[tuple[str, str]]) -> discord.Embed:
    lines = [f"`{usage}` · {what}" for usage, what in usages]
    return discord.Embed(
        title="Leg day admin commands",
        description="For members with **Manage Server**.\n\n" + "\n".join(lines),
        colour=BRAND,
    ).set_footer(text="With ! the admin commands also work as `legday settings ...` etc.")


def _schedule_line(schedule: Schedule) -> str:
    parts = [
        f"**#{schedule.id}** {format_weekdays(schedule.days)} at {schedule.at:%H:%M} "
        f"({schedule.timezone}) in <#{schedule.channel_id}>"
    ]
    if schedule.role_id is not None:
        parts.append(f"pings <@&{schedule.role_id}>")
    if schedule.broadcast is not None:
        parts.append(f"pings @{schedule.broadcast}")
    if schedule.nudge_hours:
        parts.append(f"nudge after {plural(schedule.nudge_hours, 'hour')}")
    return ", ".join(parts)


def schedule_added_reply(schedule: Schedule, fires: list[datetime]) -> discord.Embed:
    embed = discord.Embed(
        title=f"Reminder schedule #{schedule.id} added",
        description=_schedule_line(schedule),
        colour=BRAND,
    )
    embed.add_field(name="Next reminders", value="\n".join(timestamp(f) for f in fires) or "none")
    embed.set_footer(text="Members opt in to pings with /legday remind on")
    return embed


def schedule_list_reply(rows: list[tuple[Schedule, list[datetime]]]) -> discord.Embed:
    embed = discord.Embed(title="Reminder schedules", colour=BRAND)
    if not rows:
        embed.description = "None yet. Add one: `/legday-admin schedule add mon,thu 18:00`."
        return embed
    lines = []
    for schedule, fires in rows:
        line = _schedule_line(schedule)
        if not schedule.enabled:
            line += f"\n  ⚠️ paused: {schedule.disabled_reason or 'disabled'}"
        elif fires:
            line += f"\n  next: {timestamp(fires[0])}"
        lines.append(line)
    embed.description = "\n".join(lines)
    return embed
