"""The sandbox: a local Discord, a demo server, the real bot, and a chat in the terminal."""

from __future__ import annotations

import asyncio
import contextlib
import shlex
import sys
import tempfile
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TextIO
from zoneinfo import ZoneInfo

from bot.core.days import effective_zone
from bot.runner import open_store
from bot.sandbox.demo import Demo, build_demo, seed_schedule
from bot.sandbox.render import Button, Names, buttons_of, message_lines
from bot.sandbox.stage import Stage
from bot.settings import Settings
from bot.store import Store
from fakediscord import Channel, FakeDiscord, Message, ScenarioError, User

HELP = """\
Type a message as the current member (e.g. `!legday squats`), or:
  /legday top period:month    a slash command (options as name:value)
  :click N                    click button [N]
  :as bob                     talk as another member (alice is an admin)
  :in general                 switch channel
  :remind-in 1                add a reminder schedule firing within N minutes
  :wait 5                     wait N seconds for the bot
  :who                        members, roles and channels
  :help / :quit"""

REPLY_TIMEOUT = 8.0
QUIET = 0.4


class Sandbox:
    def __init__(self, settings: Settings, out: TextIO, database: Path | None) -> None:
        self.settings = settings
        self.out = out
        self.database = database
        self.fd: FakeDiscord | None = None
        self.demo: Demo | None = None
        self.store: Store | None = None
        self.user_name = "alice"
        self.channel_name = "gym"
        self._seen: dict[int, int] = {}  # message id -> revision printed
        self._buttons: dict[int, Button] = {}
        self._printed = asyncio.Event()
        self.at_prompt = False  # the terminal shows our prompt and waits for a line

    # --- set-up -----------------------------------------------------------------------

    async def run(self, lines: AsyncIterator[str], *, interactive: bool) -> int:
        with tempfile.TemporaryDirectory(prefix="legday-sandbox-") as folder:
            db_path = self.database or Path(folder) / "sandbox.db"
            url = f"sqlite+aiosqlite:///{db_path}"
            async with FakeDiscord(heartbeat_interval_ms=5000) as fd:
                self.fd = fd
                self.demo = build_demo(fd)
                self.store = await open_store(
                    self.settings.model_copy(update={"database_url": url})
                )
                stage = Stage(fd, self.demo, url, Path(folder), self._bot_env())
                try:
                    if not await self.store.schedules(self.demo.guild.id):
                        await seed_schedule(self.store, self.demo, self.settings.default_timezone)
                    self._say("starting the local Discord and the bot…")
                    try:
                        await stage.start_bot()
                    except RuntimeError as exc:
                        self._say(str(exc))
                        return 1
                    return await self._chat(lines, interactive=interactive)
                finally:
                    await stage.stop_bot()
                    await self.store.close()

    def _bot_env(self) -> dict[str, str]:
        return {
            "LEGDAY_DEFAULT_TIMEZONE": self.settings.default_timezone,
            "LEGDAY_PREFIX_COMMANDS": "true",
            # Scripts type faster than people; keep the flood guard out of the demo's way.
            "LEGDAY_COOLDOWN_RATE": "60",
        }

    # --- the chat loop ------------------------------------------------------------------

    async def _chat(self, lines: AsyncIterator[str], *, interactive: bool) -> int:
        self._say(
            "Iron Temple (local Discord) · members alice (admin), bob, carol, dan · "
            "#gym, #general\n" + HELP
        )
        watcher = asyncio.create_task(self._watch(), name="sandbox-watch")
        try:
            async for raw in lines:
                line = raw.strip()
                if not line or line.startswith("#"):
                    continue
                if not interactive:
                    self._say(f"{self._prompt()}{line}")
                try:
                    keep_going = await self._handle(line, interactive=interactive)
                except (ScenarioError, ValueError) as exc:
                    self._say(f"! {exc}")
                    continue
                if not keep_going:
                    break
        finally:
            watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watcher
            self._print_new()
        return 0

    def _prompt(self) -> str:
        return f"{self.user_name} in #{self.channel_name}> "

    async def _handle(self, line: str, *, interactive: bool) -> bool:
        assert self.fd is not None
        if line.startswith(":"):
            return await self._meta(line)
        self._printed.clear()
        if line.startswith("/"):
            command, options = self._parse_slash(line)
            await self.fd.slash(self._user(), self._channel(), command, options)
        else:
            await self.fd.say(self._user(), self._channel(), self._mentions(line))
        # Wait for the answer so the next prompt comes after it, typing or scripted.
        await self._settle()
        return True

    async def _meta(self, line: str) -> bool:
        word, _, rest = line[1:].partition(" ")
        rest = rest.strip()
        if word in {"quit", "exit", "q"}:
            return False
        if word == "help":
            self._say(HELP)
        elif word == "as":
            self._user(rest)
            self.user_name = rest.lower()
            self._say(f"(you are now {self.user_name})")
        elif word == "in":
            self._channel(rest.lstrip("#"))
            self.channel_name = rest.lstrip("#").lower()
            self._say(f"(now in #{self.channel_name})")
        elif word == "click":
            await self._click(rest)
        elif word == "wait":
            await asyncio.sleep(float(rest or "1"))
            self._print_new()
        elif word == "remind-in":
            await self._remind_in(int(rest or "1"))
        elif word == "who":
            self._say(self._who())
        else:
            self._say(f"! unknown command :{word}; try :help")
        return True

    async def _click(self, number: str) -> None:
        assert self.fd is not None
        button = self._buttons.get(int(number))
        if button is None:
            raise ValueError(f"there is no button [{number}]")
        message = self.fd.state.messages.get(button.message_id)
        if message is None:
            raise ValueError(f"the message with button [{number}] is gone")
        self._printed.clear()
        await self.fd.click(self._user(), message, button.custom_id)
        await self._settle()

    async def _remind_in(self, minutes: int) -> None:
        """Add a schedule for today, `minutes` from now, as the admin would."""
        assert self.fd is not None and self.demo is not None and self.store is not None
        if not 1 <= minutes <= 60:
            raise ValueError("use :remind-in with 1 to 60 minutes")
        config = await self.store.guild_config(self.demo.guild.id)
        zone = effective_zone(None, config.timezone or self.settings.default_timezone)
        when = (datetime.now(UTC) + timedelta(minutes=minutes)).astimezone(ZoneInfo(zone.key))
        day = when.strftime("%a").lower()
        command = f"!legday schedule add {day} {when:%H:%M} #gym @lifters"
        self._say(f"(as alice in #gym) {command}")
        self._printed.clear()
        await self.fd.say(self.demo.users["alice"], self.demo.gym, self._mentions(command))
        await self._settle()
        self._say(
            f"(the reminder fires at {when:%H:%M} {zone.key}; opt in with `!legday remind on`)"
        )

    # --- input helpers ------------------------------------------------------------------

    def _user(self, name: str | None = None) -> User:
        assert self.demo is not None
        key = (name or self.user_name).lower().lstrip("@")
        if key not in self.demo.users:
            raise ValueError(f"no member {key!r}; members: {', '.join(self.demo.users)}")
        return self.demo.users[key]

    def _channel(self, name: str | None = None) -> Channel:
        assert self.demo is not None
        key = (name or self.channel_name).lower().lstrip("#")
        channels = {"gym": self.demo.gym, "general": self.demo.general}
        if key not in channels:
            raise ValueError(f"no channel #{key}; channels: #gym, #general")
        return channels[key]

    def _mentions(self, text: str) -> str:
        """`@bob`, `@lifters` and `#gym` typed in the terminal become real mentions."""
        assert self.demo is not None
        words = []
        for word in text.split(" "):
            bare = word.lower()
            if bare.startswith("@") and bare[1:] in self.demo.users:
                word = f"<@{self.demo.users[bare[1:]].id}>"
            elif bare == "@lifters":
                word = f"<@&{self.demo.lifters.id}>"
            elif bare.startswith("#") and bare[1:] in {"gym", "general"}:
                word = f"<#{self._channel(bare[1:]).id}>"
            words.append(word)
        return " ".join(words)

    def _parse_slash(self, line: str) -> tuple[str, dict[str, Any]]:
        assert self.demo is not None
        words: list[str] = []
        raw: dict[str, str] = {}
        last = ""
        for token in shlex.split(line.lstrip("/")):
            name, sep, value = token.partition(":")
            if sep and name.isidentifier():
                raw[name] = value
                last = name
            elif last:  # `note:pistol squats` means one value with a space
                raw[last] += " " + token
            else:
                words.append(token)
        return " ".join(words), {name: self._option_value(v) for name, v in raw.items()}

    def _option_value(self, value: str) -> Any:
        assert self.demo is not None
        lowered = value.lower()
        if lowered.startswith("@") and lowered[1:] in self.demo.users:
            return self.demo.users[lowered[1:]]
        if lowered == "@lifters":
            return self.demo.lifters
        if lowered.startswith("#"):
            return self._channel(lowered[1:])
        if value.isdigit():
            return int(value)
        return value

    # --- output -------------------------------------------------------------------------

    def _say(self, text: str) -> None:
        print(text, file=self.out, flush=True)

    async def _settle(self) -> None:
        """Wait for the bot's answer, then a short quiet spell, then print."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._printed.wait(), REPLY_TIMEOUT)
        await asyncio.sleep(QUIET)
        self._print_new()

    async def _watch(self) -> None:
        """Print what arrives on its own (a reminder firing), then the prompt again."""
        while True:
            if self._print_new() and self.at_prompt:
                print(self._prompt(), end="", file=self.out, flush=True)
            await asyncio.sleep(0.1)

    def _print_new(self) -> bool:
        assert self.fd is not None
        world = self.fd.state
        printed = False
        for channel_id, messages in list(world.channel_messages.items()):
            for message in list(messages):
                if message.author.id != self.fd.bot_user.id or message.deleted:
                    continue
                revision = self._seen.get(message.id)
                if revision == message.revision:
                    continue
                self._seen[message.id] = message.revision
                if self.at_prompt and not printed:
                    print(file=self.out)  # start below the waiting prompt
                self._print_message(channel_id, message, edited=revision is not None)
                self._printed.set()
                printed = True
        return printed

    def _print_message(self, channel_id: int, message: Message, *, edited: bool) -> None:
        assert self.fd is not None
        channel = self.fd.state.channels.get(channel_id)
        if channel is not None and channel.is_dm:
            where = "DM to " + ", ".join(u.name for u in channel.recipients if not u.bot)
        else:
            where = "#" + (channel.name if channel and channel.name else str(channel_id))
        notes = []
        if message.ephemeral:
            notes.append("only the member who asked sees this")
        if edited:
            notes.append("edited")
        buttons = buttons_of(message.id, message.components, len(self._buttons) + 1)
        for button in buttons:
            self._buttons[button.number] = button
        lines = message_lines(
            "legday",
            where,
            message.content,
            message.embeds,
            buttons,
            [a.filename for a in message.attachments],
            self._names(),
            note=", ".join(notes),
        )
        self._say("\n".join(lines))

    def _names(self) -> Names:
        assert self.fd is not None
        world = self.fd.state

        def user(user_id: int) -> str:
            found = world.users.get(user_id)
            return found.name if found else str(user_id)

        def role(role_id: int) -> str:
            for guild in world.guilds.values():
                if role_id in guild.roles:
                    return guild.roles[role_id].name
            return str(role_id)

        def channel(channel_id: int) -> str:
            found = world.channels.get(channel_id)
            return found.name if found and found.name else str(channel_id)

        return Names(user, role, channel, lambda: datetime.now(UTC))

    def _who(self) -> str:
        assert self.demo is not None
        return (
            "members: alice (coaches: Manage Server; lifters), bob (lifters), carol (lifters), "
            "dan\nchannels: #gym, #general · you are "
            f"{self.user_name} in #{self.channel_name}"
        )


def _read_script(path: Path | None) -> list[str]:
    return path.read_text().splitlines() if path else sys.stdin.read().splitlines()


async def script_lines(path: Path | None) -> AsyncIterator[str]:
    for line in await asyncio.to_thread(_read_script, path):
        yield line


async def prompt_lines(sandbox: Sandbox) -> AsyncIterator[str]:
    while True:
        sandbox.at_prompt = True
        try:
            line = await asyncio.to_thread(input, sandbox._prompt())
        except EOFError:
            return
        finally:
            sandbox.at_prompt = False
        yield line
