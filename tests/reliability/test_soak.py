"""Issue 12, item 10: the soak. The real bot process against the local Discord, in 100
servers, under a steady mixed load with everything that goes wrong now and then going
wrong on a timetable:

* 20 commands a second: `!legday` and `/legday checkin`, the leaderboard (`top`), `stats`
  and a quote (`why`), each both ways, from random members of random servers;
* reminders at every whole minute of the run, in several servers each minute (schedules
  seeded before the start, each in a channel of its own);
* a forced gateway fault every `reconnect_every` seconds (op 7, op 9 not resumable, close
  4000, op 9 resumable, a dropped TCP connection, in turn);
* a 429 burst every `burst_every` seconds (on sending messages, then global, in turn).

Asserted: resident memory grows under 10% from the end of the warm-up to the end of the
run; the event loop's lag p99 (the bot's own report, LEGDAY_LOOP_LAG_REPORT_SECONDS) stays
under 100 ms; no ERROR line or traceback in the bot's log; every command answered exactly
once and every reminder posted exactly once (counted in the local Discord's messages); no
rule violation recorded by the local Discord.

Why the memory baseline is taken after a warm-up (1 minute of load short, 5 minutes long), not
at READY: the first minutes fill things that are meant to stay: CPython's allocator arenas
and free lists at their working size, SQLite's page cache (up to 2 MB per connection), the
settings and quote caches of each server once it has spoken, discord.py's per-channel
rate-limit buckets, modules imported on first use. Growth after that is what leaks look
like; growth before it is the bot reaching its working size.

Short variant (default, in `.ci/run`): 2 minutes. `--long`: 30 minutes. Numbers:
`RESULTS.md`.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest

from benchmarks import ours
from benchmarks.bot_under_test import wait_until
from benchmarks.processes import BotRun
from benchmarks.servers import Servers
from fakediscord import FakeDiscord, Message
from tests.reliability._soak_support import (
    COMMAND_CHANNELS,
    COMMAND_MIX,
    GATEWAY_FAULTS,
    Faults,
    LagLine,
    Load,
    Sampler,
    SoakSize,
    answers,
    error_lines,
    fire_time,
    lag_reports,
    now_utc,
    plan_reminders,
    seed_reminders,
)

pytestmark = [pytest.mark.e2e]
# SQLite only: the soak seeds its schedules into a SQLite file and measures the one-host
# setup; PostgreSQL's load numbers are the scale-out benchmark's.

SHORT = SoakSize(
    seconds=120,
    warmup=60,
    per_second=20,
    servers=100,
    reminders_per_minute=10,
    reconnect_every=45,
    burst_every=35,
    report_seconds=10,
)
LONG = SoakSize(
    seconds=30 * 60,
    warmup=5 * 60,
    per_second=20,
    servers=100,
    reminders_per_minute=10,
    reconnect_every=180,
    burst_every=100,
    report_seconds=60,
)
SEED = 20_10
RSS_GROWTH_LIMIT = 0.10
LAG_P99_LIMIT_MS = 100.0
#: after the load, how long the bot has to answer what is still in flight
SETTLE = 30.0


async def test_soak_mixed_load_with_reminders_reconnects_and_429s(
    tmp_path: Path, long_run: bool
) -> None:
    size = LONG if long_run else SHORT
    wall_started = time.monotonic()
    async with FakeDiscord(heartbeat_interval_ms=1000, strict_mentions=True) as fd:
        servers = Servers(fd, members_each=8, emojis=(0, 5))
        servers.grow_to(size.servers)
        db_path = tmp_path / "legday.db"
        seeded_at = now_utc()
        # Every whole minute up to `seconds` after now: the load starts a few seconds
        # later and runs `seconds`, so the last of them falls inside it.
        schedules = plan_reminders(
            servers, size, seeded_at, seeded_at + timedelta(seconds=size.seconds)
        )
        await seed_reminders(db_path, servers, schedules)
        env = ours.ours_reminder_bot_env(
            fd,
            f"sqlite+aiosqlite:///{db_path}",
            LEGDAY_GUILD_READY_TIMEOUT="0.05",
            LEGDAY_IDENTIFY_DELAY="0",
            LEGDAY_LOG_LEVEL="INFO",
            LEGDAY_LOOP_LAG_REPORT_SECONDS=str(size.report_seconds),
        )
        bot = BotRun("legday", ours.ours_bot_command(), env, tmp_path / "bot.log")
        await bot.start(fd, within=60)
        try:
            # The owner publishes the slash commands everywhere, as in production.
            owner_channel = fd.state.channels[servers.built[0].text_channel_ids[0]]
            said = await fd.say(fd.emulator.owner, owner_channel, ours.ours_sync_global_command())
            sync_reply = await fd.next_message(
                owner_channel,
                timeout=30,
                predicate=lambda m: (m.message_reference or {}).get("message_id") == str(said.id),
            )

            load = Load(fd, servers, size, SEED)
            faults = Faults(fd, load, size)
            started = time.monotonic()
            load_started_epoch = time.time()
            until = started + size.seconds
            sampler = Sampler(bot.pid, started)
            stop_sampling = asyncio.Event()
            sampling = asyncio.create_task(sampler.run(stop_sampling))
            cpu_before = sampler.take()
            await asyncio.gather(load.run(until), faults.run(started, until))
            load_seconds = time.monotonic() - started
            at_end = sampler.take()
            load_ended_epoch = time.time()

            # Answers still in flight, and the last reminders.
            def replies() -> dict[str, list[Message]]:
                found: dict[str, list[Message]] = {}
                for server in load.servers:
                    for channel_id in server.text_channel_ids[:COMMAND_CHANNELS]:
                        for message in fd.messages(fd.state.channels[channel_id]):
                            if message.author.id != fd.bot_user.id:
                                continue
                            reference = (message.message_reference or {}).get("message_id")
                            found.setdefault(str(reference), []).append(message)
                return found

            def all_answered() -> bool:
                found = replies()
                return all(answers(s, found) >= 1 for s in load.sent)

            reminder_channels = {s.channel_id for s in schedules}

            def reminders() -> Counter[int]:
                counted: Counter[int] = Counter()
                for channel_id in reminder_channels:
                    for message in fd.messages(fd.state.channels[channel_id]):
                        if message.author.id == fd.bot_user.id:
                            counted[channel_id] += ours.REMINDER_MARK in message.content
                return counted

            await wait_until(all_answered, SETTLE, 0.25)
            last_due = max(fire_time(s, seeded_at) for s in schedules)
            wait_for_reminders = max(0.0, (last_due - now_utc()).total_seconds()) + SETTLE
            await wait_until(
                lambda: len(reminders()) == len(reminder_channels), wait_for_reminders, 0.25
            )
            await asyncio.sleep(1.5)  # room for a late second answer to show up
            stop_sampling.set()
            await sampling
        finally:
            code = await bot.stop()
        log = bot.log_path.read_text(errors="replace")
        found = replies()
        reminded = reminders()
        violations = list(fd.violations)
        served_429s = fd.served_429s()

    wall = time.monotonic() - wall_started

    # Every command answered exactly once, and the bot said nothing else where they were
    # typed (the owner's sync reply aside).
    counts = Counter(answers(s, found) for s in load.sent)
    wrong = [(s.text, s.channel_id, answers(s, found)) for s in load.sent if answers(s, found) != 1]
    command_ids = {str(s.said.id) for s in load.sent if s.said is not None}
    slash_answers = {sync_reply.id}
    for sent in load.sent:
        if sent.record is not None:
            shown = [sent.record.response_message, *sent.record.followups]
            slash_answers |= {m.id for m in shown if m is not None}
    stray = [
        m
        for key, messages in found.items()
        if key not in command_ids
        for m in messages
        if m.id not in slash_answers
    ]
    # Every reminder occurrence posted exactly once.
    doubled = {c: n for c, n in reminded.items() if n > 1}
    missing = reminder_channels - {c for c, n in reminded.items() if n >= 1}

    # Memory: the median of the samples around the end of the warm-up against the median
    # of the last seconds of the load.
    baseline = sampler.rss_around(size.warmup - 5, size.warmup + 5)
    end = sampler.rss_around(load_seconds - 10, load_seconds)
    growth = (end - baseline) / baseline
    slope = sampler.slope_kib_per_minute(size.warmup)

    # Lag, by the bot's own reports: those wholly inside the load (the first covers the
    # start-up: READY from 100 servers and arming every schedule, not the soak).
    reports = [
        r
        for r in lag_reports(log)
        if load_started_epoch + r.seconds - 1 <= r.at <= load_ended_epoch + 1
    ]
    errors = error_lines(log)
    cpu_used = at_end.cpu - cpu_before.cpu
    queued = at_end.run_queue - cpu_before.run_queue
    kinds = Counter(f.kind for f in faults.fired)

    print(
        report(
            size=size,
            wall=wall,
            load_seconds=load_seconds,
            load=load,
            counts=counts,
            stray=len(stray),
            schedules=len(schedules),
            reminded=sum(reminded.values()),
            baseline=baseline,
            end=end,
            growth=growth,
            slope=slope,
            peak=max(s.rss_kib for s in sampler.samples),
            reports=reports,
            sampler=sampler,
            cpu_used=cpu_used,
            queued=queued,
            load_average=statistics.mean(s.load_average for s in sampler.samples),
            faults=faults,
            served_429s=len(served_429s),
            errors=len(errors),
        )
    )

    assert code == 0, f"{bot.ended}:\n{bot.log_tail()}"
    assert not errors, "\n".join(errors[:20])
    assert not violations, "\n".join(map(str, violations[:20]))
    assert not wrong, f"{len(wrong)} of {len(load.sent)} not answered once: {wrong[:20]}"
    assert not stray, [m.content or m.embeds for m in stray[:10]]
    assert not doubled, f"reminded twice: {doubled}"
    assert not missing, f"{len(missing)} of {len(reminder_channels)} reminders never posted"
    # The load really was the load: the rate, the mix, the faults.
    assert len(load.sent) >= size.per_second * size.seconds * 0.9
    assert {s.text for s in load.sent} == {text for text, _ in COMMAND_MIX}
    assert kinds[GATEWAY_FAULTS[0]] >= 1 and sum(kinds.values()) >= 4, kinds
    assert all(f.back_after is not None for f in faults.fired if f.kind in GATEWAY_FAULTS)
    assert served_429s, "no 429 was served"
    # Memory and lag.
    assert growth < RSS_GROWTH_LIMIT, f"RSS grew {growth:.1%}: {baseline:.0f} -> {end:.0f} KiB"
    assert len(reports) >= (size.seconds / size.report_seconds) * 0.8, len(reports)
    worst = max(r.p99 for r in reports)
    assert worst < LAG_P99_LIMIT_MS, f"event-loop lag p99 {worst} ms"


def report(
    *,
    size: SoakSize,
    wall: float,
    load_seconds: float,
    load: Load,
    counts: Counter[int],
    stray: int,
    schedules: int,
    reminded: int,
    baseline: float,
    end: float,
    growth: float,
    slope: float,
    peak: int,
    reports: list[LagLine],
    sampler: Sampler,
    cpu_used: float,
    queued: float,
    load_average: float,
    faults: Faults,
    served_429s: int,
    errors: int,
) -> str:
    """The run's numbers, for RESULTS.md."""
    mib = 1024
    by_kind = Counter(s.text for s in load.sent)
    p99s = [r.p99 for r in reports]
    own = [r.own_p99 for r in reports if r.own_p99 is not None]
    waited = sum(r.waited or 0.0 for r in reports)
    longest_gc = max(reports, key=lambda r: r.gc_longest)
    lines = [
        f"soak: {size.seconds / 60:.0f} min of load ({load_seconds:.0f} s), "
        f"{size.servers} servers, test wall time {wall:.0f} s",
        f"  commands: sent {len(load.sent)} ({len(load.sent) / load_seconds:.1f}/s), "
        f"answered once {counts[1]}, never {counts[0]}, twice or more "
        f"{sum(n for k, n in counts.items() if k > 1)}, stray bot messages {stray}",
        "  mix: " + ", ".join(f"{text} {n}" for text, n in sorted(by_kind.items())),
        f"  reminders: {schedules} occurrences planned, {reminded} posted",
        f"  RSS: baseline (after {size.warmup:.0f} s warm-up) {baseline / mib:.1f} MiB, "
        f"end {end / mib:.1f} MiB, growth {growth:+.1%}, "
        f"trend after warm-up {slope:+.0f} KiB/min, peak {peak / mib:.1f} MiB",
        "  RSS over time (MiB): " + sampler.timeline(every=size.report_seconds),
        f"  lag (bot's {len(reports)} reports of {size.report_seconds:.0f} s): "
        f"p50 median {statistics.median(r.p50 for r in reports):.1f} ms, "
        f"p99 median {statistics.median(p99s):.1f} ms / worst {max(p99s):.1f} ms, "
        f"max {max(r.longest for r in reports):.1f} ms",
        f"  lag without CPU-wait: p99 worst {max(own, default=float('nan')):.1f} ms, "
        f"max {max((r.own_longest or 0.0) for r in reports):.1f} ms; "
        f"loop thread waited for a CPU {waited:.1f} s in all (by the bot); "
        f"full GCs {sum(r.gc_full for r in reports)}, longest GC "
        f"{longest_gc.gc_longest:.1f} ms ({longest_gc.gc_longest_cpu:.1f} ms of it on the CPU)",
        f"  bot CPU {cpu_used:.0f} s in {load_seconds:.0f} s ({cpu_used / load_seconds:.0%} "
        f"of one CPU), main thread run-queue wait {queued:.1f} s "
        f"({queued / load_seconds:.1%} of wall); machine load average {load_average:.2f}",
        f"  faults: {len(faults.fired)} fired, 429s served {served_429s}; ERROR lines {errors}",
    ]
    for fired in faults.fired:
        back = "" if fired.back_after is None else f", back after {fired.back_after:.2f} s"
        lines.append(f"    {fired.at:6.0f} s {fired.kind}{back}")
    return "\n" + "\n".join(lines)
