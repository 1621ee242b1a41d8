"""Lifts: the sets a check-in's note carries, a member's records, the server's PR board."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from bot.core import lifts as core
from bot.core.errors import InputError, echo
from bot.core.lifts import Bests, Lift, NewRecord
from bot.core.ranking import Page, Ranked, competition_rank, find_rank, paginate
from bot.store import Tx
from bot.store.sql import lifts as lifts_sql
from bot.store.sql import settings as settings_sql
from bot.store.sql.lifts import LoggedSet
from bot.usecases.services import Services

RECENT = 10
PER_PAGE = 10
MAX_RECORD_EXERCISES = 10
MAX_REP_COUNTS = 8


def record_sets(
    tx: Tx, guild_id: int, user_id: int, day: date, lifts: Sequence[Lift]
) -> list[NewRecord]:
    """Store the day's sets (inside the check-in's unit of work) and return the records
    they set against everything the member logged before."""
    if not lifts:
        return []
    exercises = sorted({lift.exercise for lift in lifts})
    previous = core.bests_of(lifts_sql.member_bests(tx, guild_id, user_id, exercises))
    lifts_sql.insert(tx, guild_id, user_id, day, lifts)
    return core.new_records(previous, lifts)


@dataclass(frozen=True, slots=True)
class ExerciseRecords:
    exercise: str
    bests: Bests


@dataclass(frozen=True, slots=True)
class LiftReport:
    unit: str
    exercise: str | None  # None: every exercise
    recent: list[LoggedSet]
    records: list[ExerciseRecords]  # the exercise's, or each exercise's best e1RM first


def _resolve(
    tx: Tx, guild_id: int, user_id: int | None, text: str, problem: str, whose: str
) -> str:
    """The logged exercise `text` names (logged by the member, or by anyone in the server
    when `user_id` is None); otherwise an error naming the closest logged ones, or the most
    logged, or how to log one."""
    name = core.exercise_name(text)
    if name is not None and lifts_sql.has_exercise(tx, guild_id, name, user_id):
        return name
    logged = lifts_sql.popular_exercises(tx, guild_id, user_id)
    close = core.close_exercises(text, logged) or logged[:3]
    problem = problem.format(echo(text))
    if not close:
        raise InputError(
            "exercise", problem, "an exercise logged in a check-in note", "legday squat 5x5 100kg"
        )
    names = ", ".join(core.display_name(found) for found in close)
    raise InputError("exercise", problem, f"{whose}: {names}")


async def member_lifts(
    services: Services, guild_id: int, user_id: int, exercise_text: str | None
) -> LiftReport:
    """The member's latest sets and records, of one exercise (a name or alias the member
    has logged; otherwise an `InputError` naming close ones) or of all."""

    def work(tx: Tx) -> LiftReport:
        unit = services.cache.member(tx, guild_id, user_id).weight_unit
        exercise = None
        if exercise_text is not None and exercise_text.strip():
            exercise = _resolve(
                tx, guild_id, user_id, exercise_text, "you haven't logged {} here", "one of yours"
            )
        recent = lifts_sql.recent(tx, guild_id, user_id, exercise, RECENT)
        only = None if exercise is None else [exercise]
        bests = core.bests_of(lifts_sql.member_bests(tx, guild_id, user_id, only))
        records = [ExerciseRecords(name, found) for name, found in bests.items()]
        records.sort(key=lambda r: (-(r.bests.e1rm or 0.0), r.exercise))
        return LiftReport(unit, exercise, recent, records[:MAX_RECORD_EXERCISES])

    return await services.store.read(work)


@dataclass(frozen=True, slots=True)
class PrEntry:
    user_id: int
    e1rm: float  # kg
    lift: Lift  # the set it comes from (sets is 1)


@dataclass(frozen=True, slots=True)
class PrBoard:
    exercise: str
    unit: str  # the viewer's
    page: Page[PrEntry]
    caller: Ranked[PrEntry] | None
    caller_on_page: bool


def _entries(rows: Sequence[lifts_sql.BestRow]) -> list[PrEntry]:
    best: dict[int, PrEntry] = {}
    for row in rows:
        estimate = core.e1rm(row.lift)
        if estimate is None:
            continue
        held = best.get(row.user_id)
        if held is None or estimate > held.e1rm:
            best[row.user_id] = PrEntry(row.user_id, estimate, row.lift)
    return list(best.values())


async def top_prs(
    services: Services, guild_id: int, exercise: str, viewer_id: int, page: int = 0
) -> PrBoard:
    """The server ranked by best e1RM (Epley, sets of up to `core.E1RM_MAX_REPS` reps) in
    `exercise` (a name or alias someone here has logged; otherwise an `InputError` naming
    close ones). Hidden members are left out; equal e1RMs share a rank."""

    def work(tx: Tx) -> PrBoard:
        unit = services.cache.member(tx, guild_id, viewer_id).weight_unit
        name = _resolve(
            tx, guild_id, None, exercise, "nobody here has logged {}", "one logged here"
        )
        rows = lifts_sql.board_rows(tx, guild_id, name, core.E1RM_MAX_REPS)
        ranked = competition_rank(
            _entries(rows), lambda e: (round(e.e1rm * 1000),), lambda e: e.user_id
        )
        shown = paginate(ranked, page, PER_PAGE)
        on_page = find_rank(shown.entries, lambda e: e.user_id == viewer_id)
        caller = on_page or find_rank(ranked, lambda e: e.user_id == viewer_id)
        return PrBoard(name, unit, shown, caller, on_page is not None)

    return await services.store.read(work)


async def set_unit(services: Services, guild_id: int, user_id: int, unit: str) -> None:
    """The unit the member's lifts are read in when written without one, and shown in."""

    def work(tx: Tx) -> None:
        settings_sql.set_member(tx, guild_id, user_id, "weight_unit", unit)
        services.cache.forget_member(guild_id, user_id)

    await services.store.run(work)
    services.cache.forget_member(guild_id, user_id)
