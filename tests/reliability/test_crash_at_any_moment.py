"""Item 1: kill -9 the bot again and again during a reminder fan-out; every occurrence is
delivered exactly once, with Discord's nonce check on (as Discord, for a few minutes) and
off (as Discord once that window has closed).

Half the kills are exact: the local Discord kills the bot the moment it stores one of its
reminders, before the answer leaves, so the bot dies between its post and the `sent`
record (inside the claim-send-ack sequence). The other half land at a random moment after
a start: during start-up, the catch-up's reads, a claim, or a post. Every restart runs on
the same database (a SQLite file, or a PostgreSQL database). Short variant: 200 servers,
20 kills; `--long`: 500 servers, 60 kills.
"""

from __future__ import annotations

import asyncio
import os
import random
import signal
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from benchmarks import ours
from benchmarks.bot_under_test import wait_until
from benchmarks.processes import BotRun, disconnect_all
from benchmarks.servers import Servers
from fakediscord import FakeDiscord, Message
from tests.postgres import backend_url, query

pytestmark = [pytest.mark.e2e]

CATCHUP_MINUTES = 120
ADOPTED_LINE = "not posted again"


@dataclass
class Reminders:
    """The bot's reminder messages as the local Discord stores them, by channel, and the
    kill switch that fires from inside that store."""

    fd: FakeDiscord
    channels: set[int]
    times: dict[int, list[float]] = field(default_factory=dict)
    ids: dict[int, list[int]] = field(default_factory=dict)
    kill_after: int | None = None  # kill the bot when this many more reminders are stored
    pid: int | None = None
    exact_kills: int = 0

    def __call__(self, message: Message) -> None:
        if message.author.id != self.fd.bot_user.id or message.channel_id not in self.channels:
            return
        if ours.REMINDER_MARK not in message.content:
            return
        self.times.setdefault(message.channel_id, []).append(time.time())
        self.ids.setdefault(message.channel_id, []).append(message.id)
        if self.kill_after is not None:
            self.kill_after -= 1
            if self.kill_after <= 0 and self.pid is not None:
                # Synchronously, before the emulator answers the POST: the message exists,
                # the bot never hears so.
                os.kill(self.pid, signal.SIGKILL)
                self.exact_kills += 1
                self.kill_after = None
                self.pid = None

    def delivered(self) -> int:
        return len(self.times)


def _due_minute(now: datetime) -> datetime:
    """The whole minute just gone (at least a second ago): due, so the first start's
    catch-up sends it at once and no test waits for a clock."""
    minute = (now - timedelta(seconds=1)).replace(second=0, microsecond=0)
    return minute


async def _seed(url: str, servers: Servers, due: datetime) -> list[int]:
    store = await ours.ours_open_store(url)
    try:
        created = due - timedelta(days=1)
        schedules = [
            ours.ScheduleSeed(
                index + 1, s.guild.id, s.text_channel_ids[0], due.strftime("%H:%M"), created
            )
            for index, s in enumerate(servers.built)
        ]
        opted = [(s.guild.id, user) for s in servers.built for user in s.member_ids[:3]]
        await ours.ours_seed_reminders(store, schedules, opted)
    finally:
        await ours.ours_close_store(store)
    return [s.channel_id for s in schedules]


def _deliveries(url: str) -> dict[int, tuple[str, int | None, int]]:
    rows = query(
        url, "SELECT schedule_id, state, message_id, attempts FROM deliveries WHERE kind = 'main'"
    )
    if url.startswith("sqlite"):  # a file the kills could have torn; PostgreSQL has WAL
        [(check,)] = query(url, "PRAGMA integrity_check")
        assert check == "ok", check
    return {int(r[0]): (str(r[1]), r[2], int(r[3])) for r in rows}


@pytest.mark.parametrize("nonce_dedupe", [True, False], ids=["nonce-check-on", "nonce-check-off"])
async def test_kill_9_at_any_moment_delivers_every_reminder_exactly_once(
    tmp_path: Path, nonce_dedupe: bool, long_run: bool, backend: str
) -> None:
    count, kills = (500, 60) if long_run else (200, 20)
    rng = random.Random(1200 + nonce_dedupe)
    async with (
        backend_url(backend, tmp_path / "legday.db") as url,
        FakeDiscord(heartbeat_interval_ms=1000, check_types=False, nonce_dedupe=nonce_dedupe) as fd,
    ):
        servers = Servers(fd, members_each=6, emojis=(0, 0))
        servers.grow_to(count)
        due = _due_minute(datetime.now(UTC))
        channels = await _seed(url, servers, due)
        reminders = Reminders(fd, set(channels))
        stop_observing = fd.observe_messages(reminders)
        env = ours.ours_reminder_bot_env(
            fd,
            url,
            LEGDAY_CATCHUP_MINUTES=str(CATCHUP_MINUTES),
            LEGDAY_GUILD_READY_TIMEOUT="0.05",
            LEGDAY_IDENTIFY_DELAY="0",
        )
        log_path = tmp_path / "bot.log"
        random_kills = 0
        try:
            for round_number in range(kills):
                bot = BotRun(f"legday-{round_number}", ours.ours_bot_command(), env, log_path)
                exact = round_number % 2 == 0
                if exact:
                    reminders.kill_after = rng.randint(1, 8)
                await bot.start(fd, within=60)
                if exact:
                    reminders.pid = bot.pid
                    await wait_until(lambda: reminders.pid is None, 20, 0.01)
                    if reminders.pid is not None:  # nothing left to send: kill anyway
                        reminders.pid = reminders.kill_after = None
                else:
                    await asyncio.sleep(rng.uniform(0.0, 0.5))
                    random_kills += 1
                await bot.kill()
                await disconnect_all(fd)
            # The last start: nothing kills it; it finishes the fan-out and stops cleanly.
            bot = BotRun("legday-final", ours.ours_bot_command(), env, log_path)
            await bot.start(fd, within=60)
            await wait_until(lambda: reminders.delivered() >= len(channels), 60)
            await asyncio.sleep(3.0)  # time for a second copy to show up, if one would
            code = await bot.stop()
        finally:
            stop_observing()
        log = log_path.read_text(errors="replace")
        assert code == 0, bot.ended
        assert "Traceback" not in log, log[-4000:]

        doubled = {c: n for c, n in reminders.ids.items() if len(n) > 1}
        lost = [c for c in channels if c not in reminders.ids]
        rows = _deliveries(url)
        adopted = log.count(ADOPTED_LINE)
        late = max(t for found in reminders.times.values() for t in found) - due.timestamp()
        print(
            f"\n{count} servers, {kills} kills ({reminders.exact_kills} between a post and "
            f"its record, {random_kills} at random), nonce check "
            f"{'on' if nonce_dedupe else 'off'}: {reminders.delivered()} channels reminded, "
            f"{len(doubled)} twice, {len(lost)} never; {adopted} deliveries found their "
            f"earlier post and adopted it; last reminder {late:.0f} s after it was due"
        )
        assert not doubled, f"reminded twice: {doubled}"
        assert not lost, f"{len(lost)} channels never reminded"
        assert late < CATCHUP_MINUTES * 60
        # The exact kills really landed between a post and its record, and each of those
        # posts was found and adopted, not posted again.
        assert reminders.exact_kills >= kills // 2 - 2
        assert adopted >= reminders.exact_kills
        # The ledger agrees with the channels: each occurrence sent once, with its message.
        by_channel = dict(zip(channels, range(1, len(channels) + 1), strict=True))
        for channel, (message_id,) in reminders.ids.items():
            state, recorded, _ = rows[by_channel[channel]]
            assert (state, recorded) == ("sent", message_id)
