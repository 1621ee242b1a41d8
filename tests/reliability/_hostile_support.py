"""The hostile-input matrix: the corpus, every command the bot offers, and the cases.

Commands are read from the bot itself (prefix: discord.py's command tree of a bot built
in-process, never connected) and from what it synced to the local Discord (slash: the
option types, choices and limits Discord would enforce), so a new command or argument is
covered without touching this file.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, cast

from discord.ext import commands

from bot.app import EXTENSIONS, LegDayBot
from bot.config import Config
from fakediscord import FakeDiscord
from sandbox.demo import Demo

# What Discord itself lets through: a member's message is at most 4,000 characters (with
# Nitro; 2,000 without), a string option at most 6,000, an integer option within ±2^53.
MAX_MESSAGE = 4000
MAX_STRING_OPTION = 6000
MAX_INTEGER_OPTION = 2**53

# Slash option types (Discord's numbering).
SUB_COMMAND, SUB_COMMAND_GROUP, STRING, INTEGER, BOOLEAN, USER, CHANNEL, ROLE = range(1, 9)


def zalgo(text: str) -> str:
    """`text` buried under combining marks, as Zalgo text is."""
    marks = [chr(c) for c in range(0x0300, 0x036F)]
    rng = random.Random(7)
    return "".join(ch + "".join(rng.choice(marks) for _ in range(12)) for ch in text)


@dataclass(frozen=True, slots=True)
class Hostile:
    """One corpus item: a name to report it by and the text a member sends."""

    name: str
    text: str


def corpus(demo: Demo, member_id: int) -> list[Hostile]:
    """Every kind of hostile argument, with real ids from the demo server where a mention
    only bites if it names someone who exists."""
    return hostile_texts(
        role=demo.lifters.id, everyone_role=demo.guild.id, channel=demo.general.id,
        member=member_id,
    )  # fmt: skip


def hostile_texts(*, role: int, everyone_role: int, channel: int, member: int) -> list[Hostile]:
    """The corpus, with these ids in its mentions."""
    lifters, member_id = role, member
    items = {
        "empty": "",
        "blank": "   ",
        "10k": ("squat " * 1667)[:10_000],
        "null": "leg\x00day",
        "only-null": "\x00",
        "rtl-mark": "\u202ekcab ot ekil\u202c \u200fsquats\u200f",
        "zalgo": zalgo("leg day"),
        "emoji": "🦵🔥💪🏽 👨‍👩‍👧‍👦 🏳️‍🌈",
        "everyone": "@everyone",
        "here": "@here",
        "everyone-in-text": "legs @everyone and @here",
        "role-mention": f"<@&{lifters}>",
        "everyone-role": f"<@&{everyone_role}>",
        "user-mention": f"<@{member_id}>",
        "nick-mention": f"<@!{member_id}>",
        "unknown-user": "<@999999999999999999>",
        "channel-mention": f"<#{channel}>",
        "sql-drop": "'); DROP TABLE checkins; --",
        "sql-or": "1 OR 1=1",
        "sql-quote": '" OR ""="',
        "format-brace": "{0} {ctx.bot.config.discord_token} {}",
        "format-percent": "%s %d %n %(note)s",
        "template": "${jndi:ldap://x/a} {{7*7}}",
        "negative": "-1",
        "zero": "0",
        "huge": "99999999999999999999999999",
        "int64-overflow": "-9223372036854775809",
        "js-max": str(2**53),
        "float": "1e309",
        "nan": "NaN",
        "bad-date": "2026-02-30",
        "year-zero": "0000-01-01",
        "far-date": "9999-12-31",
        "month-13": "2026-13-01",
        "unknown-zone": "Mars/Olympus_Mons",
        "offset-zone": "UTC+25",
        "path-zone": "../../etc/passwd",
        "zone-with-null": "Europe/London\x00",
        "backticks": "```@everyone```",
        "markdown": "**bold** ||spoiler|| [link](https://example.com) # heading",
        "newlines": "squats\n\nlunges\r\ndeadlifts",
        "tabs": "\tsquats\t",
        "quote-open": '"unclosed',
        "smart-quotes": "“squats” ‘lunges’",
        "backslash": "\\ \\n \\x00",
        "combining-only": "\u0301\u0302",
        "zero-width": "\u200b\u200c\u200d\ufeff",
        "bidi-isolates": "\u2066\u2067\u2068\u2069",
        "html": "<script>alert(1)</script>",
        "looks-like-command": f"leaderboard @everyone <@&{lifters}> <@{member_id}>",
        "control": "\x1b[31mred\x1b[0m\x07",
    }
    return [Hostile(name, text) for name, text in items.items()]


@dataclass(frozen=True, slots=True)
class Param:
    """One argument of a command as its user types it."""

    name: str
    required: bool
    rest: bool = False  # takes the rest of the line (`*, note`)
    kind: int = STRING  # slash option type
    choices: tuple[Any, ...] = ()
    max_length: int | None = None
    min_value: int | None = None
    max_value: int | None = None
    autocomplete: bool = False


@dataclass(frozen=True, slots=True)
class Command:
    """A command as members invoke it: `!legday schedule add` or `/legday-admin quotes add`."""

    path: str
    slash: bool
    admin: bool
    params: tuple[Param, ...]
    group: bool = False  # a group that does something of its own; unknown words are tested

    @property
    def label(self) -> str:
        return ("/" if self.slash else "!") + self.path


@dataclass(frozen=True, slots=True)
class Case:
    """One hostile item sent at one argument position of one command."""

    command: Command
    position: int  # index into params; len(params): an extra word after the last one
    item: Hostile

    @property
    def label(self) -> str:
        params = self.command.params
        where = params[self.position].name if self.position < len(params) else "extra word"
        return f"{self.command.label} [{where}] <- {self.item.name}"


async def prefix_commands() -> list[Command]:
    """Every prefix command, from a bot built in-process (never connected, no store)."""
    config = Config(
        _env_file=None,
        discord_token="unused",
        database_url="sqlite+aiosqlite:///:memory:",
        prefix="!",
        prefix_commands=True,
    )
    bot = LegDayBot(config, cast(Any, None))
    for extension in EXTENSIONS:
        await bot.load_extension(extension)
    found = []
    try:
        for command in bot.walk_commands():
            params = tuple(
                Param(
                    name=p.displayed_name or name,
                    required=p.required,
                    rest=p.kind is p.KEYWORD_ONLY,
                )
                for name, p in command.clean_params.items()
            )
            found.append(
                Command(
                    path=command.qualified_name,
                    slash=False,
                    admin=command.cog_name == "LegDayAdmin",
                    params=params,
                    group=isinstance(command, commands.Group),
                )
            )
    finally:
        await bot.close()
    return found


def slash_commands(fd: FakeDiscord) -> list[Command]:
    """Every slash command the bot synced, with the options as Discord types them."""
    found: list[Command] = []

    def walk(path: str, admin: bool, options: Sequence[dict[str, Any]]) -> None:
        subs = [o for o in options if o.get("type") in (SUB_COMMAND, SUB_COMMAND_GROUP)]
        if not subs:
            found.append(Command(path, True, admin, tuple(_param(o) for o in options)))
        for sub in subs:
            walk(f"{path} {sub['name']}", admin, sub.get("options") or [])

    for command in fd.state.commands.values():
        admin = command.raw.get("default_member_permissions") not in (None, "0")
        walk(command.name, admin, command.options)
    return sorted(found, key=lambda c: c.path)


def _param(option: dict[str, Any]) -> Param:
    return Param(
        name=option["name"],
        required=bool(option.get("required")),
        kind=int(option["type"]),
        choices=tuple(c["value"] for c in option.get("choices") or []),
        max_length=option.get("max_length"),
        min_value=option.get("min_value"),
        max_value=option.get("max_value"),
        autocomplete=bool(option.get("autocomplete")),
    )


def all_cases(commands_: Iterable[Command], items: Sequence[Hostile]) -> list[Case]:
    """The full matrix: every item at every argument position (and, for `!`, as an extra
    word after the last argument, where it must be refused rather than dropped)."""
    cases = []
    for command in commands_:
        positions = len(command.params)
        extra = 0 if command.slash or any(p.rest for p in command.params) else 1
        for position in range(positions + extra):
            cases += [Case(command, position, item) for item in items]
    return cases


def sample(cases: Sequence[Case], size: int, seed: int) -> list[Case]:
    """`size` cases picked with `seed`, first so that every command position and every
    corpus item appears at least once, then at random."""
    rng = random.Random(seed)
    shuffled = list(cases)
    rng.shuffle(shuffled)
    chosen: list[Case] = []
    seen_positions: set[tuple[str, int]] = set()
    seen_items: set[str] = set()
    rest = []
    for case in shuffled:
        key = (case.command.label, case.position)
        if key not in seen_positions or case.item.name not in seen_items:
            chosen.append(case)
            seen_positions.add(key)
            seen_items.add(case.item.name)
        else:
            rest.append(case)
    chosen += rest[: max(0, size - len(chosen))]
    return chosen


# Library and interpreter wording that must never reach a chat.
LEAKS = re.compile(
    r"Traceback|File \"|Converting to|Command raised an exception|HTTPException|NoneType"
    r"|Ignoring exception|\b[A-Z][A-Za-z]*(?:Error|Exception)\b|discord\.|sqlalchemy"
    r"|sqlite3|asyncpg|aiosqlite|object at 0x|Sorry, something went wrong"
    # Python's None in the middle of a sentence; "None yet." opening one is English.
    r"|(?<!\n)(?<![.!?] )\bNone\b"
)


def leaks(text: str, sent: str) -> list[str]:
    """Library wording in `text` that is not simply the member's own words echoed back."""
    return sorted({m for m in LEAKS.findall("\n" + text) if m not in sent})
