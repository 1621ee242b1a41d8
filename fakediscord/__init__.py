"""fakediscord: a loopback Discord (REST + gateway) for end-to-end tests of discord.py bots."""

from __future__ import annotations

from fakediscord.checks import Violation
from fakediscord.commands import CommandError
from fakediscord.connect import point_discord_py, point_discord_py_from_env
from fakediscord.emulator import RequestRecord
from fakediscord.interactions import InteractionRecord
from fakediscord.permissions import (
    ALL_PERMISSIONS,
    DEFAULT_BOT_PERMISSIONS,
    DEFAULT_EVERYONE_PERMISSIONS,
    Permission,
)
from fakediscord.scenario import BOT, FakeDiscord, ScenarioError
from fakediscord.sharding import Shard, shard_of
from fakediscord.state import (
    Attachment,
    Channel,
    Guild,
    Member,
    Message,
    Overwrite,
    Role,
    User,
)

__all__ = [
    "ALL_PERMISSIONS",
    "BOT",
    "DEFAULT_BOT_PERMISSIONS",
    "DEFAULT_EVERYONE_PERMISSIONS",
    "Attachment",
    "Channel",
    "CommandError",
    "FakeDiscord",
    "Guild",
    "InteractionRecord",
    "Member",
    "Message",
    "Overwrite",
    "Permission",
    "RequestRecord",
    "Role",
    "ScenarioError",
    "Shard",
    "User",
    "Violation",
    "point_discord_py",
    "point_discord_py_from_env",
    "shard_of",
]
