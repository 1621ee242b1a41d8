"""What the terminal shows: the bot's messages as they appear, and the sandbox's notes."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from fakediscord import FakeDiscord, Message
from sandbox.render import Button, Names, buttons_of, message_lines


class Transcript:
    def __init__(self, out: TextIO, files: Path | None = None) -> None:
        self.out = out
        # Where the bot's attachments are saved, so pictures can be opened from there.
        self.files = files
        self.fd: FakeDiscord | None = None
        self.buttons: dict[int, Button] = {}  # by the number shown, [1], [2], …
        self._seen: dict[int, int] = {}  # message id -> revision printed

    def attach(self, fd: FakeDiscord) -> None:
        self.fd = fd

    def say(self, text: str) -> None:
        print(text, file=self.out, flush=True)

    def print_new(self) -> bool:
        """Print the bot's messages (and edits) not shown yet; True if there were any."""
        if self.fd is None:
            return False
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
                self._print_message(channel_id, message, edited=revision is not None)
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
        buttons = buttons_of(message.id, message.components, len(self.buttons) + 1)
        for button in buttons:
            self.buttons[button.number] = button
        lines = message_lines(
            "legday",
            where,
            message.content,
            message.embeds,
            buttons,
            [self._saved(message.id, a.filename, a.data) for a in message.attachments],
            self._names(),
            note=", ".join(notes),
        )
        self.say("\n".join(lines))

    def _saved(self, message_id: int, filename: str, data: bytes) -> str:
        """The attachment's name, and where it was saved to be opened."""
        if self.files is None:
            return filename
        self.files.mkdir(parents=True, exist_ok=True)
        path = self.files / f"{message_id}-{Path(filename).name}"
        path.write_bytes(data)
        return f"{filename} (open {path})"

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
