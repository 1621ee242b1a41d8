"""The check-in storm's parts (issue 12, item 2): the plan of commands, the gateway
faults fired at random while they are sent, and what the bot's database holds afterwards.

The faults follow Discord's rules for what survives a disconnect:

* op 7 RECONNECT, op 9 with ``d: true``, a close with 4000 and a TCP connection dropped
  without a close frame all leave the session resumable: Discord keeps the events
  dispatched meanwhile and replays them after RESUME, so a command said during the gap is
  answered like any other.
* op 9 with ``d: false`` ends the session: the client IDENTIFYs again and whatever was
  dispatched before the new READY never reaches it (the message is in the channel, the
  interaction fails for the member). The storm sends no command in that gap; it sends
  probes instead, and the test checks that they really were lost, as on Discord.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from fakediscord import FakeDiscord, Message, User
from fakediscord.interactions import InteractionRecord
from tests.postgres import query

RECONNECT = "op 7 reconnect"
RESUMABLE_INVALID = "op 9 resumable"
NEW_SESSION = "op 9 not resumable"
CLOSE_4000 = "close 4000"
TCP_DROP = "TCP dropped"
FAULT_KINDS = (RECONNECT, RESUMABLE_INVALID, NEW_SESSION, CLOSE_4000, TCP_DROP)
RESUMABLE_KINDS = frozenset(FAULT_KINDS) - {NEW_SESSION}


async def break_resumably(fd: FakeDiscord, kind: str) -> None:
    """Break the bot's gateway connection in one of the ways that leave its session
    resumable (any kind but NEW_SESSION), and check there was a connection to break."""
    if kind == RECONNECT:
        hit = await fd.send_reconnect()
    elif kind == RESUMABLE_INVALID:
        hit = await fd.send_invalid_session(resumable=True)
    elif kind == CLOSE_4000:
        hit = await fd.drop_connection(code=4000)
    else:
        hit = await fd.drop_connection()
    assert hit == 1, f"{kind}: no live connection to break"


async def wait_resumed(
    fd: FakeDiscord, kind: str, resumes: int, readies: int, within: float
) -> None:
    """Wait for the bot to come back after `break_resumably`, and check it resumed (given
    the hub's RESUME and READY counts from before the break) rather than identified."""
    hub = fd.emulator.hub
    await fd.emulator.notifier.wait_for(
        lambda: hub.resume_count > resumes or hub.ready_count > readies,
        within,
        f"the bot to come back after {kind}",
    )
    assert hub.ready_count == readies, f"after {kind} the bot had to IDENTIFY again"


TODAY_TITLE = "Leg day logged 🦵"
BACKFILL_TITLE = "Leg day backfilled 🦵"


@dataclass(frozen=True, slots=True)
class StormSize:
    members: int
    #: check-ins per member: today's plus one backfill for each of the days before it
    days: int
    #: share of the commands sent as slash commands
    slash_share: float
    #: seconds between two faults, drawn uniformly
    fault_gap: tuple[float, float]

    @property
    def checkins(self) -> int:
        return self.members * self.days


@dataclass(slots=True, eq=False)
class Command:
    """One check-in command and what came of it."""

    member: User
    day: date
    today: bool
    slash: bool
    note: str | None
    said: Message | None = None
    record: InteractionRecord | None = None
    #: said by the fault task right after a resumable fault, before the bot was back
    in_gap: str | None = None
    sent_at: float = 0.0

    @property
    def source(self) -> str:
        if not self.today:
            return "backfill"
        return "slash" if self.slash else "command"

    @property
    def title(self) -> str:
        return TODAY_TITLE if self.today else BACKFILL_TITLE

    async def send(self, fd: FakeDiscord, channel_id: int) -> None:
        channel = fd.state.channels[channel_id]
        self.sent_at = time.monotonic()
        if self.slash:
            if self.today:
                self.record = await fd.slash(
                    self.member, channel, "legday checkin", {"note": self.note}
                )
            else:
                self.record = await fd.slash(
                    self.member, channel, "legday log", {"day": self.day.isoformat()}
                )
        elif self.today:
            self.said = await fd.say(self.member, channel, f"!legday {self.note}")
        else:
            self.said = await fd.say(self.member, channel, f"!legday log {self.day.isoformat()}")


def midday_zone(now: datetime | None = None) -> str:
    """A fixed-offset zone where it is around noon now, so the storm's 'today' and its
    backfill days cannot move under it at midnight, whenever the test runs."""
    hour = (now or datetime.now(UTC)).hour
    offset = (12 - hour + 12) % 24 - 12  # -12..11
    # POSIX-style names: Etc/GMT-5 is five hours *ahead* of UTC.
    return "UTC" if offset == 0 else f"Etc/GMT{-offset:+d}"


def local_today(zone: str) -> date:
    return datetime.now(ZoneInfo(zone)).date()


def plan_commands(
    members: list[User], size: StormSize, today: date, rng: random.Random
) -> list[Command]:
    """Each member checks in today (with a note naming the command) and backfills the
    `days - 1` days before: one command per member-day, so every command has exactly one
    right outcome (a new row, a reply saying so) whatever order they are handled in."""
    commands = []
    for index, member in enumerate(members):
        for back in range(size.days):
            slash = rng.random() < size.slash_share
            note = f"storm {index}: squats set {back}" if back == 0 else None
            day = today - timedelta(days=back)
            commands.append(Command(member, day, back == 0, slash, note))
    rng.shuffle(commands)
    return commands


@dataclass(slots=True)
class FaultLog:
    fired: Counter[str] = field(default_factory=Counter)
    #: seconds from firing a fault to a live session again, per kind
    recovery: dict[str, list[float]] = field(default_factory=dict)
    #: MESSAGE_CREATE / INTERACTION_CREATE frames sent to a resuming connection before its
    #: RESUMED: the events the bot missed, replayed
    replayed: Counter[str] = field(default_factory=Counter)
    #: messages and interactions said while the session was gone (op 9, not resumable)
    lost_probes: list[Message | InteractionRecord] = field(default_factory=list)


class FaultStorm:
    """Fires the five gateway faults at random (every kind at least once, then any),
    one at a time: the next waits until the bot is back from the last."""

    def __init__(
        self,
        fd: FakeDiscord,
        channel_id: int,
        pending: deque[Command],
        ghost: User,
        size: StormSize,
        rng: random.Random,
    ) -> None:
        self.fd = fd
        self.channel_id = channel_id
        self.pending = pending
        self.ghost = ghost
        self.size = size
        self.rng = rng
        #: set while commands may be sent: cleared from an op 9 (not resumable) until the
        #: bot's new READY
        self.session_open = asyncio.Event()
        self.session_open.set()
        self.log = FaultLog()
        self._gap_slash = False

    async def run(self, stop: asyncio.Event) -> None:
        first = self.rng.sample(FAULT_KINDS, len(FAULT_KINDS))
        while True:
            try:
                await asyncio.wait_for(stop.wait(), self.rng.uniform(*self.size.fault_gap))
                return
            except TimeoutError:
                pass
            await self.fire(first.pop() if first else self.rng.choice(FAULT_KINDS))

    async def fire(self, kind: str) -> None:
        fd, hub = self.fd, self.fd.emulator.hub
        await fd.wait_connected(timeout=15)
        resumes, readies = hub.resume_count, hub.ready_count
        last_resumed = self._last_resumed_connection()
        started = time.monotonic()
        if kind == NEW_SESSION:
            self.session_open.clear()
            try:
                assert await fd.send_invalid_session(resumable=False) == 1
                await self._probe_lost_gap()
                await fd.wait_ready(15, count=readies + 1)
            finally:
                self.session_open.set()
        else:
            await break_resumably(fd, kind)
            await self._say_in_gap(kind)
            await wait_resumed(fd, kind, resumes, readies, within=15)
            await fd.wait_connected(timeout=15)
            await self._count_replayed(after=last_resumed)
        self.log.fired[kind] += 1
        self.log.recovery.setdefault(kind, []).append(time.monotonic() - started)

    async def _say_in_gap(self, kind: str) -> None:
        """Say the next pending command (a message and a slash command in turn) right
        after the fault, before the bot can be back: only RESUME's replay can bring it."""
        want_slash = self._gap_slash
        for command in self.pending:
            if command.slash == want_slash:
                self.pending.remove(command)
                command.in_gap = kind
                await command.send(self.fd, self.channel_id)
                self._gap_slash = not want_slash
                return

    async def _probe_lost_gap(self) -> None:
        """A member speaks while the session is gone: on Discord nobody hears it."""
        channel = self.fd.state.channels[self.channel_id]
        number = len(self.log.lost_probes)
        said = await self.fd.say(self.ghost, channel, f"!legday ghost {number}")
        record = await self.fd.slash(
            self.ghost, channel, "legday checkin", {"note": f"ghost {number}"}
        )
        self.log.lost_probes += [said, record]

    def _last_resumed_connection(self) -> int:
        frames = self.fd.emulator.hub.frames
        return next((f.connection for f in reversed(frames) if f.t == "RESUMED"), 0)

    async def _count_replayed(self, *, after: int) -> None:
        """Count the events replayed on the connection that just resumed (the frames sent
        on it before RESUMED)."""
        await self.fd.emulator.notifier.wait_for(
            lambda: self._last_resumed_connection() > after, 5, "RESUMED on a new connection"
        )
        frames = list(self.fd.emulator.hub.frames)
        resumed_on = self._last_resumed_connection()
        for frame in frames:
            if frame.connection != resumed_on or frame.direction != "out":
                continue
            if frame.t == "RESUMED":
                break
            if frame.t in ("MESSAGE_CREATE", "INTERACTION_CREATE"):
                self.log.replayed[frame.t] += 1


@dataclass(frozen=True, slots=True)
class StoredCheckin:
    user_id: int
    day: date
    note: str | None
    source: str


def stored_checkins(url: str, guild_id: int) -> list[StoredCheckin]:
    """Every check-in row of the guild, read straight from the bot's database."""
    rows = query(
        url, "SELECT user_id, day, note, source FROM checkins WHERE guild_id = :g", {"g": guild_id}
    )
    return [
        StoredCheckin(int(u), d if isinstance(d, date) else date.fromisoformat(d), n, s)
        for u, d, n, s in rows
    ]


def stored_totals(url: str, guild_id: int) -> dict[int, int]:
    """Each member's all-time total as the summaries kept it (member_stats.total)."""
    rows = query(
        url, "SELECT user_id, total FROM member_stats WHERE guild_id = :g", {"g": guild_id}
    )
    return {int(u): int(t) for u, t in rows}
