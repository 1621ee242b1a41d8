"""The sandbox: a local Discord, the demo server, the real bot, and a chat in the terminal."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import textwrap
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TextIO

from bot.config import Config
from bot.core.days import effective_zone
from bot.runner import open_store
from bot.store import Store
from fakediscord import Channel, FakeDiscord, InteractionRecord, Role, ScenarioError, User
from sandbox import seed
from sandbox.demo import LIFTERS, Demo, build_demo
from sandbox.parsing import (
    InputError,
    Meta,
    check_line,
    parse_button,
    parse_meta,
    parse_minutes,
    parse_name,
    parse_seconds,
    printable,
    with_mentions,
)
from sandbox.render import WIDTH, Button
from sandbox.slash import Lookups, parse_slash
from sandbox.stage import Stage
from sandbox.transcript import Transcript
from sandbox.waiting import BotActivity

log = logging.getLogger(__name__)

HELP = """\
Type a message as the current member (e.g. `!legday squats`), or:
  /legday top period:month    a slash command (options as name:value)
  :click N                    click button [N]
  :as bob                     talk as another member (:who lists them)
  :in general                 switch channel
  :remind-in 1                add a reminder schedule firing within N minutes
  :wait 5                     wait N seconds for the bot (a reminder, say)
  :who                        members, roles, time zones and channels
  :help                       this list
  :quit, Ctrl-D or Ctrl-C     leave; arrow keys edit and recall earlier lines"""

REPLY_TIMEOUT = 8.0  # how long a command's answer may take before we give up on it
QUIET = 0.3  # no request from the bot for this long: it has nothing (more) to say
PREFIX = "!"


class Sandbox:
    def __init__(self, settings: Config, out: TextIO, database: Path | None, folder: Path) -> None:
        self.settings = settings
        self.database = database
        self.folder = folder
        self.transcript = Transcript(out, files=folder / "attachments")
        self.fd: FakeDiscord | None = None
        self.demo: Demo | None = None
        self.store: Store | None = None
        self.stage: Stage | None = None
        self.activity: BotActivity | None = None
        self.user_name = "alice"
        self.channel_name = "gym"
        self.keep_folder = False  # something went wrong: its logs are worth keeping

    # --- set-up -----------------------------------------------------------------------

    async def run(self, lines: AsyncIterator[str], *, echo: bool) -> int:
        """Start everything, chat until the lines run out, stop everything: the exit code."""
        with _leave_on_signals():
            return await self._run(lines, echo=echo)

    async def _run(self, lines: AsyncIterator[str], *, echo: bool) -> int:
        db_path = self.database or self.folder / "sandbox.db"
        url = f"sqlite+aiosqlite:///{db_path}"
        async with FakeDiscord(heartbeat_interval_ms=5000) as fd:
            self.fd, self.demo = fd, build_demo(fd)
            self.activity = BotActivity(fd)
            self.transcript.attach(fd)
            self.store = await open_store(self.settings.replace(database_url=url))
            self.stage = Stage(
                fd, self.demo, url, self.folder, self._bot_env(), stop_signal=signal.SIGTERM
            )
            try:
                self._say("starting the local Discord and the bot…")
                if not await self._start():
                    return 1
                return await self._chat(lines, echo=echo)
            finally:
                await self.stage.stop_bot()
                await self.store.close()

    async def _start(self) -> bool:
        """Seed a new database while the bot process boots (each takes a second or two)."""
        assert self.store is not None and self.demo is not None and self.stage is not None
        zone, now = self.settings.default_timezone, datetime.now(UTC)
        fresh = await seed.needs_seeding(self.store, self.demo)
        if fresh:
            # The schedule goes in first: the bot loads schedules once, when it starts.
            await seed.seed_server(self.store, self.demo, zone, now)
        # On the store's thread, so the local Discord keeps serving the booting bot.
        members = asyncio.create_task(
            seed.seed_members(self.store, self.demo, zone, now) if fresh else asyncio.sleep(0)
        )
        try:
            await self.stage.start_bot()
        except RuntimeError as exc:
            members.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await members
            self._say(f"! {exc}")
            return False
        await members
        if fresh:
            await seed.mark_seeded(self.store, self.demo, zone)
        return True

    def _bot_env(self) -> dict[str, str]:
        return {
            "LEGDAY_DEFAULT_TIMEZONE": self.settings.default_timezone,
            "LEGDAY_PREFIX_COMMANDS": "true",
            "LEGDAY_PREFIX": PREFIX,
            # Scripts type faster than people; keep the flood guard out of the demo's way.
            "LEGDAY_COOLDOWN_RATE": "60",
        }

    # --- the chat loop ------------------------------------------------------------------

    async def _chat(self, lines: AsyncIterator[str], *, echo: bool) -> int:
        assert self.stage is not None
        self._say(self._welcome())
        watcher = asyncio.create_task(self._watch(), name="sandbox-watch")
        try:
            async for typed in lines:
                # A paste of several lines is several lines.
                for raw in typed.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
                    line = raw.strip()
                    if not line or (echo and line.startswith("# ")):
                        continue  # blank lines, and comments in scripts
                    if echo:
                        self._say(self.prompt() + printable(_shorten(line, 300)))
                    if self._bot_died():
                        return 1
                    if not await self._one_line(line):
                        return 0
                    if self._bot_died():
                        return 1
        finally:
            watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watcher
            self.transcript.print_new()
        return 0

    def _bot_died(self) -> bool:
        assert self.stage is not None
        if self.stage.bot.running:
            return False
        self.keep_folder = True
        self._say(f"! the bot stopped unexpectedly; its log: {self.folder}")
        return True

    async def _one_line(self, line: str) -> bool:
        """Handle a line; False means leave. Whatever was typed, the session goes on."""
        try:
            check_line(line)
            if line.startswith(":"):
                return await self._meta(parse_meta(line))
            if line.startswith("/"):
                await self._slash(line)
            else:
                await self._message(line)
        except InputError as exc:
            self._say(f"! {exc}")
        except ScenarioError:  # the validation above should leave nothing for this
            self._say("! Discord would not let you do that; nothing was sent")
        except Exception:  # the last guard: no traceback reaches the chat
            log.exception("sandbox line failed: %r", line)
            self.keep_folder = True
            self._say(f"! the sandbox could not handle that line (details in {self.folder})")
        return True

    def prompt(self) -> str:
        return f"{self.user_name} in #{self.channel_name}> "

    async def _message(self, line: str) -> None:
        assert self.fd is not None and self.activity is not None
        mark = self.activity.mark()
        text = with_mentions(line, self._user_id, self._role_id, self._channel_id)
        await self.fd.say(self._user(), self._channel(), text)
        addressed = line.lower().split(" ", 1)[0] == f"{PREFIX}legday"
        if addressed:  # the bot answers every `!legday …`: give it time to start
            await self.activity.started(mark, REPLY_TIMEOUT)
        await self.activity.quiet(QUIET, REPLY_TIMEOUT)
        self.transcript.print_new()
        if not self.activity.since(mark):
            self._say(f"  (no answer: legday reacts to {PREFIX}legday … and /legday …)")

    async def _slash(self, line: str) -> None:
        assert self.fd is not None
        commands = [
            c.raw
            for c in self.fd.state.commands.values()
            if c.type == 1 and c.guild_id in (None, self._channel().guild_id)
        ]
        command = parse_slash(line, commands, self._lookups())
        record = await self.fd.slash(self._user(), self._channel(), command.path, command.options)
        await self._interaction_answered(record)

    async def _interaction_answered(self, record: InteractionRecord) -> None:
        assert self.activity is not None
        try:
            await record.wait_response(REPLY_TIMEOUT)
        except TimeoutError:
            self._say(
                "! the bot did not answer in time (Discord: “The application did not respond”)"
            )
        await self.activity.quiet(QUIET, REPLY_TIMEOUT)
        self.transcript.print_new()

    # --- sandbox commands ---------------------------------------------------------------

    async def _meta(self, meta: Meta) -> bool:
        if meta.word in {"quit", "exit", "q"}:
            return False
        if meta.word == "help":
            self._say(HELP)
        elif meta.word == "as":
            self.user_name = parse_name(meta.argument, "member", list(self._users()), "@")
            self._say(f"(you are now {self.user_name})")
        elif meta.word == "in":
            self.channel_name = parse_name(meta.argument, "channel", list(self._channels()), "#")
            self._say(f"(now in #{self.channel_name})")
        elif meta.word == "click":
            await self._click(parse_button(meta.argument))
        elif meta.word == "wait":
            await asyncio.sleep(parse_seconds(meta.argument))
            self.transcript.print_new()
        elif meta.word == "remind-in":
            await self._remind_in(parse_minutes(meta.argument))
        elif meta.word == "who":
            self._say(await self._who())
        else:
            if not meta.word:
                raise InputError("type a sandbox command after the :, e.g. :help")
            raise InputError(f"there is no :{_shorten(meta.word, 20)}; :help lists what there is")
        return True

    async def _click(self, number: int) -> None:
        assert self.fd is not None
        button = self.transcript.buttons.get(number)
        if button is None:
            shown = len(self.transcript.buttons)
            last = f"they go from [1] to [{shown}]" if shown else "none has been shown yet"
            raise InputError(f"there is no button [{number}]; {last}")
        message = self.fd.state.messages.get(button.message_id)
        component = None if message is None else message.find_component(button.custom_id)
        if message is None or message.deleted or component is None:
            raise InputError(f"button [{number}] is gone (its message changed)")
        if component.get("disabled"):
            raise InputError(f"button [{number}] is disabled")
        try:
            record = await self.fd.click(self._user(), message, button.custom_id)
        except ScenarioError:
            raise InputError(_cannot_click(button, self.user_name)) from None
        await self._interaction_answered(record)

    async def _remind_in(self, minutes: int) -> None:
        """Add a schedule for today, `minutes` from now, as the admin would."""
        assert self.fd is not None and self.demo is not None and self.store is not None
        config = await self.store.guild_config(self.demo.guild.id)
        zone = effective_zone(None, config.timezone or self.settings.default_timezone)
        when = (datetime.now(UTC) + timedelta(minutes=minutes)).astimezone(zone)
        command = f"{PREFIX}legday schedule add {when:%a} {when:%H:%M} #gym @lifters".lower()
        self._say(f"(as alice in #gym) {command}")
        admin, before = self.user_name, self.channel_name
        self.user_name, self.channel_name = "alice", "gym"
        try:
            await self._message(command)
        finally:
            self.user_name, self.channel_name = admin, before
        self._say(
            f"(the reminder fires at {when:%H:%M} {zone.key}; "
            "opt in with `!legday remind channel` or `dm`)"
        )

    async def _who(self) -> str:
        assert self.store is not None and self.demo is not None
        guild_id = self.demo.guild.id
        zones, reminded = [], []
        for lifter in LIFTERS:
            config = await self.store.member_config(guild_id, self.demo.users[lifter.name].id)
            if config.timezone:
                zones.append(f"{lifter.name} {config.timezone}")
            if config.reminders_opt_in:
                reminded.append(lifter.name)
        server_zone = (await self.store.guild_config(guild_id)).timezone
        coaches = [lifter.name for lifter in LIFTERS if lifter.coach]
        outside = [lifter.name for lifter in LIFTERS if not lifter.lifter]
        parts = [
            f"members ({len(LIFTERS)}): " + ", ".join(lifter.name for lifter in LIFTERS),
            f"@coaches (Manage Server): {', '.join(coaches)} · "
            f"@lifters: everyone but {', '.join(outside)}",
            f"own time zones: {', '.join(zones) or 'none'} "
            f"(the others: the server's, {server_zone or self.settings.default_timezone})",
            f"reminders on: {', '.join(reminded) or 'nobody'}",
            f"channels: #gym, #general · you are {self.user_name} in #{self.channel_name}",
        ]
        return "\n".join(textwrap.fill(part, WIDTH, subsequent_indent="  ") for part in parts)

    def _welcome(self) -> str:
        return (
            f"Iron Temple, a local Discord server: {len(LIFTERS)} members with months of leg "
            "days, #gym and #general.\n"
            f"Together they aim for {seed.GROUP_GOAL} leg days a week, with a recap in #gym "
            "every Monday (last week's: `!legday-admin recap test`).\n"
            "You are alice (a coach) in #gym; :who lists everyone.\n" + HELP
        )

    # --- names typed in the terminal ----------------------------------------------------

    def _users(self) -> dict[str, User]:
        assert self.demo is not None
        return self.demo.users

    def _channels(self) -> dict[str, Channel]:
        assert self.demo is not None
        return self.demo.channels

    def _roles(self) -> dict[str, Role]:
        assert self.demo is not None
        return {"lifters": self.demo.lifters, "coaches": self.demo.coaches}

    def _user(self) -> User:
        return self._users()[self.user_name]

    def _channel(self) -> Channel:
        return self._channels()[self.channel_name]

    def _user_id(self, name: str) -> int | None:
        found = self._users().get(name)
        return None if found is None else found.id

    def _role_id(self, name: str) -> int | None:
        found = self._roles().get(name)
        return None if found is None else found.id

    def _channel_id(self, name: str) -> int | None:
        found = self._channels().get(name)
        return None if found is None else found.id

    def _lookups(self) -> Lookups:
        def find(table: dict[str, Any], sigil: str) -> Any:
            return lambda typed: table.get(typed.strip().removeprefix(sigil).lower())

        return Lookups(
            find(self._users(), "@"), find(self._channels(), "#"), find(self._roles(), "@")
        )

    # --- output -------------------------------------------------------------------------

    def _say(self, text: str) -> None:
        self.transcript.say(text)

    async def _watch(self) -> None:
        """Print what the bot posts on its own (a reminder firing) as it arrives."""
        while True:
            self.transcript.print_new()
            await asyncio.sleep(0.1)


def _cannot_click(button: Button, user_name: str) -> str:
    return f"{user_name} can't click [{button.number}]: it was shown only to another member"


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


@contextlib.contextmanager
def _leave_on_signals() -> Iterator[None]:
    """`kill` or a closed terminal end the session the way Ctrl-C does: bot stopped."""
    loop, task = asyncio.get_running_loop(), asyncio.current_task()
    installed = []
    for number in (signal.SIGTERM, signal.SIGHUP):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(number, lambda: task.cancel() if task else None)
            installed.append(number)
    try:
        yield
    finally:
        for number in installed:
            loop.remove_signal_handler(number)
