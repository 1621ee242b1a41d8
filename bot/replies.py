"""How the bot's answers look: embeds and short texts, shared by commands and buttons."""

from __future__ import annotations

from datetime import date, datetime

import discord

from bot.core.days import Period
from bot.core.parsing import format_weekdays
from bot.core.quotes import Quote
from bot.core.suggest import held_note_message
from bot.store import BoardRow, GuildConfig, Schedule, StoredQuote
from bot.usecases.checkins import CheckinOutcome, MemberReport
from bot.usecases.leaderboards import Board

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
    embed.add_field(name="This week", value=f"{outcome.this_week}/{outcome.target}", inline=True)
    embed.add_field(name="Streak", value=plural(outcome.current_streak, "week"), inline=True)
    embed.add_field(name="Total", value=plural(outcome.stats.total, "leg day"), inline=True)
    embed.add_field(name="Why it matters", value=_quote_line(quote), inline=False)
    return embed


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


def leaderboard_reply(board: Board) -> discord.Embed:
    title = f"Leg day leaderboard: {_PERIOD_TITLES[board.period]}"
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
    embed.set_footer(text="Change with /legday-admin settings timezone|target")
    return embed


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
    embed.set_footer(text=how + " A streak counts weeks (Mon–Sun) that meet the target.")
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
