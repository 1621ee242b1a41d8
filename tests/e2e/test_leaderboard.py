"""The leaderboard: every period, shared ranks, paging buttons, hiding from it.

Each test has a server of its own (the `e2e` fixture), so a board holds exactly what that
test logged, whichever tests ran before it.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest

from fakediscord import Message, User
from tests.e2e.conftest import E2E, field

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio(loop_scope="module")]

MEDALS = ("🥇", "🥈", "🥉")
LINE = re.compile(r"^(🥇|🥈|🥉|\*\*(\d+)\.\*\*) <@(\d+)> · (\d+) (?:day|days|week|weeks)")


def entries(message: Message) -> list[tuple[int, int, int]]:
    """(rank, user id, score) per line of a leaderboard page."""
    found = []
    for line in message.embeds[0].get("description", "").splitlines():
        match = LINE.match(line)
        assert match, f"unexpected leaderboard line {line!r}"
        rank = MEDALS.index(match[1]) + 1 if match[1] in MEDALS else int(match[2])
        found.append((rank, int(match[3]), int(match[4])))
    return found


def competition(scores: dict[int, tuple[int, ...]]) -> dict[int, int]:
    """Expected 1, 2, 2, 4 ranks for user id -> score tuple."""
    ordered = sorted(scores.values(), reverse=True)
    return {user: ordered.index(score) + 1 for user, score in scores.items()}


def week_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def streak(days: set[date], today: date) -> int:
    """Consecutive weeks (target 1) ending with this week, which has a check-in."""
    weeks = {week_of(d) for d in days}
    count, week = 0, week_of(today)
    while week in weeks:
        count += 1
        week -= timedelta(days=7)
    return count


def page_buttons(message: Message) -> dict[str, dict]:
    return {b["label"]: b for row in message.components for b in row["components"]}


async def checkin_days(e2e: E2E, user: User, back: list[int]) -> None:
    """Check `user` in today and `back` days ago (0 = today)."""
    for offset in back:
        text = "!legday" if offset == 0 else f"!legday log {offset_day(offset).isoformat()}"
        reply = await e2e.ask(user, text)
        assert reply.embeds, reply.content
        assert reply.embeds[0]["title"].startswith(("Leg day logged", "Leg day backfilled"))


def offset_day(offset: int) -> date:
    return (datetime.now(UTC) - timedelta(days=offset)).date()


async def more_than_a_page(e2e: E2E) -> list[User]:
    """11 members with 4 leg days each: more than one page, all ahead of a newcomer."""
    strong = [e2e.member("strong") for _ in range(11)]
    for user in strong:
        await checkin_days(e2e, user, [0, 1, 2, 3])
    return strong


async def test_every_period_ranks_with_shared_places(e2e: E2E):
    today = offset_day(0)
    plan = {"ana": [0, 1, 2], "ben": [0, 1], "cat": [0, 2], "dev": [0]}
    users = {name: e2e.member(name) for name in plan}
    for name, back in plan.items():
        await checkin_days(e2e, users[name], back)
    logged = {users[n].id: {offset_day(o) for o in back} for n, back in plan.items()}

    def counted(since: date) -> dict[int, tuple[int, ...]]:
        return {u: (sum(d >= since for d in ds),) for u, ds in logged.items()}

    expected_scores = {
        "week": counted(week_of(today)),
        "month": counted(today.replace(day=1)),
        "year": counted(today.replace(month=1, day=1)),
        "all": counted(date.min),
        "streak": {u: (streak(ds, today), streak(ds, today), len(ds)) for u, ds in logged.items()},
    }
    # all-time is the textbook case: 3, 2, 2, 1 -> 1, 2, 2, 4
    assert competition(expected_scores["all"]) == {
        users["ana"].id: 1,
        users["ben"].id: 2,
        users["cat"].id: 2,
        users["dev"].id: 4,
    }
    titles = {
        "week": "this week",
        "month": "this month",
        "year": "this year",
        "all": "all time",
        "streak": "current streaks",
    }
    caller = users["dev"]
    for period, scores in expected_scores.items():
        want_ranks = competition({u: s for u, s in scores.items() if s[0] > 0})
        prefix = await e2e.ask(caller, f"!legday top {period}")
        _, slash = await e2e.slash(caller, "legday top", {"period": period})
        for reply in (prefix, slash):
            assert reply.embeds[0]["title"] == f"Leg day leaderboard: {titles[period]}"
            got = entries(reply)
            assert {user: rank for rank, user, _ in got} == want_ranks, period
            assert {user: score for _, user, score in got} == {
                u: s[0] for u, s in scores.items() if s[0] > 0
            }
            assert [rank for rank, _, _ in got] == sorted(rank for rank, _, _ in got)
            assert reply.embeds[0]["footer"]["text"] == "Page 1/1"
            assert not reply.components  # one page: no buttons
            assert not any(f["name"] == "You" for f in reply.embeds[0].get("fields", []))

    default = await e2e.ask(caller, "!legday top")
    assert default.embeds[0]["title"] == "Leg day leaderboard: this week"
    bad = await e2e.ask(caller, "!legday top decade")
    assert bad.content.startswith("**period**: `decade` is not a period.")


async def test_hide_leaves_the_board_and_comes_back(e2e: E2E):
    shy, teammate = e2e.member("shy"), e2e.member("teammate")
    await e2e.ask(teammate, "!legday")  # so the board has someone on it when shy hides
    await e2e.ask(shy, "!legday")
    board = await e2e.ask(shy, "!legday top all")
    assert shy.id in {user for _, user, _ in entries(board)}

    hidden = await e2e.ask(shy, "!legday hide on")
    assert hidden.content == "You're hidden from the leaderboards. Your check-ins still count."
    board = await e2e.ask(shy, "!legday top all")
    assert {user for _, user, _ in entries(board)} == {teammate.id}
    assert not any(f["name"] == "You" for f in board.embeds[0].get("fields", []))

    _, shown = await e2e.slash(shy, "legday hide", {"state": "off"})
    assert shown.ephemeral
    assert shown.content == "You're back on the leaderboards."
    _, board = await e2e.slash(shy, "legday top", {"period": "all"})
    assert shy.id in {user for _, user, _ in entries(board)}

    _, hidden_again = await e2e.slash(shy, "legday hide", {"state": "on"})
    assert hidden_again.content.startswith("You're hidden")
    stats = await e2e.ask(shy, "!legday stats")  # their check-ins still count
    assert field(stats, "Total") == "1 leg day"


async def test_previous_and_next_buttons_page_the_board(e2e: E2E):
    # 11 members with 4 leg days outrank everyone else here; the caller has 1.
    strong = await more_than_a_page(e2e)
    caller = e2e.member("caller")
    await checkin_days(e2e, caller, [0])

    said = await e2e.fd.say(caller, e2e.gym, "!legday top all")
    board = await e2e.reply_to(said)
    first_page = entries(board)
    assert len(first_page) == 10
    assert {user for _, user, _ in first_page} <= {u.id for u in strong}
    assert all(rank == 1 and score == 4 for rank, _, score in first_page)  # an 11-way tie
    footer = board.embeds[0]["footer"]["text"]
    assert re.fullmatch(r"Page 1/\d+", footer) and footer != "Page 1/1"
    you = field(board, "You")  # the caller isn't on page 1: their own rank is shown
    match = re.fullmatch(r"#(\d+) · 1 day", you)
    assert match, you
    caller_rank = int(match[1])
    assert caller_rank > 11
    buttons = page_buttons(board)
    assert buttons["Previous"]["disabled"] is True
    assert buttons["Next"]["disabled"] is False
    revision = board.revision
    posted = len(e2e.fd.messages(e2e.gym))

    clicked = await e2e.fd.click(caller, board, buttons["Next"]["custom_id"])
    edited = await clicked.wait_response()
    assert edited is board  # the same message, edited in place
    assert clicked.response_type == 7
    assert board.revision > revision
    assert board.embeds[0]["footer"]["text"].startswith("Page 2/")
    second_page = entries(board)
    assert not {u for _, u, _ in second_page} & {u for _, u, _ in first_page}
    if board.embeds[0]["footer"]["text"] == "Page 2/2":
        assert (caller_rank, caller.id, 1) in second_page
        assert not any(f["name"] == "You" for f in board.embeds[0].get("fields", []))
        assert page_buttons(board)["Next"]["disabled"] is True
    assert page_buttons(board)["Previous"]["disabled"] is False
    assert len(e2e.fd.messages(e2e.gym)) == posted  # edited, not posted anew

    back = await e2e.fd.click(caller, board, page_buttons(board)["Previous"]["custom_id"])
    await back.wait_response()
    assert board.embeds[0]["footer"]["text"] == footer
    assert entries(board) == first_page

    # the buttons work for anyone, showing the clicker's own rank
    other = e2e.member("other")
    peek = await e2e.fd.click(other, board, page_buttons(board)["Next"]["custom_id"])
    await peek.wait_response()
    assert board.embeds[0]["footer"]["text"].startswith("Page 2/")


async def test_slash_leaderboard_has_the_same_buttons(e2e: E2E):
    await more_than_a_page(e2e)
    caller = e2e.member("slasher")
    await checkin_days(e2e, caller, [0])
    record, board = await e2e.slash(caller, "legday top", {"period": "all"})
    assert not board.ephemeral
    assert len(entries(board)) == 10
    assert re.fullmatch(r"#\d+ · 1 day", field(board, "You"))
    clicked = await e2e.fd.click(caller, board, page_buttons(board)["Next"]["custom_id"])
    await clicked.wait_response()
    assert board is record.response_message
    assert board.embeds[0]["footer"]["text"].startswith("Page 2/")
    if board.embeds[0]["footer"]["text"] == "Page 2/2":  # the last page: the caller is on it
        assert caller.id in {user for _, user, _ in entries(board)}
        assert not any(f["name"] == "You" for f in board.embeds[0].get("fields", []))
