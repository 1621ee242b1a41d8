"""Issue 12, item 2: a check-in storm while the gateway keeps breaking.

Members check in (`!legday <note>`, `/legday checkin note:`) and backfill the days before
(`!legday log <day>`, `/legday log day:`) while a seeded fault task fires op 7, op 9
(resumable and not), close 4000 and dropped TCP connections at the real bot process.

A member can log one leg day per day, so each member sends one command per day (today and
the days before it): every command then has exactly one right outcome, a new row and a
reply saying "logged" or "backfilled", in whatever order the bot handles them. Afterwards:

* the bot's database holds every expected check-in exactly once, with its note and source,
  and each member's summary total matches;
* every command got exactly one answer (a reply to the message, or one interaction
  callback), and the bot said nothing else;
* commands said just after a resumable fault reached the bot by RESUME's replay;
* probes said while the session was gone (op 9, not resumable) got nothing, as on Discord.

The short variant (default, in CI) is the issue's size: 1,000 check-ins from 200 members,
about 25 s of commands at Discord's pace. `--long` runs 5,000 from 1,000 members with
faults about twice as often. Numbers: `RESULTS.md`.
"""

from __future__ import annotations

import asyncio
import random
import statistics
import time
from collections import Counter, deque
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from fakediscord import Message
from tests.e2e.conftest import E2E, open_stage
from tests.reliability._storm_support import (
    FAULT_KINDS,
    NEW_SESSION,
    RESUMABLE_KINDS,
    Command,
    FaultLog,
    FaultStorm,
    StormSize,
    local_today,
    midday_zone,
    plan_commands,
    stored_checkins,
    stored_totals,
)

pytestmark = [pytest.mark.e2e]

SHORT = StormSize(members=200, days=5, slash_share=0.3, fault_gap=(0.3, 1.1))
LONG = StormSize(members=1000, days=5, slash_share=0.3, fault_gap=(0.2, 0.7))
SEED = 20_12
#: after the last command, how long the bot has to answer everything still in flight
SETTLE = 60.0


@pytest_asyncio.fixture
async def storm_stage(tmp_path: Path, backend: str) -> AsyncIterator[tuple[E2E, str]]:
    zone = midday_zone()
    async for e2e in open_stage(tmp_path, {"LEGDAY_DEFAULT_TIMEZONE": zone}, backend=backend):
        yield e2e, zone


def bot_replies(e2e: E2E) -> dict[str, list[Message]]:
    """The bot's messages in #gym that reply to a message, by the replied-to message id."""
    found: dict[str, list[Message]] = {}
    for message in e2e.fd.messages(e2e.gym):
        if message.author.id != e2e.fd.bot_user.id or not message.message_reference:
            continue
        found.setdefault(str(message.message_reference.get("message_id")), []).append(message)
    return found


def answered(command: Command, replies: dict[str, list[Message]]) -> bool:
    if command.record is not None:
        return command.record.response_message is not None
    assert command.said is not None
    return str(command.said.id) in replies


def answers_of(command: Command, replies: dict[str, list[Message]]) -> tuple[int, Message | None]:
    """How many times the bot answered one command, and the (first) answer the member saw:
    replies to the message, or interaction callbacks (a second one is refused by Discord,
    but it is still a second answer) and followups."""
    if command.record is not None:
        record = command.record
        return len(record.callbacks) + len(record.followups), record.response_message
    assert command.said is not None
    found = replies.get(str(command.said.id), [])
    return len(found), found[0] if found else None


async def test_checkin_storm_under_gateway_faults(
    storm_stage: tuple[E2E, str], long_run: bool
) -> None:
    e2e, zone = storm_stage
    fd = e2e.fd
    size = LONG if long_run else SHORT
    rng = random.Random(SEED)
    members = [e2e.member("storm") for _ in range(size.members)]
    ghost = e2e.member("ghost")
    today = local_today(zone)
    commands = plan_commands(members, size, today, rng)
    pending = deque(commands)
    faults = FaultStorm(fd, e2e.gym.id, pending, ghost, size, rng)
    identifies, resumes = fd.identify_count, fd.resume_count

    stored_at: dict[int, float] = {}

    def note_time(message: Message) -> None:
        stored_at.setdefault(message.id, time.monotonic())

    stop_watching = fd.observe_messages(note_time)
    stop = asyncio.Event()
    started = time.monotonic()
    fault_task = asyncio.create_task(faults.run(stop))
    try:
        while pending:
            await e2e.pace()
            while not faults.session_open.is_set():
                await faults.session_open.wait()
            if pending:  # the fault task may have said the last one
                await pending.popleft().send(fd, e2e.gym.id)
    finally:
        stop.set()
        await fault_task
    sending = time.monotonic() - started

    deadline = time.monotonic() + SETTLE
    while time.monotonic() < deadline:
        replies = bot_replies(e2e)
        if all(answered(c, replies) for c in commands):
            break
        await asyncio.sleep(0.25)
    settled = time.monotonic() - started
    await asyncio.sleep(1.0)  # room for a late duplicate to show up
    stop_watching()
    replies = bot_replies(e2e)
    assert local_today(zone) == today, "the day changed during the storm"

    # Every command: exactly one answer, saying what happened to that very day.
    problems = []
    latency: dict[Command, float] = {}
    for command in commands:
        count, answer = answers_of(command, replies)
        who = f"{command.source} {command.day} by {command.member.name}"
        if count != 1 or answer is None:
            problems.append(f"{who}: {count} answers")
            continue
        embed = answer.embeds[0] if answer.embeds else {}
        mentioned = f"<@{command.member.id}>" in embed.get("description", "")
        if embed.get("title") != command.title or not mentioned:
            problems.append(f"{who}: answered {embed or answer.content!r}")
        latency[command] = stored_at[answer.id] - command.sent_at
    assert not problems, f"{len(problems)} of {len(commands)}:\n" + "\n".join(problems[:20])
    # ...and the bot said nothing else in #gym.
    bot_messages = [m for m in fd.messages(e2e.gym) if m.author.id == fd.bot_user.id]
    assert len(bot_messages) == len(commands)

    # The database: every expected check-in, exactly once, with its note and source.
    rows = stored_checkins(e2e.stage.database_url, e2e.guild.id)
    counted = Counter((r.user_id, r.day) for r in rows)
    assert not [key for key, n in counted.items() if n > 1]
    by_key = {(r.user_id, r.day): r for r in rows}
    expected = {(c.member.id, c.day): c for c in commands}
    member_ids = {m.id for m in members}
    storm_rows = {key for key in by_key if key[0] in member_ids}
    assert storm_rows == set(expected), (
        f"missing {len(set(expected) - storm_rows)}, unexpected {len(storm_rows - set(expected))}"
    )
    wrong = [
        (key, by_key[key])
        for key, command in expected.items()
        if (by_key[key].note, by_key[key].source) != (command.note, command.source)
    ]
    assert not wrong, wrong[:10]
    totals = stored_totals(e2e.stage.database_url, e2e.guild.id)
    assert {m.id: totals.get(m.id) for m in members} == {m.id: size.days for m in members}

    # Every kind of fault fired; the resumable ones resumed, and what was said in their
    # gap came back by replay (messages and interactions both).
    log = faults.log
    assert set(log.fired) == set(FAULT_KINDS), log.fired
    gap_commands = [c for c in commands if c.in_gap]
    assert {c.in_gap for c in gap_commands} == set(RESUMABLE_KINDS)
    assert {c.slash for c in gap_commands} == {True, False}
    assert log.replayed["MESSAGE_CREATE"] > 0 and log.replayed["INTERACTION_CREATE"] > 0
    assert fd.resume_count - resumes == sum(log.fired[k] for k in RESUMABLE_KINDS)
    assert fd.identify_count - identifies == log.fired[NEW_SESSION]

    # What was said while the session was gone never reached the bot, as on Discord.
    for probe in log.lost_probes:
        if isinstance(probe, Message):
            assert str(probe.id) not in replies
        else:
            assert not probe.callbacks
    assert ghost.id not in {r.user_id for r in rows}

    print(report(size, commands, latency, log, sending, settled))


def report(
    size: StormSize,
    commands: list[Command],
    latency: dict[Command, float],
    log: FaultLog,
    sending: float,
    settled: float,
) -> str:
    """The run's numbers, for RESULTS.md."""

    def spread(values: list[float]) -> str:
        ordered = sorted(values)
        p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
        return (
            f"median {statistics.median(ordered) * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms, "
            f"max {ordered[-1] * 1000:.0f} ms"
        )

    gap = [latency[c] for c in commands if c.in_gap]
    lines = [
        f"storm: {len(commands)} check-ins from {size.members} members "
        f"({sum(c.slash for c in commands)} slash), seed {SEED}",
        f"  sent in {sending:.1f} s, all answered {settled:.1f} s after the first "
        f"({len(commands) / settled:.0f} check-ins/s)",
        f"  answer after: {spread(list(latency.values()))}",
        f"  said in a resumable gap ({len(gap)}), answer after: {spread(gap)}",
        f"  replayed on RESUME: {dict(log.replayed)}; "
        f"lost with the session (probes): {len(log.lost_probes)}",
    ]
    for kind in FAULT_KINDS:
        lines.append(
            f"  {kind}: fired {log.fired[kind]}, bot back after {spread(log.recovery[kind])}"
        )
    return "\n" + "\n".join(lines)
