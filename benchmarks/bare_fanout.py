"""The fan-out baseline: discord.py alone sends one message to each of many channels at once.

`python -m benchmarks.bare_fanout` reads the channel ids (one per line) from the file in
BENCH_CHANNELS_FILE, connects with the default intents and waits. On SIGUSR1 it sends one
message to every channel with `asyncio.gather`, through discord.py's public API only (no
pacing of its own: discord.py's handling of 429s is what is measured), then prints one line
`sent N failed M` and waits for the next signal or Ctrl-C.

Needs FAKEDISCORD_* set (see `FakeDiscord.env()`); imports nothing of legday.
"""

from __future__ import annotations

import asyncio
import os
import signal
from pathlib import Path

import discord

from benchmarks.bare_bot import point_at_local_discord

CONTENT = "🦵 **It's leg day!** Squats, lunges, deadlifts: pick your poison."


class FanOutBot(discord.Client):
    def __init__(self, channel_ids: list[int]) -> None:
        super().__init__(intents=discord.Intents.default())
        self.channel_ids = channel_ids
        self._tasks: set[asyncio.Task[None]] = set()

    async def setup_hook(self) -> None:
        asyncio.get_running_loop().add_signal_handler(signal.SIGUSR1, self._go)

    def _go(self) -> None:
        task = asyncio.create_task(self.send_all())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def send_all(self) -> None:
        sends = [
            self.get_partial_messageable(channel_id).send(CONTENT)
            for channel_id in self.channel_ids
        ]
        results = await asyncio.gather(*sends, return_exceptions=True)
        failed = [r for r in results if isinstance(r, BaseException)]
        print(f"sent {len(results) - len(failed)} failed {len(failed)}", flush=True)
        for error in failed[:3]:
            print(f"  e.g. {type(error).__name__}: {error}", flush=True)


def main() -> None:
    point_at_local_discord()
    text = Path(os.environ["BENCH_CHANNELS_FILE"]).read_text()
    channel_ids = [int(line) for line in text.split() if line]
    FanOutBot(channel_ids).run(os.environ["FAKEDISCORD_TOKEN"], log_handler=None)


if __name__ == "__main__":
    main()
