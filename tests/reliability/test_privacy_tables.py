"""Issue 12, item 7: `forget` erases a member in one server from every table, and
`export` holds all of their rows and nothing of anyone else's.

The tables come from the database's own catalogue, and every one of them needs a rule in
`_data_support.PRIVACY_RULES`: a table added later with a column that could hold a user
id fails here until someone decides what forget and export do with it.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
from collections import Counter
from collections.abc import AsyncIterator, Callable
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from bot.core import streaks
from bot.core.days import week_index, zone
from bot.core.lifts import Lift
from bot.core.milestones import RoleChange
from bot.core.reminders import DeliveryState
from bot.store import Store, Tx
from bot.store.sql import lifts as lifts_sql
from bot.store.sql import milestones as milestones_sql
from bot.store.sql import nudges as nudges_sql
from bot.store.sql import weekly as weekly_sql
from bot.store.sqlite_runner import SqliteTx, connect
from bot.usecases import (
    lifts,
    milestones,
    pausing,
    preferences,
    privacy,
    quotes,
    schedules,
    summaries,
)
from bot.usecases.services import Services
from fakediscord import FakeDiscord, Guild, Message, Permission, User
from tests.e2e.conftest import E2E, embed_text, open_stage
from tests.reliability._data_support import (
    PRIVACY_RULES,
    RowDict,
    TableRule,
    as_bag,
    belongs_to,
    catalogue,
    snapshot,
    unexplained_columns,
)
from tests.support import make_services, record_day

# Snowflake-sized ids: an id cut to 32 bits anywhere would match nothing.
GUILD = 1_150_000_000_000_000_101
OTHER_GUILD = 1_150_000_000_000_000_202
ALICE = 1_160_000_000_000_000_011  # the member who asks to be forgotten
BOB = 1_160_000_000_000_000_022  # another member of the same server
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
MON = date(2026, 11, 2)
MILESTONE_ROLE = 900_000_000_000_000_006

Snapshot = dict[str, list[RowDict]]


# -- the checks, over snapshots of every table --------------------------------------------


def owned(snap: Snapshot, guild_id: int, user_id: int) -> dict[str, list[RowDict]]:
    """The rows about (or crediting) the member in that server, per table that has any."""
    return {
        table: [row for row in snap[table] if belongs_to(rule, row, guild_id, user_id)]
        for table, rule in PRIVACY_RULES.items()
        if rule.member or rule.author
    }


def assert_seeded_for_every_kind(snap: Snapshot, guild_id: int, user_id: int, other: int) -> None:
    """The test means something only if every member table holds rows of all three kinds:
    the member here, the member in another server, another member here."""
    kinds = {
        "the member here": (guild_id, user_id),
        "the member elsewhere": (OTHER_GUILD, user_id),
        "another member here": (guild_id, other),
    }
    for table, rule in PRIVACY_RULES.items():
        if not (rule.member or rule.author) or table not in snap:
            continue
        for kind, (g, u) in kinds.items():
            rows = [r for r in snap[table] if belongs_to(rule, r, g, u)]
            assert rows, f"the seed left {table} without rows of {kind}"
    empty = [t for t, rows in snap.items() if not rows]
    assert not empty, f"the seed left tables empty: {empty}"


def assert_forgotten(
    before: Snapshot, after: Snapshot, guild_id: int, user_id: int, boards: set[Any]
) -> None:
    """None of the member's rows in that server remain, anywhere; every other row is
    exactly as it was, except counts over members (`derived`), which must equal what the
    remaining history gives (`boards`, from `summaries.expected_guild`)."""
    assert set(before) == set(after), "forget added or dropped a table"
    for table in before:
        rule = PRIVACY_RULES[table]
        was, now = before[table], after[table]
        left = [r for r in now if belongs_to(rule, r, guild_id, user_id)]
        assert not left, f"{table} still holds the forgotten member's rows: {left}"
        if rule.member:
            kept = [r for r in was if not belongs_to(rule, r, guild_id, user_id)]
            assert as_bag(now) == as_bag(kept), f"forget touched other rows of {table}"
        elif rule.author:
            assert rule.author is not None
            credit = rule.author
            expected = [
                {**r, credit: 0} if belongs_to(rule, r, guild_id, user_id) else r for r in was
            ]
            assert as_bag(now) == as_bag(expected), f"forget changed more of {table} than credits"
        elif rule.derived:
            assert rule.guild is not None
            column = rule.guild
            elsewhere = [r for r in was if r[column] != guild_id]
            assert as_bag([r for r in now if r[column] != guild_id]) == as_bag(elsewhere), (
                f"forget touched another server's {table}"
            )
            # Counts that fell to zero stay as rows of zero by design (`scores.move`).
            here = {
                tuple(v for k, v in r.items() if k != column)
                for r in now
                if r[column] == guild_id and r["members"] > 0
            }
            assert here == boards, f"{table} of the server does not match its history"
        else:
            assert as_bag(now) == as_bag(was), f"forget touched {table}"


def _check_members(data: dict[str, Any], rows: list[RowDict], context: Snapshot) -> None:
    (row,) = rows
    assert data["settings"] == {
        "timezone": row["timezone"],
        "reminders_opt_in": bool(row["reminders_opt_in"]),
        "remind_via": row["remind_via"],
        "hidden": bool(row["hidden"]),
        "weight_unit": row["weight_unit"],
    }


def _check_checkins(data: dict[str, Any], rows: list[RowDict], context: Snapshot) -> None:
    stored = sorted(
        (r["day"].isoformat(), r["created_at"].isoformat(), r["note"], r["source"]) for r in rows
    )
    exported = sorted((c["day"], c["created_at"], c["note"], c["source"]) for c in data["checkins"])
    assert exported == stored


def _exported_days(data: dict[str, Any]) -> list[date]:
    return sorted(date.fromisoformat(c["day"]) for c in data["checkins"])


def _check_member_stats(data: dict[str, Any], rows: list[RowDict], context: Snapshot) -> None:
    """The totals are in the export; the streak's inner state is exactly what the exported
    check-ins give, so it holds nothing the export does not."""
    (row,) = rows
    assert data["summary"] == {
        "total": row["total"],
        "best_streak_weeks": row["best"],
        "shields": row["shields"],
        "last_day": row["last_day"].isoformat() if row["last_day"] else None,
    }
    guild_id = row["guild_id"]
    default = {"weekly_target": 1, "shield_every": 4}
    (guild,) = [g for g in context["guilds"] if g["guild_id"] == guild_id] or [default]
    paused = {week_index(date.fromisoformat(monday)) for monday in data["paused_weeks"]}
    rule = streaks.ShieldRule(every=guild["shield_every"])
    state = streaks.rebuild(_exported_days(data), guild["weekly_target"], rule, paused)
    assert (
        state.total,
        state.best,
        state.run,
        state.week,
        state.week_count,
        state.shields,
        state.in_row,
    ) == (
        row["total"],
        row["best"],
        row["run"],
        row["week"],
        row["week_count"],
        row["shields"],
        row["in_row"],
    )


def _check_member_periods(data: dict[str, Any], rows: list[RowDict], context: Snapshot) -> None:
    """Counts per week, month and year: derived from the exported check-ins alone."""
    from_export = Counter(p for day in _exported_days(data) for p in summaries.periods_of(day))
    assert {(r["kind"], r["start"]): r["count"] for r in rows} == dict(from_export)


def _check_member_pauses(data: dict[str, Any], rows: list[RowDict], context: Snapshot) -> None:
    assert sorted(data["paused_weeks"]) == sorted(r["week_start"].isoformat() for r in rows)


def _check_member_nudges(data: dict[str, Any], rows: list[RowDict], context: Snapshot) -> None:
    stored = sorted((r["kind"], r["occurrence"].isoformat(), r["via"], r["state"]) for r in rows)
    exported = sorted((m["kind"], m["day"], m["via"], m["state"]) for m in data["messages_to_you"])
    assert exported == stored


def _check_lift_sets(data: dict[str, Any], rows: list[RowDict], context: Snapshot) -> None:
    stored = sorted(
        (r["day"].isoformat(), r["exercise"], r["sets"], r["reps"], r["weight_centi"], r["unit"])
        for r in rows
    )
    exported = sorted(
        (
            s["day"],
            s["exercise"],
            s["sets"],
            s["reps"],
            round(Decimal(s["weight"]) * 100),
            s["unit"],
        )
        for s in data["lift_sets"]
    )
    assert exported == stored


def _check_member_roles(data: dict[str, Any], rows: list[RowDict], context: Snapshot) -> None:
    stored = sorted((str(r["role_id"]), r["state"], r["updated_at"].isoformat()) for r in rows)
    exported = sorted((m["role_id"], m["state"], m["updated_at"]) for m in data["milestone_roles"])
    assert exported == stored


def _check_quotes(data: dict[str, Any], rows: list[RowDict], context: Snapshot) -> None:
    stored = sorted((r["id"], r["text"], r["created_at"].isoformat()) for r in rows)
    exported = sorted((q["id"], q["text"], q["created_at"]) for q in data["quotes_added"])
    assert exported == stored


#: How each table with a member's rows shows up in `export`.
EXPORT_CHECKS: dict[str, Callable[[dict[str, Any], list[RowDict], Snapshot], None]] = {
    "members": _check_members,
    "checkins": _check_checkins,
    "member_stats": _check_member_stats,
    "member_periods": _check_member_periods,
    "quotes": _check_quotes,
    "member_pauses": _check_member_pauses,
    "member_nudges": _check_member_nudges,
    "lift_sets": _check_lift_sets,
    "member_roles": _check_member_roles,
}


# Columns that hold one of a few fixed words (how a check-in came, how a member is
# reached, what a message was and how it went): the same word in two rows says nothing.
VOCABULARY = frozenset({"source", "remind_via", "via", "kind", "state"})


def assert_export_complete_and_private(
    data: dict[str, Any], snap: Snapshot, guild_id: int, user_id: int
) -> None:
    assert data["guild_id"] == str(guild_id) and data["user_id"] == str(user_id)
    for table, rows in owned(snap, guild_id, user_id).items():
        assert rows, f"nothing of the member in {table}: the check would prove nothing"
        EXPORT_CHECKS[table](data, rows, snap)
    text = json.dumps(data, ensure_ascii=False)
    # Nothing of anyone else: no other id, and none of the text of their rows.
    for table, rule in PRIVACY_RULES.items():
        if not (rule.member or rule.author):
            continue
        for row in snap[table]:
            if belongs_to(rule, row, guild_id, user_id):
                continue
            for column, value in row.items():
                # (ids of a few digits, like the 0 of an erased credit, match any number)
                if column in (rule.member, rule.author) and value != user_id and value > 99999:
                    assert str(value) not in text, f"another member's id from {table}"
                if column == rule.guild and value != guild_id:
                    assert str(value) not in text, f"another server's id from {table}"
                if isinstance(value, str) and len(value) >= 6 and column not in VOCABULARY:
                    assert value not in text, f"{table}.{column} of another row: {value!r}"
    own_days = {r["day"] for r in owned(snap, guild_id, user_id)["checkins"]}
    assert set(_exported_days(data)) == own_days


def test_every_table_has_a_privacy_rule_and_every_member_table_an_export_check(
    tmp_path: Path,
) -> None:
    """On a database the real migrations made (SQLite here; the store tests below read
    the catalogue of both backends too)."""
    import asyncio

    from bot.store.opening import open_store

    async def migrate() -> None:
        store = await open_store(f"sqlite+aiosqlite:///{tmp_path / 'schema.db'}")
        await store.close()

    asyncio.run(migrate())
    with connect(tmp_path / "schema.db") as conn:
        cat = catalogue(SqliteTx(conn))
    assert unexplained_columns(cat) == []
    member_tables = {t for t, rule in PRIVACY_RULES.items() if rule.member or rule.author}
    assert member_tables == set(EXPORT_CHECKS)
    assert set(cat) == set(PRIVACY_RULES), "a rule for a table the schema does not have"


def test_the_rules_catch_a_new_table_with_a_user_column() -> None:
    """The guard itself: a table it has never seen, and a new column in a known one."""
    cat = {
        "checkins": {"guild_id": "bigint", "user_id": "bigint", "day": "date"},
        "workouts": {"id": "integer", "guild_id": "bigint", "lifter": "bigint"},
        "schedules": {"guild_id": "bigint", "channel_id": "bigint", "role_id": "bigint"},
        "guilds": {"guild_id": "bigint", "created_by": "text"},
    }
    problems = unexplained_columns(cat)
    assert "workouts (no rule at all)" in problems
    assert "guilds.created_by (text)" in problems
    assert not any(p.startswith(("checkins.", "schedules.")) for p in problems)
    assert TableRule(member="user_id").explained() == {"user_id"}


# -- on the store: SQLite and PostgreSQL ---------------------------------------------------


async def seed(store: Store, services: Services) -> None:
    """Every table filled, through the bot's own use cases, for three kinds of rows."""
    people = [
        (GUILD, ALICE, "Europe/Paris", [MON, MON + timedelta(days=2), MON + timedelta(days=7)]),
        (OTHER_GUILD, ALICE, "Asia/Tokyo", [MON + timedelta(days=1)]),
        (GUILD, BOB, "America/Chicago", [MON + timedelta(days=3), MON + timedelta(days=10)]),
    ]
    await store.run(
        lambda tx: tx.execute(
            "INSERT INTO guilds (guild_id, timezone, weekly_target) "
            "VALUES (:g, 'Europe/Berlin', 1)",
            {"g": GUILD},
        )
    )
    for guild, user, tz, days in people:
        tag = f"{guild % 1000}-{user % 1000}"
        await preferences.set_timezone(services, guild, user, zone(tz))
        await preferences.set_reminders(services, guild, user, True)
        for day in days:
            await record_day(store, guild, user, day, now=NOW, note=f"squats by {tag} on {day}")
        await quotes.add(services, guild, f"Quote credited to {tag}", user)
        await pausing.pause(services, guild, user, 1 + user % 2)
        await store.run(partial(_a_nudge, guild_id=guild, user_id=user))
        # Sets of an exercise only this member does, on their first day, in their own unit.
        unit = "lb" if user == ALICE else "kg"
        await lifts.set_unit(services, guild, user, unit)
        sets = [Lift(f"sled push {tag}", 3, 5, 10250, unit), Lift("squat", 5, 5, 10000, unit)]
        await store.run(
            partial(lifts_sql.insert, guild_id=guild, user_id=user, day=days[0], lifts=sets)
        )
        await milestones.add(
            services, guild, 1, MILESTONE_ROLE, remove_on_break=False, problem=None
        )
        await store.run(partial(_a_milestone_role, guild_id=guild, user_id=user))
    await quotes.add(services, GUILD, "A quote of the server's owner", 1)
    added = await schedules.add(
        services,
        GUILD,
        900_000_000_000_000_001,
        role_id=900_000_000_000_000_002,
        broadcast=None,
        days=frozenset({0, 3}),
        at=time(18, 0),
    )
    assert added is not None

    def delivery(tx: Tx) -> None:
        tx.execute(
            "INSERT INTO deliveries (schedule_id, occurrence_day, kind, state, fire_at, "
            "message_id, attempts, updated_at) VALUES (:s, :d, 'main', 'sent', :t, :m, 1, :t)",
            {"s": added.id, "d": MON, "t": NOW, "m": 900_000_000_000_000_003},
        )

    await store.run(delivery)
    await store.run(
        lambda tx: weekly_sql.claim(tx, GUILD, "recap", MON, 900_000_000_000_000_004, NOW, NOW)
    )
    await summaries.ensure_current(store, "UTC")  # the meta stamps


def _a_milestone_role(tx: Tx, guild_id: int, user_id: int) -> None:
    """The 1-week milestone's role, claimed for the member as a check-in claims it."""
    milestones_sql.claim(tx, guild_id, user_id, RoleChange(MILESTONE_ROLE, True, 1), NOW)


def _a_nudge(tx: Tx, guild_id: int, user_id: int) -> None:
    """A streak-at-risk nudge the member was sent by DM, as the weekly loop records one."""
    (claimed,) = nudges_sql.claim(tx, guild_id, "risk", 0, MON, [(user_id, "dm")], NOW)
    nudges_sql.finish(tx, claimed, DeliveryState.SENT, NOW, message_id=900_000_000_000_000_005)


@pytest.fixture
def services(backend_store: Store) -> Services:
    return make_services(backend_store, lambda: NOW)


async def test_forget_erases_the_member_here_from_every_table_and_nothing_else(
    backend_store: Store, services: Services
) -> None:
    store = backend_store
    await seed(store, services)
    before = await store.read(snapshot)
    assert unexplained_columns(await store.read(catalogue)) == []
    assert_seeded_for_every_kind(before, GUILD, ALICE, BOB)
    boards_before = await store.read(lambda tx: summaries.expected_guild(tx, GUILD, "UTC")[2])
    assert {
        (r["board"], r["start"], r["score"], r["members"])
        for r in before["board_scores"]
        if r["guild_id"] == GUILD and r["members"] > 0
    } == boards_before

    assert await privacy.forget(services, GUILD, ALICE) == 3

    after = await store.read(snapshot)
    boards = await store.read(lambda tx: summaries.expected_guild(tx, GUILD, "UTC")[2])
    assert boards != boards_before  # her scores left the boards
    assert_forgotten(before, after, GUILD, ALICE, boards)
    assert await privacy.forget(services, GUILD, ALICE) == 0
    assert await store.read(snapshot) == after


async def test_export_holds_every_row_of_the_member_here_and_nothing_else(
    backend_store: Store, services: Services
) -> None:
    store = backend_store
    await seed(store, services)
    snap = await store.read(snapshot)
    assert_seeded_for_every_kind(snap, GUILD, ALICE, BOB)

    data = await privacy.export(services, GUILD, ALICE)

    assert json.loads(json.dumps(data)) == data
    assert_export_complete_and_private(data, snap, GUILD, ALICE)
    # The same member in the other server gets that server's rows only.
    elsewhere = await privacy.export(services, OTHER_GUILD, ALICE)
    assert_export_complete_and_private(elsewhere, snap, OTHER_GUILD, ALICE)


# -- once through the real bot ----------------------------------------------------------


class TwoServers:
    def __init__(self) -> None:
        self.other: Guild | None = None
        self.other_gym: Any = None


# Through the real bot on SQLite only: the test writes nudges and reads every table beside
# the bot through SQLite's own connection; forget and export themselves run on both
# databases above.
@pytest_asyncio.fixture
async def stage(tmp_path: Path) -> AsyncIterator[tuple[E2E, TwoServers]]:
    world = TwoServers()

    def second_server(fd: FakeDiscord) -> None:
        world.other = fd.create_guild("Other Gym", channels=["weights"])
        world.other_gym = next(c for c in world.other.channels.values() if c.name == "weights")

    async for e2e in open_stage(tmp_path, configure=second_server):
        yield e2e, world


def _buttons(message: Message) -> dict[str, str]:
    return {b["label"]: b["custom_id"] for row in message.components for b in row["components"]}


@pytest.mark.e2e
async def test_forget_and_export_through_the_real_bot(
    stage: tuple[E2E, TwoServers], tmp_path: Path
) -> None:
    e2e, world = stage
    fd = e2e.fd
    assert world.other is not None
    alice: User = e2e.admin("alice")  # admins, so they can add server quotes
    bob: User = e2e.admin("bob")
    coaches = fd.create_role(world.other, "coaches", permissions=int(Permission.MANAGE_GUILD))
    fd.add_member(world.other, alice, roles=[coaches])
    here, there = e2e.gym, world.other_gym
    # A milestone role in each server, which the bot can give (Manage Roles, below its role).
    iron = {}
    for guild in (e2e.guild, world.other):
        bot_role = fd.bot_role(guild)
        fd.update_role(bot_role, permissions=bot_role.permissions | Permission.MANAGE_ROLES)
        iron[guild.id] = fd.create_role(guild, "Iron Legs")
    for channel, guild in ((here, e2e.guild), (there, world.other)):
        reply = await e2e.ask(
            alice, f"!legday-admin milestones add 1 <@&{iron[guild.id].id}>", channel
        )
        assert "Added" in reply.content, reply.content
    # (who, where, what they type, a piece of the answer that says it worked)
    script: list[tuple[User, Any, str, str]] = [
        (alice, here, "!legday tz Europe/Paris", "now follow **Europe/Paris**"),
        (alice, here, "!legday remind on", "You'll be pinged"),
        (alice, here, "!legday log yesterday", "Leg day backfilled"),
        (alice, here, "!legday front squats 3x5 60kg by alice here", "Leg day logged"),
        (alice, here, "!legday quotes add Alice says: legs first", "Added quote #"),
        (alice, there, "!legday tz Asia/Tokyo", "now follow **Asia/Tokyo**"),
        (alice, there, "!legday lunges 3x10 by alice elsewhere", "Leg day logged"),
        (alice, there, "!legday quotes add Alice elsewhere says: squat deep", "Added quote #"),
        (bob, here, "!legday tz America/Chicago", "now follow **America/Chicago**"),
        (bob, here, "!legday box jumps 3x10 by bob here", "Leg day logged"),
        (bob, here, "!legday remind on", "You'll be pinged"),
        (bob, here, "!legday quotes add Bob says: calves count too", "Added quote #"),
        (alice, here, "!legday pause 2", "your streak is safe until"),
        (alice, there, "!legday pause 1", "your streak is safe until"),
        (bob, here, "!legday pause 1", "your streak is safe until"),
    ]
    for user, channel, text, answer in script:
        reply = await e2e.ask(user, text, channel)
        assert answer in embed_text(reply), (text, embed_text(reply))

    database = tmp_path / "e2e.db"
    # Nudges need a week to go by; they are written beside the bot, as it records them.
    with connect(database) as conn:
        for guild_id, user_id in (
            (e2e.guild.id, alice.id),
            (world.other.id, alice.id),
            (e2e.guild.id, bob.id),
        ):
            _a_nudge(SqliteTx(conn), guild_id, user_id)

    def read() -> Snapshot:
        with connect(database) as conn:
            conn.execute("PRAGMA query_only=ON")
            return snapshot(SqliteTx(conn))

    def holds_iron(guild: Any, user: User) -> bool:
        return iron[guild.id].id in fd.member(guild, user).role_ids

    for _ in range(50):  # the roles are given in the background
        if all(holds_iron(g, u) for g, u in ((e2e.guild, alice), (world.other, alice))):
            break
        await asyncio.sleep(0.1)
    assert holds_iron(e2e.guild, alice) and holds_iron(world.other, alice)
    assert holds_iron(e2e.guild, bob)
    before = read()
    # The seed above: every member table has all three kinds of rows.
    for table, rule in PRIVACY_RULES.items():
        if rule.member or rule.author:
            for g, u in (
                (e2e.guild.id, alice.id),
                (world.other.id, alice.id),
                (e2e.guild.id, bob.id),
            ):
                assert any(belongs_to(rule, r, g, u) for r in before[table]), (table, g, u)

    _, exported = await e2e.slash(alice, "legday export")
    (attachment,) = exported.attachments
    assert_export_complete_and_private(attachment.json(), before, e2e.guild.id, alice.id)

    prompt = await e2e.ask(alice, "!legday forget")
    click = await fd.click(alice, prompt, _buttons(prompt)["Delete my data"])
    await click.wait_response()
    assert prompt.content == "Done: deleted your settings and 2 check-ins in this server."

    after = read()
    with connect(database) as conn:
        boards = summaries.expected_guild(SqliteTx(conn), e2e.guild.id, "UTC")[2]
    assert_forgotten(before, after, e2e.guild.id, alice.id, boards)
    # What she had in the other server is all still hers.
    assert any(r["user_id"] == alice.id for r in after["checkins"])
    # The role the bot gave her here is taken back with her data; nobody else's.
    for _ in range(50):
        if not holds_iron(e2e.guild, alice):
            break
        await asyncio.sleep(0.1)
    assert not holds_iron(e2e.guild, alice)
    assert holds_iron(world.other, alice) and holds_iron(e2e.guild, bob)
    with sqlite3.connect(database) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
