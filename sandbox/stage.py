"""The local Discord, the demo server and the real bot process, wired together.

Used by `legday sandbox` and by the end-to-end tests, so both drive the bot exactly the
way production does: a separate `python -m bot run` that only knows two URLs.
"""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path

from fakediscord import FakeDiscord
from sandbox.demo import Demo
from sandbox.process import BotProcess


class Stage:
    def __init__(
        self,
        fd: FakeDiscord,
        demo: Demo,
        database_url: str,
        folder: Path,
        env: dict[str, str] | None = None,
        *,
        stop_signal: signal.Signals = signal.SIGINT,
    ) -> None:
        self.fd = fd
        self.demo = demo
        self.database_url = database_url
        self.folder = folder
        self.extra_env = dict(env or {})
        self.stop_signal = stop_signal
        self.bot = BotProcess(self.env(), folder / "bot.log", stop_signal)
        self._readies = 0

    def env(self) -> dict[str, str]:
        return {
            "DISCORD_API_BASE": self.fd.api_base,
            "DISCORD_GATEWAY_URL": self.fd.gateway_url,
            "DISCORD_TOKEN": self.fd.bot_token,
            "DATABASE_URL": self.database_url,
            "LEGDAY_DEV_GUILD_ID": str(self.demo.guild.id),
            "LEGDAY_GUILD_READY_TIMEOUT": "0.05",
            "LEGDAY_IDENTIFY_DELAY": "0",
            "LEGDAY_LOG_LEVEL": "WARNING",
            "LEGDAY_PREFIX": "!",
            **self.extra_env,
        }

    def shards(self) -> tuple[list[int], int] | None:
        """The shards this stage's bot holds and the bot's shard count (None: unsharded),
        read from LEGDAY_SHARD_IDS ("0,1" or "0-3") and LEGDAY_SHARD_COUNT."""
        env = self.env()
        count = env.get("LEGDAY_SHARD_COUNT")
        if not count:
            return None
        held: list[int] = []
        for part in env.get("LEGDAY_SHARD_IDS", f"0-{int(count) - 1}").split(","):
            first, _, last = part.strip().partition("-")
            held += range(int(first), int(last or first) + 1)
        return held, int(count)

    async def start_bot(self, within: float = 30.0) -> None:
        """Start the bot and wait until it has synced its commands and identified (each of
        its shards, when sharded: other bots may share the local Discord)."""
        self.bot = BotProcess(self.env(), self.bot.log_path, self.stop_signal)
        since = self.fd.identify_count
        await self.bot.start()
        self._readies += 1
        shards = self.shards()
        ready = (
            self.fd.wait_ready(within, count=self._readies)
            if shards is None
            else self.fd.wait_shards(shards[0], shards[1], timeout=within, since=since)
        )
        waiting = asyncio.create_task(ready)
        exited = asyncio.create_task(self.bot.wait(within))
        done, _ = await asyncio.wait({waiting, exited}, return_when=asyncio.FIRST_COMPLETED)
        for task in (waiting, exited):
            task.cancel()
        if not self.bot.running:
            raise RuntimeError("the bot exited during start-up:\n" + self.bot.log_text()[-3000:])
        if waiting in done and waiting.exception() is None:
            return
        # Still running but not up in time: killed, so no test leaves a bot behind.
        await self.bot.kill()
        why = waiting.exception() if waiting in done else f"no READY within {within} s"
        raise RuntimeError(f"the bot did not come up: {why}\n" + self.bot.log_text()[-3000:])

    async def stop_bot(self) -> int | None:
        return await self.bot.stop()

    async def kill_bot(self) -> None:
        await self.bot.kill()

    async def restart_bot(self, *, crash: bool = False) -> None:
        if crash:
            await self.kill_bot()
        else:
            await self.stop_bot()
        await self.start_bot()
