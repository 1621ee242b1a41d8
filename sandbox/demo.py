"""The demo server the sandbox starts with: who is in it, their roles and their habits.

Every id is fixed, so a database kept with `--db` still matches the server on the next run.
"""

from __future__ import annotations

from dataclasses import dataclass

from fakediscord import Channel, FakeDiscord, Guild, Permission, Role, User
from fakediscord.snowflakes import DISCORD_EPOCH_MS

ADMIN_PERMISSIONS = int(Permission.MANAGE_GUILD)

# Snowflakes from a moment long past: fixed, and never equal to the fresh ones the local
# Discord hands out for messages and interactions.
_FIXED_MS = 1_735_689_600_000  # 2025-01-01T00:00:00Z
_FIXED_BASE = (_FIXED_MS - DISCORD_EPOCH_MS) << 22


def fixed_id(number: int) -> int:
    return _FIXED_BASE + number


@dataclass(frozen=True, slots=True)
class Habit:
    """How a member has trained over the last months (read by the seeding, `seed.py`).

    `weeks`: how many weeks back their history starts; `rate`: the chance they train in a
    given week; `days`: leg days in a week they train; `gap`: weeks ago (from, to, both
    included) when they
    trained not at all; `stopped`: weeks since they last trained (0: still going);
    `today`: already checked in today.
    """

    weeks: int
    rate: float
    days: tuple[int, int] = (1, 2)
    gap: tuple[int, int] | None = None
    stopped: int = 0
    today: bool = False


@dataclass(frozen=True, slots=True)
class Lifter:
    name: str
    habit: Habit
    lifter: bool = True  # has the @lifters role
    coach: bool = False  # has the @coaches role (Manage Server)
    timezone: str | None = None
    reminders: bool = False
    by_dm: bool = False  # takes reminders and streak nudges by DM
    holiday: bool = False  # the weeks of their `gap` were a pause (`legday pause`)


STEADY = Habit(weeks=16, rate=1.0, days=(1, 3))

LIFTERS: tuple[Lifter, ...] = (
    Lifter("alice", Habit(weeks=16, rate=1.0, days=(1, 2), gap=(13, 14)), coach=True),
    Lifter("bob", Habit(weeks=16, rate=1.0, days=(1, 3), today=True), reminders=True),
    Lifter("carol", Habit(weeks=12, rate=0.9, days=(1, 2)), reminders=True),
    Lifter("dan", Habit(weeks=6, rate=0.6, days=(1, 1)), lifter=False),
    Lifter("eve", STEADY, timezone="Europe/Berlin"),
    Lifter("farid", Habit(weeks=16, rate=1.0, days=(2, 3), gap=(4, 5)), reminders=True),
    Lifter("grace", Habit(weeks=16, rate=0.8, days=(1, 2), today=True), coach=True),
    Lifter("hiro", Habit(weeks=10, rate=1.0, days=(1, 2)), timezone="Asia/Tokyo"),
    Lifter("ines", Habit(weeks=16, rate=0.7, days=(1, 2), stopped=5)),
    Lifter("jamal", Habit(weeks=8, rate=1.0, days=(1, 2), today=True)),
    Lifter("kasia", Habit(weeks=16, rate=0.5, days=(1, 1)), reminders=True, by_dm=True),
    Lifter("liam", Habit(weeks=14, rate=1.0, days=(1, 1), gap=(2, 3)), timezone="America/New_York"),
    Lifter("mei", Habit(weeks=16, rate=0.95, days=(1, 3)), timezone="Australia/Sydney"),
    Lifter("nadia", Habit(weeks=3, rate=1.0, days=(1, 2), today=True)),
    Lifter("oscar", Habit(weeks=16, rate=0.6, days=(1, 2), stopped=2), lifter=False),
    Lifter("priya", Habit(weeks=16, rate=1.0, days=(1, 2)), timezone="Asia/Kolkata"),
    Lifter("quinn", Habit(weeks=9, rate=0.4, days=(1, 1)), lifter=False),
    Lifter("rosa", Habit(weeks=16, rate=0.85, days=(1, 2)), timezone="America/Sao_Paulo"),
    Lifter(
        "sven", Habit(weeks=16, rate=1.0, days=(1, 1), gap=(7, 9)), reminders=True, holiday=True
    ),
    Lifter("tomas", Habit(weeks=5, rate=0.8, days=(1, 2))),
    Lifter("uche", Habit(weeks=16, rate=0.75, days=(1, 3), today=True)),
    Lifter("valentina", Habit(weeks=16, rate=1.0, days=(1, 1), stopped=1)),
    Lifter("wen", Habit(weeks=2, rate=1.0, days=(1, 1))),
    Lifter("yusuf", Habit(weeks=16, rate=0.9, days=(1, 2)), reminders=True),
    Lifter("zoe", Habit(weeks=0, rate=0.0)),  # just joined: no leg day yet
)

QUOTES: tuple[str, ...] = (
    "The bar doesn't care how your week went. Load it anyway.",
    "Nobody at Iron Temple skips the stairs on Friday.",
)

CHANNELS = ("gym", "general")


@dataclass
class Demo:
    guild: Guild
    gym: Channel
    general: Channel
    lifters: Role
    coaches: Role
    users: dict[str, User]

    @property
    def channels(self) -> dict[str, Channel]:
        return {"gym": self.gym, "general": self.general}


def build_demo(fd: FakeDiscord) -> Demo:
    """Iron Temple: the members of `LIFTERS`, the roles @coaches and @lifters, #gym, #general."""
    users = {
        lifter.name: fd.create_user(lifter.name, id=fixed_id(10 + number))
        for number, lifter in enumerate(LIFTERS)
    }
    guild = fd.create_guild("Iron Temple", owner=users["alice"], id=fixed_id(1))
    coaches = fd.create_role(guild, "coaches", permissions=ADMIN_PERMISSIONS, id=fixed_id(2))
    lifters = fd.create_role(guild, "lifters", mentionable=True, id=fixed_id(3))
    for lifter in LIFTERS:
        roles = [role for role, has in ((coaches, lifter.coach), (lifters, lifter.lifter)) if has]
        fd.add_member(guild, users[lifter.name], roles=roles)
    gym = fd.create_channel(guild, "gym", topic="Leg day or bust", id=fixed_id(4))
    general = fd.create_channel(guild, "general", id=fixed_id(5))
    return Demo(guild, gym, general, lifters, coaches, users)
