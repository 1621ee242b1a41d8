"""Many realistic servers in the local Discord, built straight into its world (no events,
since no bot is connected while they are made)."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from fakediscord import FakeDiscord, Guild, Overwrite, Permission, User
from fakediscord.state import GUILD_ANNOUNCEMENT, GUILD_CATEGORY, GUILD_TEXT, GUILD_VOICE

EMOJIS = (10, 50)  # custom emojis per server, at random in this range
STICKERS = (0, 5)
TEXT_CHANNELS = ("general", "gym", "leg-day", "progress-pics", "nutrition", "off-topic")
VOICE_CHANNELS = ("Lifting", "Cardio")
ROLES = (
    ("admins", int(Permission.ADMINISTRATOR)),
    ("mods", int(Permission.MANAGE_GUILD | Permission.MANAGE_MESSAGES)),
    ("coaches", int(Permission.MANAGE_MESSAGES)),
    ("lifters", 0),
    ("runners", 0),
    ("beginners", 0),
    ("regulars", 0),
    ("muted", 0),
)


@dataclass
class Server:
    guild: Guild
    text_channel_ids: list[int]
    member_ids: list[int]


@dataclass
class Servers:
    """The servers built so far, over one shared pool of users (people are in several)."""

    fd: FakeDiscord
    members_each: int
    emojis: tuple[int, int] = EMOJIS  # custom emojis per server: fewest, most
    rng: random.Random = field(default_factory=lambda: random.Random(5))
    users: list[User] = field(default_factory=list)
    built: list[Server] = field(default_factory=list)

    def grow_to(self, count: int) -> None:
        world = self.fd.state
        wanted_users = max(self.members_each * 4, count * self.members_each // 4)
        while len(self.users) < wanted_users:
            self.users.append(world.add_user(f"member{len(self.users)}"))
        while len(self.built) < count:
            self.built.append(self._server(len(self.built)))
            if len(self.built) == 1:
                # The application's owner, who publishes the slash commands, is in the first.
                world.add_member(self.built[0].guild, self.fd.emulator.owner)

    def _server(self, index: int) -> Server:
        world = self.fd.state
        owner, *others = self.rng.sample(self.users, self.members_each - 1)  # plus the bot
        guild = world.add_guild(f"Gym {index}", owner=owner, bot=self.fd.bot_user)
        roles = [world.add_role(guild, name, permissions=perms) for name, perms in ROLES]
        text = world.add_channel(guild, "Text", type=GUILD_CATEGORY)
        voice = world.add_channel(guild, "Voice", type=GUILD_CATEGORY)
        world.add_channel(
            guild,
            "announcements",
            type=GUILD_ANNOUNCEMENT,
            parent_id=text.id,
            overwrites={guild.id: Overwrite(deny=int(Permission.SEND_MESSAGES))},
        )
        channels = [
            world.add_channel(guild, name, type=GUILD_TEXT, parent_id=text.id)
            for name in TEXT_CHANNELS
        ]
        for name in VOICE_CHANNELS:
            world.add_channel(guild, name, type=GUILD_VOICE, parent_id=voice.id)
        for user in others:
            picked = [r for r in roles[3:] if self.rng.random() < 0.3]
            world.add_member(guild, user, roles=picked)
        # Community servers carry custom emojis (and a few stickers): Discord sends them in
        # GUILD_CREATE, and a bot with the default intents caches every one.
        for n in range(self.rng.randint(*self.emojis)):
            guild.emojis.append(_emoji(world.new_id(), f"{guild.name.replace(' ', '')}_{n}"))
        for n in range(self.rng.randint(*STICKERS) if self.emojis[1] else 0):
            guild.stickers.append(_sticker(world.new_id(), guild.id, f"sticker {n}"))
        return Server(guild, [c.id for c in channels], [owner.id, *(u.id for u in others)])


def _emoji(emoji_id: int, name: str) -> dict[str, object]:
    return {
        "id": str(emoji_id),
        "name": name,
        "roles": [],
        "require_colons": True,
        "managed": False,
        "animated": False,
        "available": True,
    }


def _sticker(sticker_id: int, guild_id: int, name: str) -> dict[str, object]:
    return {
        "id": str(sticker_id),
        "name": name,
        "tags": "muscle",
        "type": 2,
        "format_type": 1,
        "description": None,
        "available": True,
        "guild_id": str(guild_id),
    }
