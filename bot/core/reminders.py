"""What a reminder says and whom it pings: pure, so every branch is easy to test."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from bot.core.recap import RecapSummary

# Discord allows 100 ids in allowed_mentions; staying under leaves room for the role.
MENTIONS_PER_MESSAGE = 90


class Kind(StrEnum):
    """Which message of an occurrence: the reminder itself (stored as "main", the name it
    had when the deliveries table was made; its nonces derive from it) or its nudge."""

    REMINDER = "main"
    NUDGE = "nudge"


class DeliveryState(StrEnum):
    """Where one occurrence's delivery stands, as the deliveries table records it."""

    SENDING = "sending"  # claimed: being posted, or cut off mid-post (taken over later)
    SENT = "sent"
    FAILED = "failed"  # gave up, or Discord refused for good
    MISSED = "missed"  # fell due while the bot was away, too long ago to send


class Broadcast(StrEnum):
    """A reminder that pings the whole channel (`@everyone` or `@here`) instead of a role."""

    EVERYONE = "everyone"
    HERE = "here"


@dataclass(frozen=True, slots=True)
class ReminderPart:
    """One message of a reminder: the first carries the call to action and the button."""

    content: str
    user_ids: tuple[int, ...]
    role_id: int | None
    nonce: str | None
    first: bool
    broadcast: Broadcast | None = None
    # A weekly recap's numbers, on its first message: the poster attaches them as a card.
    recap: RecapSummary | None = None


_CALLS = {
    Kind.REMINDER: "🦵 **It's leg day!** Squats, lunges, deadlifts: pick your poison.",
    Kind.NUDGE: "⏰ **Leg day check:** still time to get those legs in today.",
}


def nonce(schedule_id: int, day: date, kind: Kind, part: int) -> str:
    """A deterministic nonce (Discord caps them at 25 characters) for one message."""
    digest = hashlib.sha256(f"{schedule_id}:{day.isoformat()}:{kind}:{part}".encode())
    return "ld" + digest.hexdigest()[:23]


def compose(
    schedule_id: int,
    day: date,
    kind: Kind,
    user_ids: Sequence[int],
    role_id: int | None,
    *,
    broadcast: Broadcast | None = None,
    late: bool = False,
    test: bool = False,
) -> list[ReminderPart]:
    """Split a reminder into messages of at most MENTIONS_PER_MESSAGE user pings each.

    The first message carries the role or the `@everyone`/`@here` ping. A nudge pings
    only the listed users (never the role or the channel) and is empty when nobody is left.
    """
    if kind is Kind.NUDGE and not user_ids:
        return []
    chunks = [
        tuple(user_ids[i : i + MENTIONS_PER_MESSAGE])
        for i in range(0, len(user_ids), MENTIONS_PER_MESSAGE)
    ] or [()]
    ping_role = role_id if kind is Kind.REMINDER else None
    ping_all = broadcast if kind is Kind.REMINDER else None
    parts = []
    for index, chunk in enumerate(chunks):
        lines = []
        if index == 0:
            if test:
                lines.append("🧪 *Test reminder: no delivery recorded.*")
            lines.append(_CALLS[kind])
            if late:
                lines.append("*(A bit late, sorry: this was due a while ago.)*")
            if ping_role is not None:
                lines.append(f"<@&{ping_role}>")
            if ping_all is not None:
                lines.append(f"@{ping_all}")
        mentions = " ".join(f"<@{user_id}>" for user_id in chunk)
        if mentions:
            lines.append(mentions)
        parts.append(
            ReminderPart(
                content="\n".join(lines),
                user_ids=chunk,
                role_id=ping_role if index == 0 else None,
                nonce=None if test else nonce(schedule_id, day, kind, index),
                first=index == 0,
                broadcast=ping_all if index == 0 else None,
            )
        )
    return parts


_LATE_LINE = "*(A bit late, sorry: this was due a while ago.)*"


def dm_text(kind: Kind, server: str | None, *, late: bool = False) -> str:
    """A reminder (or its nudge) for a member who chose DMs: no mentions at all."""
    where = f" in **{server}**" if server else ""
    lines = [
        _CALLS[kind],
        f"(You asked for leg day reminders{where} by DM: log it with `/legday checkin` "
        "there, or change how I reach you with `/legday remind`.)",
    ]
    if late:
        lines.insert(1, _LATE_LINE)
    return "\n".join(lines)


def is_dm_of(text: str, kind: Kind, server: str | None) -> bool:
    """Whether a DM is this kind's DM for this server, sent on time or late: a retry after
    a crash may be late where the attempt it looks for was not, or the other way round."""
    on_time = "\n".join(line for line in text.split("\n") if line != _LATE_LINE)
    return on_time == dm_text(kind, server)
