"""Hostile input (issue 12, item 5): every command, every argument, a corpus of nasty text.

The real bot process runs against the local Discord with `strict_mentions` on, so every
message the bot sends is checked for a ping it should not make (the rule is
`fakediscord.checks.unintended_pings`: only a post of the bot's own, a reminder, may ping,
and only the users and role its allowed_mentions names, or @everyone/@here when the
schedule asked for it). Each answer must be the bot's own words: a clear error or the
right result, never a traceback or library wording. Afterwards the bot still answers, its
log holds no error and SQLite's `PRAGMA integrity_check` says `ok`.

Null bytes (and every other control character but the line break) are stripped from notes
and quotes, not refused: PostgreSQL cannot store NUL at all, the text a member sees is the
same without them, and refusing "leg\\x00day" would only puzzle someone whose client slipped
one in. What is stored is `normalize_text` of what was sent, and reads back exactly so.

Short variant: a seeded sample of the matrix covering every command position and every
corpus item (`LEGDAY_HOSTILE_SEED` picks another sample); `--long`: the whole matrix.
"""

from __future__ import annotations

import os
import random
import re
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import pytest_asyncio

from bot.core.errors import InputError
from bot.core.parsing import clean_note, clean_quote
from bot.core.suggest import held_note
from bot.store import Store
from bot.usecases import privacy, quotes
from bot.usecases.checkins import check_in
from cogs.errors import GENERIC_APOLOGY
from fakediscord import FakeDiscord, Message, Permission, User
from fakediscord.checks import unintended_pings
from fakediscord.commands import CommandError
from tests.e2e.conftest import E2E, embed_text, open_stage
from tests.reliability._hostile_support import (
    BOOLEAN,
    CHANNEL,
    INTEGER,
    MAX_INTEGER_OPTION,
    MAX_MESSAGE,
    MAX_STRING_OPTION,
    ROLE,
    STRING,
    USER,
    Case,
    Hostile,
    all_cases,
    corpus,
    hostile_texts,
    leaks,
    prefix_commands,
    sample,
    slash_commands,
)
from tests.support import make_services

SHORT_SAMPLE = 700
SEED = int(os.environ.get("LEGDAY_HOSTILE_SEED", "12"))
ANSWER_WITHIN = 10.0


# --- the emulator's rule for pings ---------------------------------------------------------

NONE: dict[str, Any] = {"parse": [], "users": [], "roles": [], "replied_user": False}


@pytest.mark.parametrize(
    ("content", "allowed", "own_post", "reply_to", "expected"),
    [
        # Mentions the bot was told not to ping are fine anywhere.
        ("<@1> <@&2> @everyone @here", NONE, False, None, []),
        ("<@1> <@&2> @everyone", NONE, True, None, []),
        # No allowed_mentions: Discord parses everything.
        ("hi <@!5>", None, False, None, ["user 5"]),
        ("@here", None, True, None, ["@here"]),
        ("thanks", None, False, 9, ["replied user 9"]),
        # A reply or an answer never pings, even whom it names.
        ("<@1>", {"parse": [], "users": ["1"]}, False, None, ["user 1"]),
        ("@everyone", {"parse": ["everyone"]}, False, None, ["@everyone"]),
        ("ok", {"parse": [], "replied_user": True}, False, 9, ["replied user 9"]),
        # A reminder pings exactly whom it names (<@3>, not named, is shown, not pinged),
        # and nobody through `parse`.
        ("<@1> <@3> <@&2>", {"parse": [], "users": ["1"], "roles": ["2"]}, True, None, []),
        ("<@1> <@&2>", {"parse": ["users", "roles"]}, True, None, ["user 1", "role 2"]),
        ("@here", {"parse": ["everyone"]}, True, None, []),
        ("@everyone <@&2>", {"parse": ["everyone"], "roles": ["2"]}, True, None, []),
    ],
)  # fmt: skip
def test_the_ping_rule(
    content: str,
    allowed: dict[str, Any] | None,
    own_post: bool,
    reply_to: int | None,
    expected: list[str],
) -> None:
    found = unintended_pings(content, allowed, own_post=own_post, reply_to=reply_to)
    assert found == expected


@pytest.mark.parametrize(
    ("answer", "sent", "expected"),
    [
        ("**day**: `x` is not a date.", "x", []),
        ("Traceback (most recent call last):", "x", ["Traceback"]),
        ("Converting to \"int\" failed for parameter \"target\".", "x", ["Converting to"]),
        ("Command raised an exception: OverflowError: int too big", "x",
         ["Command raised an exception", "OverflowError"]),
        ("'NoneType' object has no attribute 'id'", "x", ["NoneType"]),
        ("Last check-in: None", "x", ["None"]),
        ("Reminder schedules\nNone yet. Add one. None here.", "x", []),
        (GENERIC_APOLOGY, "x", ["Sorry, something went wrong"]),
        # The member's own words echoed back are theirs, not a leak.
        ("**note**: `KeyError` is not a day.", "KeyError", []),
    ],
)  # fmt: skip
def test_library_wording_is_told_from_echoed_input(
    answer: str, sent: str, expected: list[str]
) -> None:
    assert leaks(answer, sent) == sorted(expected)


async def _post(fd: FakeDiscord, channel_id: int, body: dict[str, Any]) -> int:
    url = f"{fd.api_base}/channels/{channel_id}/messages"
    headers = {"Authorization": f"Bot {fd.bot_token}"}
    async with aiohttp.ClientSession() as http, http.post(url, json=body, headers=headers) as r:
        return r.status


async def test_strict_mentions_records_every_unintended_ping() -> None:
    async with FakeDiscord() as fd:
        alice = fd.create_user("alice")
        guild = fd.create_guild("Iron Temple", members=[alice])
        gym = fd.create_channel(guild, "gym")
        nobody = {"parse": []}
        # Off (the default): nothing recorded, as before.
        assert await _post(fd, gym.id, {"content": f"<@{alice.id}>"}) == 200
        assert fd.violations_of("unintended_ping") == []

        fd.strict_mentions = True
        assert await _post(fd, gym.id, {"content": "@everyone", "allowed_mentions": nobody}) == 200
        assert fd.violations_of("unintended_ping") == []
        named = {"parse": [], "users": [str(alice.id)]}
        assert await _post(fd, gym.id, {"content": f"<@{alice.id}>", "allowed_mentions": named})
        assert fd.violations_of("unintended_ping") == []  # a post of its own, naming her

        assert await _post(fd, gym.id, {"content": "hey @here"}) == 200
        said = await fd.say(alice, gym, "!legday")
        reply = {
            "content": f"<@{alice.id}>",
            "allowed_mentions": named,
            "message_reference": {"message_id": str(said.id)},
        }
        assert await _post(fd, gym.id, reply) == 200
        found = [v.detail for v in fd.violations_of("unintended_ping")]
        assert len(found) == 2
        assert "would ping @here" in found[0]
        assert f"would ping user {alice.id}" in found[1]


# --- the real bot -----------------------------------------------------------------------


def _strict(fd: FakeDiscord) -> None:
    fd.strict_mentions = True


@pytest_asyncio.fixture
async def stage(tmp_path: Path, backend: str) -> AsyncIterator[E2E]:
    async for opened in open_stage(tmp_path, configure=_strict, backend=backend):
        yield opened


@dataclass(frozen=True, slots=True)
class Invocation:
    """A case made concrete: the message typed, or the slash options picked."""

    case: Case
    text: str | None = None
    options: dict[str, Any] | None = None

    @property
    def sent(self) -> str:
        return self.text if self.text is not None else repr(self.options)


class Fillers:
    """Valid values for the arguments a case does not aim at."""

    def __init__(self, e2e: E2E) -> None:
        demo = e2e.demo
        self.e2e = e2e
        self.words = {
            "note": "squats",
            "day": "yesterday",
            "target": "3",
            "timezone": "Europe/Paris",
            "state": "off",
            "period": "month",
            "id": "1",
            "hours": "2",
            "days": "mon,thu",
            "time": "18:00",
            "channel": f"<#{demo.gym.id}>",
            "role": f"<@&{demo.lifters.id}>",
            "quote": "legs",
            "scope": "guild",
            "weeks": "2",
            "goal": "40",
            "unit": "kg",
            "exercise": "squat",
            "remove": "remove",
            "style": "image",
        }

    def word(self, name: str, user: User) -> str:
        return f"<@{user.id}>" if name == "member" else self.words[name]

    def option(self, param: Any, user: User) -> Any:
        if param.choices:
            return param.choices[0]
        if param.kind == USER:
            return user
        if param.kind == CHANNEL:
            return self.e2e.gym
        if param.kind == ROLE:
            return self.e2e.demo.lifters
        if param.kind == INTEGER:
            return int(self.words.get(param.name, "1"))
        return self.words[param.name]


_MENTION = re.compile(r"<(@!?|@&|#)(\d+)>")


def _slash_value(e2e: E2E, param: Any, text: str) -> Any | None:
    """What a member can put in this option for the hostile text, or None when Discord's
    own picker or typing rules would never let it through."""
    if param.choices or param.kind == BOOLEAN:
        return None  # only the listed choices can be picked
    if param.kind == STRING:
        if not text.strip():
            return None  # Discord does not send a blank required value
        return text[: min(param.max_length or MAX_STRING_OPTION, MAX_STRING_OPTION)]
    if param.kind == INTEGER:
        if not re.fullmatch(r"-?\d+", text) or abs(int(text)) > MAX_INTEGER_OPTION:
            return None
        value = int(text)
        low, high = param.min_value, param.max_value
        return (
            None
            if (low is not None and value < low) or (high is not None and value > high)
            else value
        )
    state = e2e.fd.state
    mention = _MENTION.fullmatch(text)
    if param.kind == ROLE:
        if text == "@everyone":
            return e2e.guild.id  # the @everyone role is in the role picker
        return int(mention[2]) if mention and mention[1] == "@&" else None
    if param.kind == USER and mention and mention[1] in ("@", "@!"):
        return int(mention[2]) if int(mention[2]) in state.users else None
    if param.kind == CHANNEL and mention and mention[1] == "#":
        return int(mention[2])
    return None


def invocation(e2e: E2E, fillers: Fillers, case: Case, user: User) -> Invocation | None:
    command, params = case.command, case.command.params
    if command.slash:
        options: dict[str, Any] = {}
        for index, param in enumerate(params):
            if index == case.position:
                value = _slash_value(e2e, param, case.item.text)
                if value is None:
                    return None
                options[param.name] = value
            elif param.required:
                options[param.name] = fillers.option(param, user)
        return Invocation(case, options=options)
    words = []
    for index, param in enumerate(params):
        if index == case.position:
            words.append(case.item.text)
        elif index < case.position or param.required:
            words.append(fillers.word(param.name, user))
    if case.position == len(params):
        words.append(case.item.text)
    text = " ".join([f"!{command.path}", *words])
    return Invocation(case, text=text[:MAX_MESSAGE])


@dataclass
class Outcome:
    invocation: Invocation
    answer: Message | None
    problems: list[str]


async def run(e2e: E2E, call: Invocation, user: User) -> Message:
    if call.text is not None:
        await e2e.pace()
        said = await e2e.fd.say(user, e2e.gym, call.text)
        return await e2e.reply_to(said, within=ANSWER_WITHIN)
    _, answer = await e2e.slash(user, call.case.command.path, call.options, within=ANSWER_WITHIN)
    return answer


def judge(e2e: E2E, call: Invocation, answer: Message) -> list[str]:
    """What is wrong with the bot's answer to a hostile invocation (nothing, ideally)."""
    problems = []
    text = embed_text(answer)
    if not text.strip() and not answer.attachments:
        problems.append("empty answer")
    leaked = leaks(text, call.case.item.text)
    if leaked:
        problems.append(f"library wording {leaked}: {text[:300]!r}")
    if answer.mention_ids or answer.mention_role_ids or answer.mention_everyone:
        problems.append(
            f"pinged users={answer.mention_ids} roles={answer.mention_role_ids} "
            f"everyone={answer.mention_everyone}"
        )
    case = call.case
    if (
        not case.item.text.strip()
        and case.position == len(case.command.params)
        and "more than this command takes" in text
    ):
        problems.append(f"refused blanks as an extra word: {text[:200]!r}")
    for violation in e2e.new_violations():
        problems.append(f"violation {violation}")
    return problems


async def play(e2e: E2E, cases: list[Case]) -> tuple[list[Outcome], int]:
    """Run the cases one after another; returns the outcomes and how many were skipped
    because Discord would not let that value through."""
    fillers = Fillers(e2e)
    outcomes = []
    skipped = 0
    e2e.new_violations()
    for case in cases:
        user = e2e.admin() if case.command.admin else e2e.member()
        call = invocation(e2e, fillers, case, user)
        if call is None:
            skipped += 1
            continue
        try:
            answer = await run(e2e, call, user)
        except (TimeoutError, AssertionError, CommandError) as exc:
            outcomes.append(Outcome(call, None, [f"no answer: {type(exc).__name__} {exc}"]))
            e2e.new_violations()
            continue
        outcomes.append(Outcome(call, answer, judge(e2e, call, answer)))
    return outcomes, skipped


async def assert_still_healthy(e2e: E2E) -> None:
    """The bot is up and answering, logged no error, and its database is intact."""
    assert e2e.stage.bot.running, e2e.stage.bot.log_text()[-3000:]
    answer = await e2e.ask(e2e.member(), "!legday help", within=ANSWER_WITHIN)
    assert answer.embeds, "`!legday help` was not answered with the help"
    log = e2e.stage.bot.log_text()
    assert "Traceback" not in log, log[-4000:]
    assert not [line for line in log.splitlines() if " ERROR " in line], log[-4000:]
    if e2e.stage.database_url.startswith("sqlite"):  # PostgreSQL checks as it writes
        assert e2e.rows("PRAGMA integrity_check") == [("ok",)]


async def complete_hostile_typing(e2e: E2E, items: list[Hostile]) -> list[str]:
    """Every corpus item typed into every autocompleted option: the suggestions are a
    valid list (the emulator checks Discord's limits) and nothing else happens."""
    problems = []
    member, admin = e2e.member(), e2e.admin()
    for command in slash_commands(e2e.fd):
        user = admin if command.admin else member
        for param in command.params:
            if not param.autocomplete:
                continue
            for item in items:
                typed = item.text[:MAX_STRING_OPTION]
                await e2e.pace()
                try:
                    choices = await e2e.fd.autocomplete(
                        user, e2e.gym, command.path, param.name, typed
                    )
                except (TimeoutError, CommandError) as exc:
                    problems.append(f"{command.label} [{param.name}] <- {item.name}: {exc}")
                    continue
                if len(choices) > 25 or any(len(c["name"]) > 100 for c in choices):
                    problems.append(f"{command.label} [{param.name}] <- {item.name}: {choices}")
                problems += [f"{item.name}: violation {v}" for v in e2e.new_violations()]
    return problems


def _dump(path: str | None, outcomes: list[Outcome]) -> None:
    """Write every invocation and answer to `path` (tab-separated), to read them over."""
    if not path:
        return
    with open(path, "w", encoding="utf-8") as out:
        for outcome in outcomes:
            answer = embed_text(outcome.answer) if outcome.answer else "<none>"
            sent = outcome.invocation.sent[:80]
            out.write(f"{outcome.invocation.case.label}\t{sent!r}\t{answer[:300]!r}\n")


def report(outcomes: list[Outcome]) -> str:
    bad = [o for o in outcomes if o.problems]
    lines = [f"{len(bad)} of {len(outcomes)} hostile invocations were answered badly:"]
    for outcome in bad[:40]:
        sent = outcome.invocation.sent
        lines.append(f"- {outcome.invocation.case.label}: {sent[:120]!r}")
        lines += [f"    {problem}" for problem in outcome.problems]
    return "\n".join(lines)


@pytest.mark.e2e
async def test_every_command_answers_hostile_arguments_clearly(stage: E2E, long_run: bool) -> None:
    items = corpus(stage.demo, stage.demo.users["bob"].id)
    matrix = all_cases([*await prefix_commands(), *slash_commands(stage.fd)], items)
    # Discord's pickers and typing rules filter the slash half before anything is sent.
    probe = Fillers(stage)
    bob = stage.demo.users["bob"]
    sendable = [c for c in matrix if invocation(stage, probe, c, bob) is not None]
    cases = sendable if long_run else sample(sendable, SHORT_SAMPLE, SEED)
    started = time.monotonic()
    outcomes, skipped = await play(stage, cases)
    _dump(os.environ.get("LEGDAY_HOSTILE_DUMP"), outcomes)
    completed = await complete_hostile_typing(stage, items)
    elapsed = time.monotonic() - started
    prefix = sum(1 for o in outcomes if not o.invocation.case.command.slash)
    print(
        f"\nhostile matrix: {len(matrix)} cases, {len(sendable)} sendable; ran {len(outcomes)} "
        f"({prefix} prefix, {len(outcomes) - prefix} slash; seed {SEED}, long={long_run}) "
        f"and {len(items)} autocompletions per autocompleted option in {elapsed:.1f}s"
    )
    assert skipped == 0
    assert not [o for o in outcomes if o.problems], report(outcomes)
    assert completed == [], "\n".join(completed)
    await assert_still_healthy(stage)


def _stored_note(e2e: E2E, user_id: int) -> list[str | None]:
    rows = e2e.rows("SELECT note FROM checkins WHERE user_id = :user", user=user_id)
    return [row[0] for row in rows]


def _stored_quote(e2e: E2E, quote_id: int) -> str | None:
    rows = e2e.rows("SELECT text FROM quotes WHERE id = :id", id=quote_id)
    return None if not rows else str(rows[0][0])


def _expected(clean: Any, text: str) -> str | InputError | None:
    try:
        return clean(text)  # type: ignore[no-any-return]
    except InputError as error:
        return error


@pytest.mark.e2e
async def test_hostile_notes_and_quotes_read_back_exactly(stage: E2E) -> None:
    items = corpus(stage.demo, stage.demo.users["bob"].id)
    problems: list[str] = []
    for item in items:
        for slash in (False, True):
            member = stage.member()
            sent = (
                item.text[:MAX_STRING_OPTION] if slash else ("!legday " + item.text)[:MAX_MESSAGE]
            )
            note = sent if slash else sent.removeprefix("!legday ")
            if slash and not note.strip():
                continue
            expected = _expected(clean_note, note)
            if slash:
                _, answer = await stage.slash(member, "legday checkin", {"note": note})
            else:
                answer = await stage.ask(member, sent)
            stored = _stored_note(stage, member.id)
            where = f"{'/' if slash else '!'}checkin <- {item.name}"
            if isinstance(expected, InputError):
                if stored or expected.user_message() not in answer.content:
                    problems.append(f"{where}: expected {expected}, got {answer.content!r}")
            elif answer.content.startswith("Did you mean"):
                if held_note(answer.content) != expected or stored:
                    problems.append(f"{where}: held note {held_note(answer.content)!r}")
            elif stored != [expected]:
                problems.append(f"{where}: stored {stored!r}, sent {expected!r}")
            elif slash:
                # ...and the member's own export gives it back as stored.
                _, exported = await stage.slash(member, "legday export")
                notes = [c["note"] for c in exported.attachments[0].json()["checkins"]]
                if notes != [expected]:
                    problems.append(f"{where}: exported {notes!r}, stored {expected!r}")

        admin = stage.admin()
        text = ("!legday quotes add " + item.text)[:MAX_MESSAGE]
        quote = text.removeprefix("!legday quotes add ")
        answer = await stage.ask(admin, text)
        expected_quote = _expected(clean_quote, quote)
        added = re.fullmatch(r"Added quote #(\d+)\.", answer.content)
        if not quote.strip():
            if not answer.content.startswith("Missing **quote**"):
                problems.append(f"quote <- {item.name}: {answer.content!r}")
        elif isinstance(expected_quote, InputError):
            if added or expected_quote.user_message() not in answer.content:
                problems.append(f"quote <- {item.name}: {answer.content!r}")
        elif added is None or _stored_quote(stage, int(added[1])) != expected_quote:
            problems.append(f"quote <- {item.name}: {answer.content!r}, stored differs")
        problems += [f"{item.name}: violation {v}" for v in stage.new_violations()]
    assert not problems, "\n".join(problems)
    await assert_still_healthy(stage)


@pytest.mark.e2e
async def test_reminders_still_ping_exactly_their_members_role_and_everyone(stage: E2E) -> None:
    """The strict rule is not so strict that it flags what reminders are for: a test post
    of a role schedule and of an @everyone schedule pings exactly that, and nobody else."""
    fd, demo = stage.fd, stage.demo
    for role in (demo.coaches, fd.bot_role(demo.guild)):
        fd.update_role(role, permissions=role.permissions | Permission.MENTION_EVERYONE)
    admin, keen, lazy = stage.admin(), stage.member(), stage.member()
    assert "pinged" in (await stage.ask(keen, "!legday remind on")).content
    role_schedule = await stage.ask(
        admin, f"!legday schedule add daily 23:59 <#{stage.gym.id}> <@&{demo.lifters.id}>"
    )
    everyone_schedule = await stage.ask(admin, "!legday schedule add daily 23:58 @everyone")
    for added in (role_schedule, everyone_schedule):
        assert added.embeds and "added" in added.embeds[0]["title"], embed_text(added)
    posts = {}
    for number in (1, 2):
        answer = await stage.ask(admin, f"!legday schedule test {number}")
        assert answer.content.startswith(f"Posted a test of schedule #{number}"), answer.content
        posts[number] = await fd.next_message(
            stage.gym, predicate=lambda m: "Test reminder" in m.content
        )
    assert posts[1].mention_role_ids == [demo.lifters.id]
    assert posts[2].mention_everyone and not posts[2].mention_role_ids
    for post in posts.values():
        assert keen.id in post.mention_ids and lazy.id not in post.mention_ids
    assert stage.new_violations() == []
    await assert_still_healthy(stage)


async def test_hostile_text_reads_back_exactly_from_every_database(backend_store: Store) -> None:
    """What the cogs hand the store (the cleaned note or quote) comes back unchanged from
    SQLite and PostgreSQL alike: the member's export and the server's quote list."""
    services = make_services(backend_store, lambda: datetime(2026, 11, 25, 12, tzinfo=UTC))
    guild = 900
    items = hostile_texts(role=1, everyone_role=guild, channel=2, member=3)
    rng = random.Random(SEED)
    items += [
        Hostile(f"random-{n}", "".join(chr(rng.randrange(1, 0x10FFFF)) for _ in range(60)))
        for n in range(20)
    ]
    problems = []
    for user_id, item in enumerate(items, start=10):
        note, quote = _expected(clean_note, item.text), _expected(clean_quote, item.text)
        if not isinstance(note, InputError):
            await check_in(services, guild, user_id, note=note, source="command")
            exported = await privacy.export(services, guild, user_id)
            stored = [checkin["note"] for checkin in exported["checkins"]]
            if stored != [note]:
                problems.append(f"note {item.name}: {stored!r} != {note!r}")
        if isinstance(quote, str):
            quote_id = await quotes.add(services, guild, quote, user_id)
            listed = {q.id: q.text for q in await quotes.listed(services, guild)}
            if listed.get(quote_id) != quote:
                problems.append(f"quote {item.name}: {listed.get(quote_id)!r} != {quote!r}")
    assert not problems, "\n".join(problems)
