"""What the fan-out seeds for each kind of message due at once, and how it checks them.

`reminder`: one daily schedule per server in its first text channel, three members who
opted in to pings (the reminder engine's benchmark). `recap`: the server's weekly recap
in that channel, with four to six members' check-ins over the five weeks before this one
(the recapped week is the last of them). `risk`: the server's streak-at-risk moment, with
three members who opted in to reminders in the channel, have a streak of two or three
weeks and no leg day yet this week, beside three who must not be called (met this week;
a one-week streak; not opted in); the call goes to the channel of the server's one
reminder schedule, which is due twelve hours away.

Check-ins go through the bot's history import, so the summaries the recap and the pass
read are what live check-ins would have left; each message is checked against what the
seeded history implies (the recap's total, the members the call pings) and the bot's
ledger against one sent post per server.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from benchmarks import ours
from benchmarks.servers import Server
from fakediscord import Message

KINDS = ("reminder", "recap", "risk")
OPTED_IN = 3  # members per server who asked to be pinged by the reminder
# Leg days per member in each of the five weeks before this one, for a weekly target of
# 2: a 5-week streak kept, a comeback that passes an earlier best in the recapped week,
# a first leg day, a big last week; on two servers of three also one or two 4-week
# streaks that earned a shield (shield_every 4 by default) and spend it in the recapped
# week.
RECAP_TARGET = 2
RECAP_WEEKS = ((2, 2, 3, 2, 3), (3, 0, 0, 2, 2), (0, 0, 0, 0, 1), (1, 3, 2, 2, 4))
RECAP_MORE = ((2, 2, 2, 2, 1), (2, 2, 2, 2, 0))
# Weekly target 1; leg days in each of the three weeks before this one, then this week.
RISK_TARGET = 1
AT_RISK_WEEKS = ((0, 1, 1, 0), (1, 1, 1, 0), (2, 3, 1, 0))
MET_THIS_WEEK = (1, 1, 1, 1)  # opted in, but this week is done
SHORT_STREAK = (0, 0, 1, 0)  # opted in, a one-week streak: not worth a call
NOT_OPTED_IN = (1, 1, 1, 0)  # at risk, but never asked to be reminded
WEEKDAY_ORDER = (0, 2, 4, 6, 1, 3, 5)  # which days of a week its leg days fall on


@dataclass(frozen=True, slots=True)
class Wording:
    noun: str  # one of these per server
    lost: str  # "{n} of {servers} servers " + this
    twice: str  # "{n} " + this
    passed: str


WORDING = {
    "reminder": Wording(
        "reminder",
        "were never reminded",
        "reminders were posted twice",
        "passed: every server reminded exactly once, no 429 from Discord",
    ),
    "recap": Wording(
        "weekly recap",
        "never got their recap",
        "recaps were posted twice",
        "passed: every server's recap posted exactly once with its week's total, recorded "
        "sent, no 429 from Discord",
    ),
    "risk": Wording(
        "streak-at-risk call",
        "never got their streak check",
        "streak checks were posted twice",
        "passed: every server's streak check posted exactly once pinging exactly its "
        "members at risk, every nudge recorded sent, no 429 from Discord",
    ),
}
MARKS = {"reminder": ours.REMINDER_MARK, "recap": ours.RECAP_MARK, "risk": ours.RISK_MARK}


@dataclass
class Plan:
    """One kind's servers in a run and what their messages must say."""

    kind: str
    servers: list[Server]
    # channel id -> what the first message there must be; returns what is wrong, or None
    expect: dict[int, Callable[[Message], str | None]]
    weekly: list[ours.WeeklyServerSeed]
    first_id: int = 1  # the number of its first reminder schedule
    week: date | None = None  # the Monday of the week its weekly posts belong to

    @property
    def channels(self) -> list[int]:
        return [s.text_channel_ids[0] for s in self.servers]

    def ledger_problems(self, db_path: Path) -> list[str]:
        """What the bot's own records say went wrong (nothing is recorded for reminders
        here: the reminder engine's ledger has its own benchmark, `benchmarks.startup`)."""
        if self.kind == "reminder":
            return []
        assert self.week is not None
        count = len(self.servers)
        guild_ids = {s.guild.id for s in self.servers}
        problems = []
        posts = ours.ours_weekly_ledger(db_path, self.kind, self.week, guild_ids)
        if posts != {"sent": count}:
            problems.append(f"{self.kind} posts recorded {posts}, expected {count} sent")
        if self.kind == "risk":
            nudges = ours.ours_nudge_ledger(db_path, "risk", self.week, guild_ids)
            wanted = {("channel", "sent"): count * len(AT_RISK_WEEKS)}
            if nudges != wanted:
                problems.append(f"streak-at-risk nudges recorded {nudges}, expected {wanted}")
        return problems


def plan(
    kind: str, servers: Sequence[Server], this_monday: date, now: datetime, first_id: int = 1
) -> Plan:
    """What to seed for `kind` on `servers`, in the week starting `this_monday`; reminder
    schedules it adds are numbered from `first_id`."""
    if kind == "reminder":
        return Plan(kind, list(servers), {}, [], first_id)
    if kind == "recap":
        return _recap_plan(list(servers), this_monday)
    if kind == "risk":
        return _risk_plan(list(servers), this_monday, now, first_id)
    raise ValueError(f"no fan-out kind called {kind!r}")


def leg_days(weeks: Sequence[int], first_monday: date) -> list[date]:
    """`weeks[i]` leg days in the week starting `first_monday` + i weeks."""
    found = []
    for index, count in enumerate(weeks):
        monday = first_monday + timedelta(weeks=index)
        found += [monday + timedelta(days=d) for d in WEEKDAY_ORDER[:count]]
    return found


def _recap_plan(servers: list[Server], this_monday: date) -> Plan:
    first = this_monday - timedelta(weeks=len(RECAP_WEEKS[0]))
    expect: dict[int, Callable[[Message], str | None]] = {}
    weekly = []
    for index, server in enumerate(servers):
        patterns = RECAP_WEEKS + RECAP_MORE[: index % 3]
        members = dict(zip(server.member_ids, patterns, strict=False))
        total = sum(weeks[-1] for weeks in members.values())
        expect[server.text_channel_ids[0]] = _recap_says(total)
        days = {user: leg_days(weeks, first) for user, weeks in members.items()}
        weekly.append(ours.WeeklyServerSeed(server.guild.id, RECAP_TARGET, days))
    return Plan("recap", servers, expect, weekly, week=this_monday - timedelta(weeks=1))


def _recap_says(total: int) -> Callable[[Message], str | None]:
    wanted = f"**{total}** leg day"

    def check(message: Message) -> str | None:
        if wanted not in message.content:
            return f"the recap does not say {wanted!r}: {message.content[:120]!r}"
        if message.mention_ids:
            return f"the recap pinged {sorted(message.mention_ids)}"
        return None

    return check


def _risk_plan(servers: list[Server], this_monday: date, now: datetime, first_id: int) -> Plan:
    first = this_monday - timedelta(weeks=len(AT_RISK_WEEKS[0]) - 1)
    # The schedule gives the call its channel; it is due well outside the run.
    elsewhere = (now + timedelta(hours=12)).strftime("%H:%M")
    expect: dict[int, Callable[[Message], str | None]] = {}
    weekly = []
    for index, server in enumerate(servers):
        at_risk = server.member_ids[: len(AT_RISK_WEEKS)]
        met, short, not_opted = server.member_ids[len(AT_RISK_WEEKS) : len(AT_RISK_WEEKS) + 3]
        weeks = {
            **dict(zip(at_risk, AT_RISK_WEEKS, strict=True)),
            met: MET_THIS_WEEK,
            short: SHORT_STREAK,
            not_opted: NOT_OPTED_IN,
        }
        channel = server.text_channel_ids[0]
        expect[channel] = _risk_pings(set(at_risk))
        weekly.append(
            ours.WeeklyServerSeed(
                server.guild.id,
                RISK_TARGET,
                {user: leg_days(w, first) for user, w in weeks.items()},
                opted_in=[*at_risk, met, short],
                schedules=[
                    ours.ScheduleSeed(first_id + index, server.guild.id, channel, elsewhere, now)
                ],
            )
        )
    return Plan("risk", servers, expect, weekly, week=this_monday)


def _risk_pings(wanted: set[int]) -> Callable[[Message], str | None]:
    def check(message: Message) -> str | None:
        pinged = set(message.mention_ids)
        if pinged != wanted:
            return f"the call pinged {sorted(pinged)}, expected {sorted(wanted)}"
        return None

    return check
