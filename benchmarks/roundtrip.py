"""`python -m benchmarks.roundtrip`: a `!legday` check-in against a bare discord.py bot's `!ping`.

Both bots run as real processes against the same local Discord, one after the other in
one run; the time is from the member's message to the bot's reply arriving. The gap is
what the bot adds: settings lookup, the check-in transaction, the quote, the embed.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bot.sandbox.demo import build_demo
from bot.sandbox.process import BotProcess
from bot.sandbox.stage import Stage
from fakediscord import FakeDiscord

PROJECT = str(Path(__file__).resolve().parents[1])  # so the child finds benchmarks/


async def _measure(fd: FakeDiscord, channel: object, texts: list[str], users: list) -> list[float]:
    samples = []
    for user, text in zip(users, texts, strict=True):
        started = time.perf_counter()
        await fd.say(user, channel, text)
        await fd.next_message(channel, timeout=10)
        samples.append((time.perf_counter() - started) * 1000)
    return samples


async def main(runs: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        async with FakeDiscord(heartbeat_interval_ms=5000) as fd:
            demo = build_demo(fd)
            users = [fd.create_user(f"lifter{i}") for i in range(runs)]
            for user in users:
                fd.add_member(demo.guild, user)

            # Latency, not rate limits, is measured here: lift the emulator's global cap.
            fd.set_global_rate_limit(None)

            stage = Stage(
                fd,
                demo,
                f"sqlite+aiosqlite:///{folder}/bench.db",
                Path(folder),
                {"LEGDAY_COOLDOWN_RATE": "100000"},
            )
            await stage.start_bot()
            await _measure(fd, demo.gym, ["!legday why"] * 5, users[:5])  # warm-up
            ours = await _measure(fd, demo.gym, ["!legday"] * runs, users)
            await stage.stop_bot()

            bare = BotProcess({**fd.env(), "PYTHONPATH": PROJECT}, Path(folder) / "bare.log")
            await bare.start([sys.executable, "-m", "fakediscord.launch", "benchmarks.bare_bot"])
            await fd.wait_ready(30, count=2)
            await _measure(fd, demo.gym, ["!ping"] * 5, users[:5])  # warm-up
            baseline = await _measure(fd, demo.gym, ["!ping"] * runs, users)
            await bare.stop()

    def line(name: str, samples: list[float]) -> str:
        p95 = sorted(samples)[int(len(samples) * 0.95) - 1]
        return f"{name:<34} median {statistics.median(samples):7.2f} ms   p95 {p95:7.2f} ms"

    print(f"{runs} messages each, member message -> bot reply, through the local Discord")
    print(line("bare discord.py bot, !ping", baseline))
    print(line("legday, !legday (a new check-in)", ours))
    print(f"legday adds {statistics.median(ours) - statistics.median(baseline):.2f} ms (median)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=100)
    asyncio.run(main(parser.parse_args().runs))
