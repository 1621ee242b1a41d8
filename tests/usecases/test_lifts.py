"""Lifts over a real store: sets stored with the check-in that carries them and removed with
it, records against the member's history, a member's report, the server's PR board, the
weight unit, export and forget."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta

import pytest

from bot.core.errors import InputError
from bot.core.lifts import Lift
from bot.store import Store
from bot.store.sql import lifts as lifts_sql
from bot.usecases import preferences, privacy
from bot.usecases.checkins import check_in, undo_today
from bot.usecases.lifts import member_lifts, set_unit, top_prs
from bot.usecases.services import Services
from tests.support import make_services, sql_rows

GUILD = 900
OTHER_GUILD = 901
ALICE = 11
BOB = 22
CAROL = 33
START = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)  # a Monday


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now

    def next_day(self) -> None:
        self.now += timedelta(days=1)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def services(store: Store, clock: Clock) -> Services:
    return make_services(store, clock)


async def stored(store: Store, guild: int = GUILD, user: int = ALICE) -> list[tuple]:
    rows = await sql_rows(
        store,
        "SELECT day, seq, exercise, sets, reps, weight_centi, unit FROM lift_sets "
        "WHERE guild_id = :g AND user_id = :u ORDER BY day, seq",
        g=guild,
        u=user,
    )
    return [tuple(row.values()) for row in rows]


async def note(services: Services, text: str | None, user: int = ALICE, **kwargs):
    return await check_in(services, GUILD, user, note=text, source="command", **kwargs)


async def test_a_checkin_stores_its_sets_and_reports_first_records(store, services):
    outcome = await note(services, "squat 5x5 100kg, RDL 4x10 135lb")
    assert outcome.created
    squat = Lift("squat", 5, 5, 10000, "kg")
    rdl = Lift("romanian deadlift", 4, 10, 13500, "lb")
    assert outcome.lifts == (squat, rdl)
    assert [(r.lift, r.heaviest) for r in outcome.records] == [(squat, True), (rdl, True)]
    day = START.date()
    assert await stored(store) == [
        (day, 0, "squat", 5, 5, 10000, "kg"),
        (day, 1, "romanian deadlift", 4, 10, 13500, "lb"),
    ]


async def test_a_repeat_keeps_the_first_checkins_sets_only(store, services):
    await note(services, "squat 5x5 100")
    again = await note(services, "squat 5x5 150")
    assert not again.created
    assert again.lifts == (Lift("squat", 5, 5, 15000, "kg"),)  # read, to say it wasn't saved
    assert again.records == ()
    assert [row[5] for row in await stored(store)] == [10000]


async def test_records_are_against_earlier_days(store, services, clock):
    await note(services, "squat 5x5 100")
    clock.next_day()
    lighter = await note(services, "squat 5x5 95")
    assert lighter.created and lighter.records == ()
    clock.next_day()
    heavier = await note(services, "squat 5x5 102.5")
    (record,) = heavier.records
    assert record.heaviest and record.e1rm == pytest.approx(102.5 * (1 + 5 / 30))
    clock.next_day()
    single = await note(services, "squat 1x3 105")  # a new rep count, e1RM 115.5 < 119.6
    (record,) = single.records
    assert record.heaviest and record.e1rm is None


async def test_a_note_without_lifts_stores_none(store, services):
    outcome = await note(services, "felt great 10/10")
    assert outcome.created and outcome.lifts == () and outcome.records == ()
    assert await stored(store) == []
    rows = await sql_rows(store, "SELECT note FROM checkins WHERE user_id = :u", u=ALICE)
    assert rows[0]["note"] == "felt great 10/10"


async def test_undo_removes_the_days_sets_only(store, services, clock):
    await note(services, "squat 5x5 100")
    clock.next_day()
    await note(services, "squat 5x5 110")
    await note(services, "lunges 3x12", user=BOB)
    assert await undo_today(services, GUILD, ALICE) is not None
    assert [row[0] for row in await stored(store)] == [START.date()]
    assert len(await stored(store, user=BOB)) == 1


async def test_a_backfill_stores_sets_on_its_day(store, services, clock):
    clock.next_day()
    outcome = await note(services, "deadlift 1x1 180", day_text="yesterday")
    assert outcome.day == START.date()
    assert await stored(store) == [(START.date(), 0, "deadlift", 1, 1, 18000, "kg")]


async def test_the_unit_reads_bare_numbers_and_shows_records(store, services, clock):
    await set_unit(services, GUILD, ALICE, "lb")
    outcome = await note(services, "squat 5x5 225")
    assert outcome.unit == "lb"
    assert outcome.lifts == (Lift("squat", 5, 5, 22500, "lb"),)
    # the other server keeps kg
    other = await check_in(services, OTHER_GUILD, ALICE, note="squat 5x5 100", source="command")
    assert other.lifts == (Lift("squat", 5, 5, 10000, "kg"),)
    report = await member_lifts(services, GUILD, ALICE, None)
    assert report.unit == "lb"


async def test_member_lifts_lists_recent_sets_and_records(store, services, clock):
    await note(services, "squat 5x5 100, leg press 3x12 200")
    clock.next_day()
    await note(services, "squat 3x3 120; lunges 3x10")
    report = await member_lifts(services, GUILD, ALICE, None)
    assert [(s.day, s.lift.exercise) for s in report.recent] == [
        (START.date() + timedelta(days=1), "squat"),
        (START.date() + timedelta(days=1), "lunge"),
        (START.date(), "squat"),
        (START.date(), "leg press"),
    ]
    by_name = {r.exercise: r.bests for r in report.records}
    assert by_name["squat"].heaviest == {5: 100.0, 3: 120.0}
    assert by_name["squat"].e1rm == pytest.approx(132.0)
    assert "lunge" not in by_name  # bodyweight sets hold no record
    # best e1RM first
    assert report.records[0].exercise == "leg press"

    only = await member_lifts(services, GUILD, ALICE, "Squats")
    assert only.exercise == "squat"
    assert [s.lift.exercise for s in only.recent] == ["squat", "squat"]
    assert [r.exercise for r in only.records] == ["squat"]


async def test_an_unknown_exercise_names_close_ones(store, services):
    with pytest.raises(InputError) as nothing:
        await member_lifts(services, GUILD, ALICE, "squat")
    assert str(nothing.value) == (
        "**exercise**: you haven't logged `squat` here. Expected an exercise logged in a "
        "check-in note, e.g. `legday squat 5x5 100kg`."
    )
    await note(services, "squat 5x5 100, front squat 3x5 80")
    with pytest.raises(InputError) as close:
        await member_lifts(services, GUILD, ALICE, "sqaut")
    assert str(close.value) == (
        "**exercise**: you haven't logged `sqaut` here. Expected one of yours: Squat."
    )
    with pytest.raises(InputError) as board:
        await top_prs(services, GUILD, "deadlift", ALICE)
    assert str(board.value) == (
        "**exercise**: nobody here has logged `deadlift`. Expected one logged here: "
        "Front squat, Squat."
    )


async def test_top_prs_ranks_by_best_e1rm_and_leaves_hidden_members_out(store, services):
    await note(services, "squat 5x5 100", user=ALICE)  # e1RM 116.7
    await note(services, "squat 1x1 140; squat 1x20 200", user=BOB)  # 140; 20 reps don't count
    await note(services, "squat 5x5 220lb", user=CAROL)  # 99.8 kg: e1RM 116.4
    await note(services, "lunges 3x10", user=4)  # another exercise
    board = await top_prs(services, GUILD, "squats", ALICE)
    assert board.exercise == "squat"
    assert [(e.rank, e.item.user_id) for e in board.page.entries] == [
        (1, BOB),
        (2, ALICE),
        (3, CAROL),
    ]
    assert board.caller is not None and board.caller.rank == 2 and board.caller_on_page
    assert board.page.entries[0].item.lift == Lift("squat", 1, 1, 14000, "kg")

    await preferences.set_hidden(services, GUILD, BOB, True)
    board = await top_prs(services, GUILD, "squat", BOB)
    assert [e.item.user_id for e in board.page.entries] == [ALICE, CAROL]
    assert board.caller is None


async def test_top_prs_pages_and_ranks_ties_alike(store, services):
    for user in range(100, 125):
        weight = 100 + (user - 100) // 2  # pairs of equal bests
        await check_in(services, GUILD, user, note=f"squat 1x1 {weight}", source="command")
    first = await top_prs(services, GUILD, "squat", 100)
    assert first.page.total_pages == 3
    assert [e.rank for e in first.page.entries] == [1, 2, 2, 4, 4, 6, 6, 8, 8, 10]
    assert first.caller is not None and first.caller.rank == 24 and not first.caller_on_page
    last = await top_prs(services, GUILD, "squat", 100, page=9)
    assert last.page.number == 2
    assert [e.item.user_id for e in last.page.entries][-2:] == [100, 101]  # tied: by id


async def test_export_and_forget_cover_sets_and_unit(store, services):
    await set_unit(services, GUILD, ALICE, "lb")
    await note(services, "squat 5x5 225.5, lunges 3x12")
    await check_in(services, OTHER_GUILD, ALICE, note="squat 5x5 100", source="command")
    await note(services, "squat 5x5 100", user=BOB)

    data = await privacy.export(services, GUILD, ALICE)
    assert data["settings"]["weight_unit"] == "lb"
    day = START.date().isoformat()
    assert data["lift_sets"] == [
        {"day": day, "exercise": "squat", "sets": 5, "reps": 5, "weight": "225.5", "unit": "lb"},
        {"day": day, "exercise": "lunge", "sets": 3, "reps": 12, "weight": "0", "unit": "lb"},
    ]

    assert await privacy.forget(services, GUILD, ALICE) == 1
    assert await stored(store) == []
    assert len(await stored(store, guild=OTHER_GUILD)) == 1
    assert len(await stored(store, user=BOB)) == 1
    # the unit went with the member's settings
    outcome = await note(services, "squat 5x5 100")
    assert outcome.unit == "kg"


async def test_a_day_of_ten_lifts_and_a_long_note(store, services):
    text = ", ".join(f"squat 1x{reps} 100" for reps in range(1, 13))[:200]
    outcome = await note(services, text)
    assert 1 <= len(outcome.lifts) <= 10
    assert [row[1] for row in await stored(store)] == list(range(len(outcome.lifts)))


async def test_a_mistyped_name_is_compared_with_the_most_logged_only(store, services):
    made_up = [Lift(f"move number {i:04d}", 1, 5, 0, "kg") for i in range(1000)]
    for day in range(3):
        when = START.date() - timedelta(days=day)
        await store.run(lambda tx, when=when: lifts_sql.insert(tx, GUILD, ALICE, when, made_up))
    for user in range(200, 206):
        await note(services, "squat 5x5 100", user=user)
    started = time.perf_counter()
    with pytest.raises(InputError) as error:
        await top_prs(services, GUILD, "sqat", BOB)
    assert time.perf_counter() - started < 1.0
    assert str(error.value).endswith("Expected one logged here: Squat.")
    # a member's own names are the member's: Bob has logged none of them
    with pytest.raises(InputError) as mine:
        await member_lifts(services, GUILD, BOB, "move number 0001")
    assert "Expected an exercise logged in a check-in note" in str(mine.value)


def test_start_is_a_monday():
    assert START.date().weekday() == 0 and isinstance(START.date(), date)
