"""Streak at risk: who gets a nudge, and what it says.

A member is at risk at the server's chosen moment when their streak is two weeks or more,
this week is not paused, and they have not yet met the weekly target.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date

from bot.core.days import week_index
from bot.core.group_goal import weekly_nonce
from bot.core.reminders import MENTIONS_PER_MESSAGE, ReminderPart
from bot.core.streaks import StreakState, live, week_progress

MIN_STREAK = 2


def at_risk(state: StreakState, today: date, target: int, paused: Collection[int]) -> bool:
    if week_index(today) in paused:
        return False
    return live(state, today, paused).streak >= MIN_STREAK and week_progress(state, today) < target


def channel_parts(guild_id: int, monday: date, user_ids: Sequence[int]) -> list[ReminderPart]:
    """The channel's call to the members at risk who chose the channel: it pings exactly
    them, at most MENTIONS_PER_MESSAGE a message."""
    parts = []
    for index in range(0, len(user_ids), MENTIONS_PER_MESSAGE):
        chunk = tuple(user_ids[index : index + MENTIONS_PER_MESSAGE])
        lines = []
        if index == 0:
            lines.append(
                "⏳ **Streak check:** the week ends on Sunday and these streaks still need "
                "their leg days. There's time! 🦵"
            )
        lines.append(" ".join(f"<@{user_id}>" for user_id in chunk))
        parts.append(
            ReminderPart(
                content="\n".join(lines),
                user_ids=chunk,
                role_id=None,
                nonce=weekly_nonce(guild_id, "risk", monday, index // MENTIONS_PER_MESSAGE),
                first=False,
            )
        )
    return parts


def dm_text(server: str | None, streak: int, needed: int, shields: int) -> str:
    """The nudge by DM: no mentions, the server named by the caller."""
    days = "1 more leg day" if needed == 1 else f"{needed} more leg days"
    cover = " (a shield would cover it, but why spend one?)" if shields else ""
    return (
        f"⏳ Your {streak}-week {_streak_of(server)} unless you log "
        f"{days} this week{cover}. You've got this! 🦵 Log it with `/legday checkin` there."
    )


def is_dm_of(text: str, server: str | None) -> bool:
    """Whether a DM is the server's at-risk nudge, whatever its counts: a retry after a
    crash may see a leg day logged in between (one fewer needed)."""
    return text.startswith("⏳ Your ") and f"-week {_streak_of(server)} unless" in text


def _streak_of(server: str | None) -> str:
    where = f" in **{server}**" if server else ""
    return f"leg day streak{where} ends this Sunday"
