"""A terminal sandbox: run the emulator with a demo world and drive it by typing.

    python -m fakediscord [--port 8765] [--heartbeat-ms 41250]

Prints the environment a bot needs, then reads commands such as::

    say alice gym !legday ping
    slash alice gym legday top period=week
    complete alice gym legday tz zone Europe/Lo
    click alice <message id> pager:next
    msgs gym | violations | requests | drop | reconnect | invalid | help | quit
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import shlex
import sys
from typing import Any

from fakediscord.permissions import Permission
from fakediscord.scenario import FakeDiscord
from fakediscord.state import Channel, Message, User

HELP = __doc__ or ""


class Sandbox:
    def __init__(self, fd: FakeDiscord) -> None:
        self.fd = fd
        self.users: dict[str, User] = {}
        self.channels: dict[str, Channel] = {}
        self._printed: set[int] = set()

    def build_world(self) -> None:
        fd = self.fd
        alice = fd.create_user("alice")
        bob = fd.create_user("bob")
        guild = fd.create_guild("Iron Temple", members=[alice, bob])
        admins = fd.create_role(guild, "admins", permissions=Permission.MANAGE_GUILD)
        fd.set_roles(guild, bob, [admins])
        self.users = {"alice": alice, "bob": bob}
        self.channels = {"gym": fd.create_channel(guild, "gym")}
        self.channels["general"] = fd.create_channel(guild, "general")

    def channel(self, name: str, user: User | None = None) -> Channel:
        if name == "dm" and user is not None:
            return self.fd.dm_channel(user)
        return self.channels[name.lstrip("#")]

    def message(self, raw: str) -> Message:
        return self.fd.state.messages[int(raw)]

    def print_new(self) -> None:
        for msg in sorted(self.fd.state.messages.values(), key=lambda m: m.id):
            if msg.id in self._printed or msg.author.id != self.fd.bot_user.id or msg.loading:
                continue
            self._printed.add(msg.id)
            where = (
                "DM" if msg.guild_id is None else f"#{self.fd.state.channels[msg.channel_id].name}"
            )
            flags = " (ephemeral)" if msg.ephemeral else ""
            print(f"\n[{msg.id}] {where} {msg.author.name}{flags}: {msg.content}")
            for embed in msg.embeds:
                print(f"    embed: {embed.get('title')!r} {embed.get('description')!r}")
            if msg.custom_ids():
                print(f"    components: {msg.custom_ids()}")
            for att in msg.attachments:
                print(f"    attachment: {att.filename} ({att.size} bytes)")

    async def run_command(self, line: str) -> bool:
        parts = shlex.split(line)
        if not parts:
            return True
        cmd, args = parts[0], parts[1:]
        fd = self.fd
        if cmd in ("quit", "exit"):
            return False
        if cmd == "help":
            print(HELP)
        elif cmd == "say":
            user = self.users[args[0]]
            await fd.say(user, self.channel(args[1], user), " ".join(args[2:]))
        elif cmd == "slash":
            user = self.users[args[0]]
            path = [a for a in args[2:] if "=" not in a]
            options: dict[str, Any] = {}
            for item in args[2:]:
                if "=" in item:
                    key, value = item.split("=", 1)
                    options[key] = self.users.get(value) or self.channels.get(value) or value
            await fd.slash(user, self.channel(args[1], user), " ".join(path), options)
        elif cmd == "complete":
            user = self.users[args[0]]
            channel = self.channel(args[1], user)
            *path, option, value = args[2:]
            print(await fd.autocomplete(user, channel, " ".join(path), option, value))
        elif cmd == "click":
            await fd.click(self.users[args[0]], self.message(args[1]), args[2])
        elif cmd == "msgs":
            for msg in fd.messages(self.channel(args[0])):
                print(f"[{msg.id}] {msg.author.name}: {msg.content}")
        elif cmd == "violations":
            for violation in fd.violations:
                print(violation)
        elif cmd == "requests":
            for record in fd.requests[-20:]:
                print(f"{record.status} {record.method} {record.path}")
        elif cmd == "drop":
            await fd.drop_connection()
        elif cmd == "reconnect":
            await fd.send_reconnect()
        elif cmd == "invalid":
            await fd.send_invalid_session()
        else:
            print(f"unknown command {cmd!r}; try 'help'")
        return True


async def amain(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m fakediscord")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--heartbeat-ms", type=int, default=41250)
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING)
    async with FakeDiscord(port=args.port, heartbeat_interval_ms=args.heartbeat_ms) as fd:
        sandbox = Sandbox(fd)
        sandbox.build_world()
        print("fakediscord is running. Point a bot at it with:")
        for key, value in fd.env().items():
            print(f"  export {key}={shlex.quote(value)}")
        print("  python -m fakediscord.launch <bot module>   # or call point_discord_py_from_env()")
        print("users: alice, bob (admin); channels: gym, general, dm. Type 'help'.")
        loop = asyncio.get_running_loop()
        while True:
            sandbox.print_new()
            line = await loop.run_in_executor(None, sys.stdin.readline)
            if not line:
                break
            try:
                if not await sandbox.run_command(line.strip()):
                    break
            except Exception as exc:  # the sandbox must survive typos
                print(f"error: {exc!r}")
            await asyncio.sleep(0.3)


def main() -> None:
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(amain(sys.argv[1:]))
