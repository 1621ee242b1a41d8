"""Milestone roles on the real bot process against the local Discord, whose role routes
apply Discord's rules (Manage Roles, only roles below the bot's highest): a role given on
check-in, one above the bot refused and the admins told once (nothing sent while it is
so), given once the admin moves it below, taken away by an undo and by time breaking a
streak, and a claim a kill cut off finished after the restart, once.

The module's bot follows a clock file (`TimeMachine`), which only the last test moves.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import datetime, time, timedelta

import pytest
import pytest_asyncio

from fakediscord import Permission, Role, User
from tests.e2e.conftest import E2E, TimeMachine, embed_text, open_stage

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio(loop_scope="module")]

ROLE_ROUTE = "/guilds/{guild_id}/members/{user_id}/roles/{role_id}"


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def stage(
    tmp_path_factory: pytest.TempPathFactory, backend: str
) -> AsyncIterator[tuple[E2E, TimeMachine]]:
    folder = tmp_path_factory.mktemp("milestones")
    clock_file = folder / "clock"
    clock_file.write_text("0")
    async for e2e in open_stage(folder, {"LEGDAY_CLOCK_FILE": str(clock_file)}, backend=backend):
        yield e2e, TimeMachine(e2e.fd, clock_file)


@pytest.fixture
def e2e(stage: tuple[E2E, TimeMachine]) -> E2E:
    """A server of this test's own, where the bot has Manage Roles."""
    server = stage[0].new_server()
    bot_role = server.fd.bot_role(server.guild)
    server.fd.update_role(bot_role, permissions=bot_role.permissions | Permission.MANAGE_ROLES)
    return server


def holds(e2e: E2E, user: User, role: Role) -> bool:
    return role.id in e2e.fd.member(e2e.guild, user).role_ids


async def until(condition: Callable[[], bool], within: float = 5.0) -> None:
    for _ in range(int(within / 0.05)):
        if condition():
            return
        await asyncio.sleep(0.05)
    assert condition()


def role_calls(e2e: E2E, role: Role, method: str = "PUT") -> list[object]:
    return [
        r
        for r in e2e.fd.emulator.requests
        if r.method == method and r.path.endswith(f"/roles/{role.id}")
    ]


async def add_milestone(e2e: E2E, admin: User, text: str) -> str:
    reply = await e2e.ask(admin, f"!legday-admin milestones add {text}")
    return reply.content


def ledger(e2e: E2E, user: User) -> list[tuple[object, ...]]:
    return e2e.rows(
        "SELECT role_id, state FROM member_roles WHERE guild_id = :guild AND user_id = :user",
        guild=e2e.guild.id,
        user=user.id,
    )


async def test_a_one_week_milestone_is_given_on_check_in(e2e: E2E):
    admin, ana = e2e.admin(), e2e.member("ana")
    iron = e2e.fd.create_role(e2e.guild, "Iron Legs")
    answer = await add_milestone(e2e, admin, f"1 <@&{iron.id}>")
    assert answer.startswith("🏅 Added: members with a streak of **1 week** get"), answer
    reply = await e2e.ask(ana, "!legday")
    text = embed_text(reply)
    assert f"🏅 1 week in a row: you earned <@&{iron.id}>" in text
    assert reply.mention_role_ids == [] and reply.mention_ids == []  # no ping
    await until(lambda: holds(e2e, ana, iron))
    assert ledger(e2e, ana) == [(iron.id, "granted")]
    # A second check-in the same day changes nothing and sends nothing.
    await e2e.ask(ana, "!legday")
    await asyncio.sleep(0.3)
    assert len(role_calls(e2e, iron)) == 1
    # The slash form, with `remove`, and the list as the admin sees it.
    steel = e2e.fd.create_role(e2e.guild, "Steel Legs")
    _, answer_message = await e2e.slash(
        admin, "legday-admin milestones add", {"weeks": 4, "role": str(steel.id), "remove": True}
    )
    assert "taken away when the streak breaks" in answer_message.content
    listed = embed_text(await e2e.ask(admin, "!legday-admin milestones list"))
    assert f"**1 week** → <@&{iron.id}> · kept after a break" in listed
    assert f"**4 weeks** → <@&{steel.id}> · taken away when the streak breaks" in listed


async def test_bad_input_is_refused_in_the_bots_words(e2e: E2E):
    admin = e2e.admin()
    iron = e2e.fd.create_role(e2e.guild, "Iron Legs")
    assert "out of range" in await add_milestone(e2e, admin, f"0 <@&{iron.id}>")
    assert "out of range" in await add_milestone(e2e, admin, f"521 <@&{iron.id}>")
    assert "@everyone can't be" in await add_milestone(e2e, admin, f"2 <@&{e2e.guild.id}>")
    managed = e2e.fd.bot_role(e2e.guild)
    assert "managed by an integration" in await add_milestone(e2e, admin, f"2 <@&{managed.id}>")
    assert await add_milestone(e2e, admin, f"2 <@&{iron.id}> maybe") == (
        "I couldn't use `maybe`: it is more than this command takes. "
        "Usage: `!legday-admin milestones add <weeks> <role> [remove]`"
    )
    await add_milestone(e2e, admin, f"2 <@&{iron.id}>")
    assert "one milestone per role" in await add_milestone(e2e, admin, f"3 <@&{iron.id}>")
    other = e2e.fd.create_role(e2e.guild, "Other")
    assert "one role per milestone" in await add_milestone(e2e, admin, f"2 <@&{other.id}>")
    member = e2e.member()
    refused = await e2e.ask(member, "!legday-admin milestones add 1 <@&{iron.id}>")
    assert "Manage Server" in refused.content
    gone = await e2e.ask(admin, "!legday-admin milestones remove 9")
    assert gone.content.startswith("There is no 9-week milestone")


async def test_a_role_above_the_bot_is_told_once_then_given_once_fixed(e2e: E2E):
    fd = e2e.fd
    admin, ana, ben = e2e.admin(), e2e.member("ana"), e2e.member("ben")
    titan = fd.create_role(e2e.guild, "Titan Legs")
    await add_milestone(e2e, admin, f"1 <@&{titan.id}>")
    # An admin drags the role above the bot's own.
    fd.move_role(titan, fd.bot_role(e2e.guild).position + 1)
    await asyncio.sleep(0.3)
    await e2e.ask(ana, "!legday")
    await e2e.ask(ben, "!legday")
    told = await fd.next_message(
        e2e.gym, timeout=5, predicate=lambda m: "I can't give" in m.content
    )
    assert f"<@&{titan.id}>" in told.content and "not below my highest role" in told.content
    await asyncio.sleep(0.5)
    warnings = [m for m in fd.messages(e2e.gym) if "I can't give" in m.content]
    assert len(warnings) == 1
    assert role_calls(e2e, titan) == []  # the cache said no: nothing sent to be refused
    listed = embed_text(await e2e.ask(admin, "!legday-admin milestones list"))
    assert "⚠️ Not given: that role is not below my highest role." in listed
    # Fixed: the role goes back below the bot's; the bot notices and gives it to both.
    fd.move_role(titan, 1)
    await until(lambda: holds(e2e, ana, titan) and holds(e2e, ben, titan))
    assert len(role_calls(e2e, titan)) == 2
    listed = embed_text(await e2e.ask(admin, "!legday-admin milestones list"))
    assert "⚠️" not in listed


async def test_undo_takes_a_remove_role_away(e2e: E2E):
    admin, ana = e2e.admin(), e2e.member("ana")
    iron = e2e.fd.create_role(e2e.guild, "Iron Legs")
    await add_milestone(e2e, admin, f"1 <@&{iron.id}> remove")
    await e2e.ask(ana, "!legday")
    await until(lambda: holds(e2e, ana, iron))
    undone = await e2e.ask(ana, "!legday undo")
    assert f"The milestone role <@&{iron.id}> goes with it." in undone.content
    assert undone.mention_role_ids == []
    await until(lambda: not holds(e2e, ana, iron))
    assert ledger(e2e, ana) == [(iron.id, "removed")]


async def test_a_role_the_bot_did_not_give_is_never_taken(e2e: E2E):
    admin = e2e.admin()
    iron = e2e.fd.create_role(e2e.guild, "Iron Legs")
    ana = e2e.member("ana", roles=[iron])  # given by a moderator
    await add_milestone(e2e, admin, f"2 <@&{iron.id}> remove")
    await e2e.ask(ana, "!legday")
    await e2e.ask(ana, "!legday undo")
    await asyncio.sleep(0.3)
    assert holds(e2e, ana, iron) and role_calls(e2e, iron, "DELETE") == []


async def test_a_kill_between_claim_and_call_is_finished_after_the_restart(e2e: E2E):
    fd = e2e.fd
    admin, ana = e2e.admin(), e2e.member("ana")
    iron = fd.create_role(e2e.guild, "Iron Legs")
    await add_milestone(e2e, admin, f"1 <@&{iron.id}>")
    path = f"PUT /guilds/{e2e.guild.id}/members/{ana.id}/roles/{iron.id}"
    # The call hangs in Discord and then fails: the claim is in the database, the role is
    # not on the member, and the bot dies waiting.
    fd.delay(path, 3.0, count=1)
    fd.fail(path, 500, count=1)
    reply = await e2e.ask(ana, "!legday")
    assert "you earned" in embed_text(reply)
    await until(lambda: len(role_calls(e2e, iron)) == 1)
    await e2e.stage.kill_bot()
    assert ledger(e2e, ana) == [(iron.id, "granting")]
    await asyncio.sleep(3.5)  # the cut-off request ends (refused) before the restart
    assert not holds(e2e, ana, iron)
    await e2e.stage.start_bot()
    await until(lambda: holds(e2e, ana, iron), within=10)
    assert ledger(e2e, ana) == [(iron.id, "granted")]
    assert len(role_calls(e2e, iron)) == 2
    earned = [m for m in fd.messages(e2e.gym) if "you earned" in embed_text(m)]
    assert len(earned) == 1  # announced by the check-in's reply alone


async def test_time_breaking_a_streak_takes_the_role_away(stage: tuple[E2E, TimeMachine], e2e: E2E):
    clock = stage[1]
    admin, ana, ben = e2e.admin(), e2e.member("ana"), e2e.member("ben")
    iron = e2e.fd.create_role(e2e.guild, "Iron Legs")
    steel = e2e.fd.create_role(e2e.guild, "Steel Legs")
    await add_milestone(e2e, admin, f"1 <@&{iron.id}> remove")
    await add_milestone(e2e, admin, f"2 <@&{steel.id}>")
    await e2e.ask(ana, "!legday")
    await until(lambda: holds(e2e, ana, iron))
    # ben keeps his streak going into next week; ana does not.
    now = clock.now()
    next_monday = datetime.combine(
        now.date() + timedelta(days=7 - now.weekday()), time(10, 0), now.tzinfo
    )
    await clock.to(next_monday)
    await e2e.ask(ben, "!legday")
    await until(lambda: holds(e2e, ben, iron))
    assert holds(e2e, ana, iron)  # an unmet week counts only once it is over
    await clock.to(next_monday + timedelta(days=7, minutes=1))
    await until(lambda: not holds(e2e, ana, iron), within=10)
    assert holds(e2e, ben, iron)  # his week is not over yet
    assert ledger(e2e, ana) == [(iron.id, "removed")]
