"""Permissions over the real bot process: every command in the tree, from a table.

The tables give every `!` command and every `/` command a valid set of arguments, who may
run it and a piece of the answer it gives them. The tree is read from the bot itself
(`!` commands from its `commands` tree, `/` commands from its app command tree, loaded
without Discord) and from what the real process synced, and a command that has no row
fails `test_the_tables_cover_every_command_in_the_tree`: a new admin command cannot be
forgotten here.

- admin commands (Manage Server): refused to a member without it through `!`, and through
  `/` both when Discord hides the command (its default permissions) and when the server
  has opened it to everyone (only the bot's check is left); nothing changes in the
  database; they work for a member with Manage Server;
- owner-only commands (`LEGDAY_OWNER_IDS`): refused to a member, an admin and the
  server's owner; they work for the bot's owner;
- member commands: work for a member with no permission at all.

The check below the e2e layer, table-driven as well, is `tests/cogs/test_permission_table.py`.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import pytest_asyncio
from discord import app_commands

from bot.app import EXTENSIONS, LegDayBot
from bot.config import Config
from bot.store import Store
from fakediscord import Channel, CommandError, FakeDiscord, Message, User
from sandbox.demo import fixed_id
from tests.e2e.conftest import E2E, embed_text, open_stage

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio(loop_scope="module")]

NEEDS_MANAGE = "You need the **Manage Server** permission for that."
NOT_OWNER = "Only the bot's owner can do that."
OWNER_ID = fixed_id(900)  # the bot's owner: a plain member of the server otherwise

MEMBER, ADMIN, OWNER = "member", "admin", "owner"
# A fresh milestone for each removal; every `add` row gives the standing role at 3 weeks
# (one milestone per role), so each one after the first updates it.
_MILESTONE_WEEKS = itertools.count(100)
# A day to backfill that is in the past whatever the member's time zone and even if the run
# crosses midnight: `yesterday` after `tz Europe/Paris` is today's UTC date late in the evening.
BACKFILL_DAY = (datetime.now(UTC).date() - timedelta(days=3)).isoformat()


@dataclass(frozen=True)
class Row:
    """One command: who may run it, its arguments and a piece of the answer they get.

    Arguments may name `{schedule}` / `{quote}`: an existing schedule or quote of the
    server, made fresh for a command that removes one; `{here}` is the channel the table
    runs in."""

    who: str
    args: str | dict[str, Any]
    answer: str


# Every `!` command by its qualified name, with the arguments as typed after it.
PREFIX: dict[str, Row] = {
    "legday": Row(MEMBER, "", "Leg day logged"),
    "legday tz": Row(MEMBER, "Europe/Paris", "Your leg days now follow **Europe/Paris**"),
    "legday remind": Row(MEMBER, "on", "You'll be pinged by leg day reminders"),
    "legday hide": Row(MEMBER, "off", "You're back on the leaderboards."),
    "legday help": Row(MEMBER, "", "Leg day bot 🦵"),
    "legday why": Row(MEMBER, "", ""),
    "legday top": Row(MEMBER, "week", "Leg day leaderboard"),
    "legday log": Row(MEMBER, BACKFILL_DAY, "Leg day backfilled"),
    "legday undo": Row(MEMBER, "", "Removed"),
    "legday stats": Row(MEMBER, "", "Leg day stats"),
    "legday export": Row(MEMBER, "", "your data"),
    "legday forget": Row(MEMBER, "", "delete"),
    "legday quotes": Row(MEMBER, "", "quotes"),
    "legday quotes list": Row(MEMBER, "", "quotes"),
    "legday quotes add": Row(ADMIN, "Squat deep, stand tall.", "Added quote #"),
    "legday quotes remove": Row(ADMIN, "{quote}", "Removed quote #"),
    "legday schedule": Row(ADMIN, "", "Reminder schedules"),
    "legday schedule add": Row(ADMIN, "daily 03:00", "Reminder schedule #"),
    "legday schedule list": Row(ADMIN, "", "Reminder schedules"),
    "legday schedule remove": Row(ADMIN, "{schedule}", "Removed schedule #"),
    "legday schedule nudge": Row(ADMIN, "{schedule} 2", "a nudge 2 hours after"),
    "legday schedule test": Row(ADMIN, "{schedule}", "Posted a test of schedule #"),
    "legday schedule enable": Row(ADMIN, "{schedule}", "is active again."),
    "legday settings": Row(ADMIN, "", "Server settings"),
    "legday settings timezone": Row(ADMIN, "UTC", "Server time zone set to **UTC**."),
    "legday settings target": Row(ADMIN, "1", "Weekly target set to **1 leg day**"),
    "legday settings goal": Row(ADMIN, "40", "Group goal set to **40 leg days**"),
    "legday settings shields": Row(ADMIN, "4", "streak shield every **4 met weeks**"),
    "legday settings pauses": Row(ADMIN, "6", "pause their streak for up to **6 weeks**"),
    "legday settings risk": Row(ADMIN, "sat 18:00", "nudge every **Sat 18:00**"),
    "legday settings images": Row(ADMIN, "text", "`legday top` now answers with text"),
    "legday recap": Row(ADMIN, "", "recap"),
    "legday recap set": Row(ADMIN, "{here} mon 09:00", "The weekly recap goes to"),
    "legday recap off": Row(ADMIN, "", "No more weekly recaps."),
    "legday recap test": Row(ADMIN, "", "Posted a test recap"),
    "legday milestones": Row(ADMIN, "", "Milestone roles"),
    "legday milestones list": Row(ADMIN, "", "Milestone roles"),
    "legday milestones add": Row(ADMIN, "3 {role}", "members with a streak of **3 weeks**"),
    "legday milestones remove": Row(ADMIN, "{milestone}", "-week milestone: I no longer give"),
    "legday pause": Row(MEMBER, "1", "your streak is safe until"),
    "legday lifts": Row(MEMBER, "", "Lifts"),
    "legday prs": Row(MEMBER, "squat", "squat"),  # the board, or that nobody has logged it
    "legday units": Row(MEMBER, "kg", "Your lifts are now in **kilograms**"),
    "legday sync": Row(OWNER, "guild", "commands to this server."),
    "legday-admin": Row(ADMIN, "", "Leg day admin commands"),
    "legday-admin help": Row(ADMIN, "", "Leg day admin commands"),
    "legday-admin quotes": Row(ADMIN, "", "quotes"),
    "legday-admin quotes add": Row(ADMIN, "Knees out.", "Added quote #"),
    "legday-admin quotes remove": Row(ADMIN, "{quote}", "Removed quote #"),
    "legday-admin quotes list": Row(ADMIN, "", "quotes"),
    "legday-admin schedule": Row(ADMIN, "", "Reminder schedules"),
    "legday-admin schedule add": Row(ADMIN, "mon-fri 03:30", "Reminder schedule #"),
    "legday-admin schedule list": Row(ADMIN, "", "Reminder schedules"),
    "legday-admin schedule remove": Row(ADMIN, "{schedule}", "Removed schedule #"),
    "legday-admin schedule nudge": Row(ADMIN, "{schedule} off", "no follow-up nudge."),
    "legday-admin schedule test": Row(ADMIN, "{schedule}", "Posted a test of schedule #"),
    "legday-admin schedule enable": Row(ADMIN, "{schedule}", "is active again."),
    "legday-admin settings": Row(ADMIN, "", "Server settings"),
    "legday-admin settings timezone": Row(ADMIN, "UTC", "Server time zone set to **UTC**."),
    "legday-admin settings target": Row(ADMIN, "1", "Weekly target set to **1 leg day**"),
    "legday-admin settings goal": Row(ADMIN, "off", "No group goal any more."),
    "legday-admin settings shields": Row(ADMIN, "off", "Streak shields are off."),
    "legday-admin settings pauses": Row(ADMIN, "4", "pause their streak for up to **4 weeks**"),
    "legday-admin settings risk": Row(ADMIN, "off", "No more streak-at-risk nudges."),
    "legday-admin settings images": Row(ADMIN, "image", "now answers with a picture"),
    "legday-admin recap": Row(ADMIN, "", "recap"),
    "legday-admin recap set": Row(ADMIN, "{here} sun 20:00", "The weekly recap goes to"),
    "legday-admin recap off": Row(ADMIN, "", "No more weekly recaps."),
    "legday-admin recap test": Row(ADMIN, "", "Posted a test recap"),
    "legday-admin milestones": Row(ADMIN, "", "Milestone roles"),
    "legday-admin milestones list": Row(ADMIN, "", "Milestone roles"),
    "legday-admin milestones add": Row(
        ADMIN, "3 {role} remove", "members with a streak of **3 weeks**"
    ),
    "legday-admin milestones remove": Row(
        ADMIN, "{milestone}", "-week milestone: I no longer give"
    ),
}

# Every `/` command (a leaf of the app command tree) by its path, with its options.
SLASH: dict[str, Row] = {
    "legday checkin": Row(MEMBER, {}, "Leg day logged"),
    "legday tz": Row(MEMBER, {"timezone": "Europe/Paris"}, "Europe/Paris"),
    "legday remind": Row(MEMBER, {"state": "channel"}, "You'll be pinged by leg day reminders"),
    "legday hide": Row(MEMBER, {"state": "off"}, "You're back on the leaderboards."),
    "legday help": Row(MEMBER, {}, "Leg day bot 🦵"),
    "legday why": Row(MEMBER, {}, ""),
    "legday top": Row(MEMBER, {"period": "week"}, "Leg day leaderboard"),
    "legday log": Row(MEMBER, {"day": BACKFILL_DAY}, "Leg day backfilled"),
    "legday undo": Row(MEMBER, {}, "Removed"),
    "legday stats": Row(MEMBER, {}, "Leg day stats"),
    "legday export": Row(MEMBER, {}, "your data"),
    "legday forget": Row(MEMBER, {}, "delete"),
    "legday quotes list": Row(MEMBER, {}, "quotes"),
    "legday-admin help": Row(ADMIN, {}, "Leg day admin commands"),
    "legday-admin quotes add": Row(ADMIN, {"quote": "Drive through the heels."}, "Added quote #"),
    "legday-admin quotes remove": Row(ADMIN, {"id": "{quote}"}, "Removed quote #"),
    "legday-admin quotes list": Row(ADMIN, {}, "quotes"),
    "legday-admin schedule add": Row(
        ADMIN, {"days": "weekends", "time": "04:00"}, "Reminder schedule #"
    ),
    "legday-admin schedule list": Row(ADMIN, {}, "Reminder schedules"),
    "legday-admin schedule remove": Row(ADMIN, {"id": "{schedule}"}, "Removed schedule #"),
    "legday-admin schedule nudge": Row(
        ADMIN, {"id": "{schedule}", "hours": "3"}, "a nudge 3 hours after"
    ),
    "legday-admin schedule test": Row(ADMIN, {"id": "{schedule}"}, "Posted a test of schedule #"),
    "legday-admin schedule enable": Row(ADMIN, {"id": "{schedule}"}, "is active again."),
    "legday-admin settings show": Row(ADMIN, {}, "Server settings"),
    "legday-admin settings timezone": Row(
        ADMIN, {"timezone": "UTC"}, "Server time zone set to **UTC**."
    ),
    "legday-admin settings target": Row(ADMIN, {"target": 1}, "Weekly target set to"),
    "legday-admin settings goal": Row(ADMIN, {"goal": "30"}, "Group goal set to **30 leg days**"),
    "legday-admin settings shields": Row(ADMIN, {"weeks": "3"}, "every **3 met weeks**"),
    "legday-admin settings pauses": Row(ADMIN, {"weeks": "5"}, "for up to **5 weeks**"),
    "legday-admin settings risk": Row(
        ADMIN, {"day": "fri", "time": "17:30"}, "nudge every **Fri 17:30**"
    ),
    "legday-admin settings images": Row(ADMIN, {"style": "image"}, "now answers with a picture"),
    "legday-admin recap show": Row(ADMIN, {}, "recap"),
    "legday-admin recap set": Row(
        ADMIN, {"channel": "{here}", "day": "mon", "time": "08:00"}, "The weekly recap goes to"
    ),
    "legday-admin recap off": Row(ADMIN, {}, "No more weekly recaps."),
    "legday-admin recap test": Row(ADMIN, {}, "Posted a test recap"),
    "legday-admin milestones list": Row(ADMIN, {}, "Milestone roles"),
    "legday-admin milestones add": Row(
        ADMIN,
        {"weeks": 3, "role": "{role}", "remove": True},
        "members with a streak of **3 weeks**",
    ),
    "legday-admin milestones remove": Row(
        ADMIN, {"weeks": "{milestone}"}, "-week milestone: I no longer give"
    ),
    "legday pause": Row(MEMBER, {"weeks": "1"}, "your streak is safe until"),
    "legday lifts": Row(MEMBER, {}, "Lifts"),
    "legday prs": Row(MEMBER, {"exercise": "squat"}, "squat"),
    "legday units": Row(MEMBER, {"unit": "lb"}, "Your lifts are now in **pounds**"),
}


def _with_owner(fd: FakeDiscord) -> None:
    owner = fd.create_user("botowner", id=OWNER_ID)
    guild = next(iter(fd.state.guilds.values()))
    fd.add_member(guild, owner)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def e2e(tmp_path_factory: pytest.TempPathFactory, backend: str) -> AsyncIterator[E2E]:
    folder = tmp_path_factory.mktemp("perms")
    env = {"LEGDAY_OWNER_IDS": str(OWNER_ID)}
    async for stage in open_stage(folder, env, configure=_with_owner, backend=backend):
        yield stage


# --- the tree -------------------------------------------------------------------------


def bot_prefix_tree(bot: LegDayBot) -> set[str]:
    return {command.qualified_name for command in bot.walk_commands()}


def bot_slash_tree(bot: LegDayBot) -> set[str]:
    found = set()
    for top in bot.tree.get_commands():
        if isinstance(top, app_commands.Group):
            found |= {c.qualified_name for c in top.walk_commands()}
            found -= {
                c.qualified_name for c in top.walk_commands() if isinstance(c, app_commands.Group)
            }
        else:
            found.add(top.qualified_name)
    return found


def synced_slash_tree(fd: FakeDiscord) -> set[str]:
    """The leaves of the commands the real process registered with (local) Discord."""

    def leaves(prefix: str, options: list[dict[str, Any]]) -> set[str]:
        nested = [o for o in options if o.get("type") in (1, 2)]  # SUB_COMMAND(_GROUP)
        if not nested:
            return {prefix}
        found: set[str] = set()
        for option in nested:
            found |= leaves(f"{prefix} {option['name']}", option.get("options") or [])
        return found

    paths: set[str] = set()
    for command in fd.state.commands.values():
        paths |= leaves(command.name, list(command.raw.get("options") or []))
    return paths


async def test_the_tables_cover_every_command_in_the_tree(
    e2e: E2E, make_config: Callable[..., Config], store: Store
):
    bot = LegDayBot(make_config(), store)
    for extension in EXTENSIONS:
        await bot.load_extension(extension)
    try:
        assert bot_prefix_tree(bot) == set(PREFIX), "give the new `!` command a row in PREFIX"
        assert bot_slash_tree(bot) == set(SLASH), "give the new `/` command a row in SLASH"
    finally:
        for extension in EXTENSIONS:
            await bot.unload_extension(extension)
    # ...and the real process published exactly that tree.
    assert synced_slash_tree(e2e.fd) == set(SLASH)


# --- running the table ------------------------------------------------------------------


class Runner:
    """Runs table rows against the real bot in one channel, creating what `{schedule}`
    and `{quote}` refer to, and checks each command is answered exactly once."""

    def __init__(self, e2e: E2E, channel: Channel) -> None:
        self.e2e = e2e
        self.channel = channel
        self.boss = e2e.admin("perm-boss")
        self.standing: dict[str, int] = {}
        self.fresh_for_removals = True

    async def fresh(self, what: str) -> int:
        if what == "role":
            role = self.e2e.fd.create_role(self.e2e.guild, f"perm-role-{len(self.standing)}")
            return role.id
        if what == "milestone":
            weeks = next(_MILESTONE_WEEKS)
            role = self.e2e.fd.create_role(self.e2e.guild, f"perm-milestone-{weeks}")
            reply = await self.e2e.ask(
                self.boss, f"!legday milestones add {weeks} <@&{role.id}>", self.channel
            )
            assert "Added" in reply.content, reply.content
            return weeks
        if what == "schedule":
            reply = await self.e2e.ask(
                self.boss, f"!legday schedule add sat 05:00 <#{self.channel.id}>", self.channel
            )
            found = re.search(r"#(\d+)", reply.embeds[0]["title"])
        else:
            reply = await self.e2e.ask(
                self.boss, "!legday quotes add Brace and breathe.", self.channel
            )
            found = re.search(r"#(\d+)", reply.content)
        assert found, embed_text(reply)
        return int(found[1])

    async def ids(self, name: str, needs: set[str]) -> dict[str, int]:
        """Ids for the placeholders: a fresh one for a removal, else a standing one."""
        values = {}
        for what in needs:
            if what == "here":
                values[what] = self.channel.id
                continue
            removal = name.endswith(" remove") and self.fresh_for_removals
            if removal or what not in self.standing:
                values[what] = await self.fresh(what)
                if not removal:
                    self.standing[what] = values[what]
            else:
                values[what] = self.standing[what]
        return values

    async def prefix(self, user: User, name: str, row: Row) -> Message:
        assert isinstance(row.args, str)
        needs = set(re.findall(r"\{(\w+)\}", row.args))
        ids = await self.ids(name, needs)
        mentions = {"here": "<#{}>", "role": "<@&{}>"}
        args = row.args.format(**{k: mentions.get(k, "{}").format(v) for k, v in ids.items()})
        await self.e2e.pace()
        said = await self.e2e.fd.say(user, self.channel, f"!{name} {args}".strip())
        return await self.e2e.reply_to(said)

    async def slash(self, user: User, path: str, row: Row, *, overridden: bool) -> Message:
        assert isinstance(row.args, dict)
        needs = {v[1:-1] for v in row.args.values() if isinstance(v, str) and v[:1] == "{"}
        ids = await self.ids(path, needs)
        options = {
            k: (self.channel if v == "{here}" else ids[v[1:-1]])
            if isinstance(v, str) and v[:1] == "{"
            else v
            for k, v in row.args.items()
        }
        record, reply = await self.e2e.slash(
            user, path, options, self.channel, overridden=overridden
        )
        # One answer: the response (a deferred one replaced by its one follow-up).
        assert len(record.followups) <= 1 and record.response_type in (4, 5), path
        return reply

    def answered_once(self, said_ids: list[int]) -> None:
        bot = self.e2e.fd.bot_user.id
        replies: dict[str, int] = {}
        for message in self.e2e.fd.messages(self.channel):
            reference = (message.message_reference or {}).get("message_id")
            if message.author.id == bot and reference is not None:
                replies[reference] = replies.get(reference, 0) + 1
        assert {str(i): replies.get(str(i), 0) for i in said_ids} == dict.fromkeys(
            map(str, said_ids), 1
        )


def database_rows(e2e: E2E) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table of the bot's database, read beside the bot."""
    if e2e.stage.database_url.startswith("sqlite"):
        catalogue = "SELECT name FROM sqlite_master WHERE type = 'table'"
    else:
        catalogue = (
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
        )
    tables = [str(name) for (name,) in e2e.rows(catalogue)]
    return {table: sorted(e2e.rows(f'SELECT * FROM "{table}"'), key=repr) for table in tables}


def rows_for(table: dict[str, Row], who: str) -> dict[str, Row]:
    return {name: row for name, row in table.items() if row.who == who}


async def test_admin_commands_are_refused_to_members_without_manage_server(e2e: E2E):
    room = e2e.fd.create_channel(e2e.guild, "perm-refused")
    run = Runner(e2e, room)
    # What the commands would act on exists, so a missing check would show as a change.
    for what in ("schedule", "quote", "role", "milestone"):
        run.standing[what] = await run.fresh(what)
    run.fresh_for_removals = False
    pleb = e2e.member("pleb")
    before = database_rows(e2e)
    said: list[int] = []
    for name, row in rows_for(PREFIX, ADMIN).items():
        reply = await run.prefix(pleb, name, row)
        assert reply.content == NEEDS_MANAGE, f"!{name}: {embed_text(reply)}"
        said.append(int(reply.message_reference["message_id"]))
    for path, row in rows_for(SLASH, ADMIN).items():
        # Discord hides it from them...
        with pytest.raises(CommandError, match="Discord would hide it"):
            await e2e.fd.slash(pleb, room, path, {})
        # ...and where the server has opened it to everyone, the bot refuses.
        reply = await run.slash(pleb, path, row, overridden=True)
        assert (reply.content, reply.ephemeral) == (NEEDS_MANAGE, True), f"/{path}"
    assert database_rows(e2e) == before, "a refused command changed the database"
    run.answered_once(said)
    # Nothing but the refusals (and the set-up's own answers) was posted.
    posted = [m for m in e2e.fd.messages(room) if m.author.id == e2e.fd.bot_user.id]
    assert all(m.message_reference or m.ephemeral for m in posted)
    assert not [m for m in posted if "Test reminder" in m.content]


async def test_admin_commands_work_for_manage_server(e2e: E2E):
    room = e2e.fd.create_channel(e2e.guild, "perm-admin")
    run = Runner(e2e, room)
    coach = e2e.admin("coach")
    said: list[int] = []
    for name, row in rows_for(PREFIX, ADMIN).items():
        reply = await run.prefix(coach, name, row)
        assert row.answer in embed_text(reply), f"!{name}: {embed_text(reply)}"
        said.append(int(reply.message_reference["message_id"]))
    for path, row in rows_for(SLASH, ADMIN).items():
        reply = await run.slash(coach, path, row, overridden=False)
        assert row.answer in embed_text(reply), f"/{path}: {embed_text(reply)}"
    run.answered_once(said)


async def test_member_commands_work_for_a_member_with_no_permission(e2e: E2E):
    room = e2e.fd.create_channel(e2e.guild, "perm-member")
    run = Runner(e2e, room)
    said: list[int] = []
    for table, prefixed in ((PREFIX, True), (SLASH, False)):
        lifter = e2e.member("lifter")  # fresh, so `legday` logs and `undo` has one to undo
        for name, row in rows_for(table, MEMBER).items():
            if prefixed:
                reply = await run.prefix(lifter, name, row)
                said.append(int(reply.message_reference["message_id"]))
            else:
                reply = await run.slash(lifter, name, row, overridden=False)
            text = embed_text(reply)
            assert row.answer in text and NEEDS_MANAGE not in text, f"{name}: {text}"
    run.answered_once(said)


async def test_owner_commands_refuse_everyone_else(e2e: E2E):
    room = e2e.fd.create_channel(e2e.guild, "perm-owner")
    run = Runner(e2e, room)
    server_owner = e2e.fd.state.users[e2e.guild.owner_id]
    owners = rows_for(PREFIX, OWNER)
    assert owners, "the owner's `sync` has a row"
    said: list[int] = []
    for user in (e2e.member("pleb"), e2e.admin("coach"), server_owner):
        for name, row in owners.items():
            reply = await run.prefix(user, name, row)
            assert reply.content == NOT_OWNER, f"!{name} by {user.name}: {embed_text(reply)}"
            said.append(int(reply.message_reference["message_id"]))
    owner = e2e.fd.state.users[OWNER_ID]
    for name, row in owners.items():
        reply = await run.prefix(owner, name, row)
        assert row.answer in reply.content, f"!{name} by the owner: {reply.content}"
        said.append(int(reply.message_reference["message_id"]))
    run.answered_once(said)
