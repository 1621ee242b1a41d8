"""The weekly recap: what a server's week added up to, and the message that says so.

`summarize` folds each member's `streaks.WeekRecord` for the recapped week into a
`RecapSummary`; `compose` turns a summary into Discord messages. Only user ids and
numbers go into the text (as `<@id>` mentions, which the poster sends with mentions
disabled), so nothing a member typed can ever reach the channel through a recap.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from bot.core.days import week_index
from bot.core.streaks import WeekRecord

MESSAGE_LIMIT = 2000  # Discord's cap on a message's content
NAMES_SHOWN = 20  # per section; the rest become "and N more"
MIN_STREAK_SHOWN = 2  # a one-week streak is just a met week, not worth a cheer

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_MEDALS = ("🥇", "🥈", "🥉")


@dataclass(frozen=True, slots=True)
class MemberWeek:
    """One member's part in the recapped week."""

    user_id: int
    record: WeekRecord | None  # None: no check-in up to the end of the week
    first_ever: bool  # their first check-in ever fell in this week
    hidden: bool  # left the leaderboards: counted in the total, never named


@dataclass(frozen=True, slots=True)
class RecapSummary:
    """A server's week in numbers and (visible) user ids, every list in a fixed order."""

    week: int  # days.week_index of the recapped week
    total: int  # leg days of every member, hidden ones included
    goal: int | None  # the group goal, if the server has one
    goal_met: bool | None  # None without a goal
    leaders: list[tuple[int, list[int]]]  # (leg days, user ids ascending), best first
    new_bests: list[tuple[int, int]]  # (user id, streak): longest streak first
    kept: list[tuple[int, int]]  # (user id, streak): longest streak first
    shields_used: list[tuple[int, int]]  # (user id, streak the shield kept): longest first
    newcomers: list[int]  # ascending
    paused: list[tuple[int, int]] = field(default_factory=list)  # (user id, streak kept)


def summarize(
    week: int, members: Iterable[MemberWeek], *, goal: int | None, top: int = 3
) -> RecapSummary:
    """Sum up `week` for a server's members.

    `leaders` holds the positions ranked 1..`top` by leg days (more than zero) in
    competition ranking: a tie shares a position and takes up the ranks after it, so
    counts 5, 5, 3, 2 with `top` 3 give positions 1 (two members) and 3.
    Raises ValueError for a record of another week, a repeated member, `top` below 1
    or a goal below 1.
    """
    if top < 1:
        raise ValueError(f"top must be at least 1, got {top}")
    if goal is not None and goal < 1:
        raise ValueError(f"a group goal must be at least 1, got {goal}")
    seen: set[int] = set()
    total = 0
    by_count: defaultdict[int, list[int]] = defaultdict(list)
    new_bests: list[tuple[int, int]] = []
    kept: list[tuple[int, int]] = []
    shields_used: list[tuple[int, int]] = []
    newcomers: list[int] = []
    paused: list[tuple[int, int]] = []
    for member in members:
        if member.user_id in seen:
            raise ValueError(f"member {member.user_id} appears twice")
        seen.add(member.user_id)
        record = member.record
        if record is not None and record.week != week:
            raise ValueError(f"member {member.user_id} has a record of week {record.week}")
        if record is not None:
            total += record.count
        if member.hidden:
            continue
        if member.first_ever:
            newcomers.append(member.user_id)
        if record is None:
            continue
        if record.count > 0:
            by_count[record.count].append(member.user_id)
        if record.met and record.streak >= MIN_STREAK_SHOWN:
            if record.record_broken:
                new_bests.append((member.user_id, record.streak))
            else:
                kept.append((member.user_id, record.streak))
        if record.shield_used:
            shields_used.append((member.user_id, record.streak))
        if record.paused:
            paused.append((member.user_id, record.streak))

    leaders: list[tuple[int, list[int]]] = []
    rank = 1
    for count in sorted(by_count, reverse=True):
        if rank > top:
            break
        tied = sorted(by_count[count])
        leaders.append((count, tied))
        rank += len(tied)

    def longest_first(entry: tuple[int, int]) -> tuple[int, int]:
        return -entry[1], entry[0]

    return RecapSummary(
        week=week,
        total=total,
        goal=goal,
        goal_met=None if goal is None else total >= goal,
        leaders=leaders,
        new_bests=sorted(new_bests, key=longest_first),
        kept=sorted(kept, key=longest_first),
        shields_used=sorted(shields_used, key=longest_first),
        newcomers=sorted(newcomers),
        paused=sorted(paused, key=longest_first),
    )


def compose(
    summary: RecapSummary, week_start: date, *, late: bool = False, test: bool = False
) -> list[str]:
    """The recap as one or more messages, each at most `MESSAGE_LIMIT` characters.

    `week_start` is any day of the recapped week (the title shows its Monday); `late`
    apologises for a recap posted well after the week ended; `test` marks a preview
    that the bot does not record as posted. Raises ValueError if `week_start` is not
    in `summary.week`.
    """
    if week_index(week_start) != summary.week:
        raise ValueError(f"{week_start} is not in week {summary.week}")
    monday = date.fromordinal(summary.week * 7 + 1)
    head: list[str] = []
    if test:
        head.append("🧪 *Test recap: nothing recorded.*")
    head.append(f"📅 **Leg day recap: week of {_day_month_year(monday)}**")
    if late:
        head.append("*(A bit late, sorry: this was due a while ago.)*")
    head.append(_together(summary))
    blocks = [
        head,
        _leaders_block(summary.leaders),
        _streaks_block("🔥 **New best streak**", summary.new_bests),
        _streaks_block("💪 **Streak kept**", summary.kept),
        _shields_block(summary.shields_used),
        _paused_block(summary.paused),
        _newcomers_block(summary.newcomers),
    ]
    return _pack([block for block in blocks if block], MESSAGE_LIMIT)


def _day_month_year(day: date) -> str:
    # Spelled out here rather than with strftime("%b"), which follows the host's locale.
    return f"{day.day} {_MONTHS[day.month - 1]} {day.year}"


def _plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def _mention(user_id: int) -> str:
    return f"<@{user_id}>"


def _together(summary: RecapSummary) -> str:
    if summary.total == 0:
        return "No leg days this week. Fresh week, fresh start! 🦵"
    line = f"Together: **{summary.total}** {'leg day' if summary.total == 1 else 'leg days'}"
    if summary.goal is None:
        return line
    if summary.goal_met:
        return f"{line} / {summary.goal} goal ✅"
    return f"{line} / {summary.goal} goal ({max(summary.goal - summary.total, 0)} short)"


def _and_more(names: list[str], hidden: int) -> str:
    shown = ", ".join(names)
    return f"{shown} and {hidden} more" if hidden else shown


def _leaders_block(leaders: list[tuple[int, list[int]]]) -> list[str]:
    if not leaders:
        return []
    lines = ["🏆 **Top of the week**"]
    budget = NAMES_SHOWN
    rank = 1
    for position, (days, ids) in enumerate(leaders):
        if budget == 0:
            rest = sum(len(later) for _, later in leaders[position:])
            lines.append(f"…and {rest} more")
            break
        shown = [_mention(user_id) for user_id in ids[:budget]]
        budget -= len(shown)
        medal = _MEDALS[rank - 1] if rank <= len(_MEDALS) else f"🏅 #{rank}"
        names = _and_more(shown, len(ids) - len(shown))
        lines.append(f"{medal} {names}: {_plural(days, 'leg day', 'leg days')}")
        rank += len(ids)
    return lines


def _streaks_block(title: str, entries: list[tuple[int, int]]) -> list[str]:
    if not entries:
        return []
    shown = [
        f"{_mention(user_id)} ({_plural(streak, 'week', 'weeks')})"
        for user_id, streak in entries[:NAMES_SHOWN]
    ]
    return [f"{title}: {_and_more(shown, len(entries) - len(shown))}"]


def _shields_block(entries: list[tuple[int, int]]) -> list[str]:
    if not entries:
        return []
    lines = ["🛡️ **Shields used**"]
    lines += [
        f"{_mention(user_id)} used a shield to keep a {streak}-week streak"
        for user_id, streak in entries[:NAMES_SHOWN]
    ]
    if len(entries) > NAMES_SHOWN:
        lines.append(f"…and {len(entries) - NAMES_SHOWN} more")
    return lines


def _paused_block(entries: list[tuple[int, int]]) -> list[str]:
    if not entries:
        return []
    shown = [
        _mention(user_id) + (f" ({_plural(streak, 'week', 'weeks')} safe)" if streak else "")
        for user_id, streak in entries[:NAMES_SHOWN]
    ]
    return [f"🏖️ **On a break**: {_and_more(shown, len(entries) - len(shown))}"]


def _newcomers_block(newcomers: list[int]) -> list[str]:
    if not newcomers:
        return []
    shown = [_mention(user_id) for user_id in newcomers[:NAMES_SHOWN]]
    names = _and_more(shown, len(newcomers) - len(shown))
    return [f"👋 **First leg day**: {names}. Welcome!"]


def _pack(blocks: list[list[str]], limit: int) -> list[str]:
    """Join blocks with blank lines into as few messages as fit `limit`; a block too long
    for one message is split between its lines, and a line too long (never, with names
    capped) is cut."""
    messages: list[str] = []
    current = ""

    def add(piece: str, separator: str) -> None:
        nonlocal current
        if not current:
            current = piece
        elif len(current) + len(separator) + len(piece) <= limit:
            current += separator + piece
        else:
            messages.append(current)
            current = piece

    for block in blocks:
        text = "\n".join(block)
        if len(text) <= limit:
            add(text, "\n\n")
            continue
        separator = "\n\n"
        for line in block:
            for start in range(0, len(line), limit):
                add(line[start : start + limit], separator)
                separator = "\n"
    if current:
        messages.append(current)
    return messages
