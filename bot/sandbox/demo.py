"""The demo server the sandbox starts with."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time

from bot.store import Store
from bot.store.sql import schedules as schedules_sql
from fakediscord import Channel, FakeDiscord, Guild, Permission, Role, User

ADMIN_PERMISSIONS = int(Permission.MANAGE_GUILD)


@dataclass
class Demo:
    guild: Guild
    gym: Channel
    general: Channel
    lifters: Role
    coaches: Role
    users: dict[str, User]


def build_demo(fd: FakeDiscord) -> Demo:
    names = ("alice", "bob", "carol", "dan")
    users = {name: fd.create_user(name) for name in names}
    guild = fd.create_guild("Iron Temple", owner=users["alice"])
    coaches = fd.create_role(guild, "coaches", permissions=ADMIN_PERMISSIONS)
    lifters = fd.create_role(guild, "lifters", mentionable=True)
    fd.add_member(guild, users["alice"], roles=[coaches, lifters])
    fd.add_member(guild, users["bob"], roles=[lifters])
    fd.add_member(guild, users["carol"], roles=[lifters])
    fd.add_member(guild, users["dan"])
    gym = fd.create_channel(guild, "gym", topic="Leg day or bust")
    general = fd.create_channel(guild, "general")
    return Demo(guild, gym, general, lifters, coaches, users)


async def seed_schedule(store: Store, demo: Demo, timezone: str) -> None:
    """A Monday/Thursday 18:00 reminder in #gym pinging @lifters, as an admin would add."""
    await store.run(
        lambda tx: schedules_sql.add(
            tx,
            demo.guild.id,
            demo.gym.id,
            demo.lifters.id,
            frozenset({0, 3}),
            time(18, 0),
            timezone,
            datetime.now(UTC),
            None,
        )
    )
