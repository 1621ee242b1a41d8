"""Lifts in check-in notes: a corpus of real phrasings, notes that hold no lift, bounded
work on hostile text, the round trip of formatted sets, and personal records."""

from __future__ import annotations

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core import lifts
from bot.core.errors import InputError
from bot.core.lifts import Bests, Lift, NewRecord, format_set, parse_lifts
from bot.core.suggest import edit_distance


def kg(exercise: str, sets: int, reps: int, weight: float = 0, unit: str = "kg") -> Lift:
    return Lift(exercise, sets, reps, round(weight * 100), unit)


def lb(exercise: str, sets: int, reps: int, weight: float) -> Lift:
    return kg(exercise, sets, reps, weight, "lb")


# Phrasings members really type, and what they mean (member's unit: kg).
CORPUS: list[tuple[str, list[Lift]]] = [
    ("squat 5x5 100kg", [kg("squat", 5, 5, 100)]),
    ("front squat 3x8 @ 60", [kg("front squat", 3, 8, 60)]),
    ("RDL 4x10 135lb", [lb("romanian deadlift", 4, 10, 135)]),
    ("leg press 3x12 200", [kg("leg press", 3, 12, 200)]),
    ("squats 5 x 5 @ 100 kg", [kg("squat", 5, 5, 100)]),
    ("5x5 squat 100", [kg("squat", 5, 5, 100)]),
    ("squat 100kg 5x5", [kg("squat", 5, 5, 100)]),
    ("Squat: 3x5 @ 102.5", [kg("squat", 3, 5, 102.5)]),
    ("bulgarian split squats 3x10 20kg", [kg("bulgarian split squat", 3, 10, 20)]),
    ("hip thrust 4x8 140 lbs", [lb("hip thrust", 4, 8, 140)]),
    ("deadlift 1x1 200kg", [kg("deadlift", 1, 1, 200)]),
    ("squat 5x5 102,5kg", [kg("squat", 5, 5, 102.5)]),
    ("squat 3 sets of 8 at 60kg", [kg("squat", 3, 8, 60)]),
    ("3 sets of 8 at 60kg squats", [kg("squat", 3, 8, 60)]),
    ("lunges 3x12", [kg("lunge", 3, 12)]),
    ("walking lunges 3x20 bw", [kg("lunge", 3, 20)]),
    ("calf raises 4x15 bodyweight", [kg("calf raise", 4, 15)]),
    ("BS 5x5 120", [kg("squat", 5, 5, 120)]),
    ("fs 3x3 @ 90kg", [kg("front squat", 3, 3, 90)]),
    ("DL 3x5 180", [kg("deadlift", 3, 5, 180)]),
    ("bss 3x8 2x20kg", [kg("bulgarian split squat", 3, 8, 20)]),  # a 20 kg dumbbell a hand
    ("lp 4x10 @ 250 kgs", [kg("leg press", 4, 10, 250)]),
    ("leg extensions 3x15 50", [kg("leg extension", 3, 15, 50)]),
    ("lying leg curls 3 x 12 @ 40 kilos", [kg("leg curl", 3, 12, 40)]),
    ("hack squat 4 sets x 10 reps 120", [kg("hack squat", 4, 10, 120)]),
    ("goblet squats 3x10 with 24kg", [kg("goblet squat", 3, 10, 24)]),
    ("step-ups 3x10 w 10kg", [kg("step up", 3, 10, 10)]),
    ("hip thrust 4x8 140#", [lb("hip thrust", 4, 8, 140)]),
    ("squat 5x5 225 pounds", [lb("squat", 5, 5, 225)]),
    ("squat 100kg x 5", [kg("squat", 1, 5, 100)]),
    ("squat 140x5", [kg("squat", 1, 5, 140)]),  # over 50: a weight, not sets
    ("squat 60 x 8 reps", [kg("squat", 1, 8, 60)]),
    ("squat 140x5x3", [kg("squat", 3, 5, 140)]),
    ("romanian deadlifts 3X8 @ 80.5", [kg("romanian deadlift", 3, 8, 80.5)]),
    ("Squat 5×5 @ 102.25 kg", [kg("squat", 5, 5, 102.25)]),
    ("squat 5*5 100", [kg("squat", 5, 5, 100)]),
    ("box jumps 3x10", [kg("box jump", 3, 10)]),
    ("box jumps 3x10 by bob here", [kg("box jump", 3, 10)]),  # the words next to the sets
    ("hard session 5x5 wall sits", [kg("wall sit", 5, 5)]),
    ("3x10 nordic curls", [kg("nordic curl", 3, 10)]),
    ("did some sled pushes 4x1 @ 100", [kg("sled push", 4, 1, 100)]),
    (
        "squat 5x5 100kg, RDL 4x10 135lb",
        [kg("squat", 5, 5, 100), lb("romanian deadlift", 4, 10, 135)],
    ),
    (
        "squat 5x5 100; leg press 3x12 200",
        [kg("squat", 5, 5, 100), kg("leg press", 3, 12, 200)],
    ),
    (
        "squat 5x5 100\nrdl 3x8 80\ncalf raise 4x15 60",
        [kg("squat", 5, 5, 100), kg("romanian deadlift", 3, 8, 80), kg("calf raise", 4, 15, 60)],
    ),
    ("squat 5x5 100 and lunges 3x12", [kg("squat", 5, 5, 100), kg("lunge", 3, 12)]),
    (
        "squat 5x5 100 then leg press 3x12 200",
        [kg("squat", 5, 5, 100), kg("leg press", 3, 12, 200)],
    ),
    (
        "squat 5x5 100 rdl 3x8 60",
        [kg("squat", 5, 5, 100), kg("romanian deadlift", 3, 8, 60)],
    ),
    ("squat 3x8,5x5", [kg("squat", 3, 8)]),  # the second has no exercise
    ("felt strong! squat 3x3 @ 140, new PR", [kg("squat", 3, 3, 140)]),
    ("Great session. 5x5 squat 100", [kg("squat", 5, 5, 100)]),
    ("3.12.2026 squat 5x5 100", [kg("squat", 5, 5, 100)]),
    ("squat 5x5 @ 80%", [kg("squat", 5, 5)]),  # a percentage is no weight
    ("squats 5x5 at 6:30 with the crew", [kg("squat", 5, 5)]),
    ("trap bar deadlift 3x5 160", [kg("trap bar deadlift", 3, 5, 160)]),
    ("sumo 1x1 220kg", [kg("sumo deadlift", 1, 1, 220)]),
]

# Notes with numbers in them that are no lift at all.
NOT_LIFTS = [
    "felt great 10/10",
    "5k run",
    "ran 5 km after",
    "2x as hard as last week",
    "at 6:30 before work",
    "gym at 6pm",
    "legs 3 days in a row!",
    "2026-12-03",
    "03/12/2026",
    "3.12.2026",
    "squat day, 100% effort",
    "squats",
    "5x5",
    "did 5x5 today",
    "4x400m intervals",
    "10 min bike warm-up",
    "deadlift 1x1 2000kg",  # over any human lift
    "squat 0x5 100",
    "squat 5x0 100",
    "squat 2.5x5",  # no sets, and too light to be a weight
    "squat 5x101 100",
    "",
    "   ",
    "🦵🦵🦵",
]


@pytest.mark.parametrize(("note", "expected"), CORPUS, ids=[n for n, _ in CORPUS])
def test_real_phrasings(note: str, expected: list[Lift]):
    assert parse_lifts(note) == expected


@pytest.mark.parametrize("note", NOT_LIFTS)
def test_notes_without_lifts_stay_plain_notes(note: str):
    assert parse_lifts(note) == []


def test_the_corpus_is_big_enough():
    assert len(CORPUS) + len(NOT_LIFTS) >= 60
    assert len(CORPUS) >= 40


def test_a_number_without_a_unit_is_in_the_members_unit():
    assert parse_lifts("squat 5x5 225", "lb") == [lb("squat", 5, 5, 225)]
    assert parse_lifts("squat 5x5 100kg", "lb") == [kg("squat", 5, 5, 100)]
    assert parse_lifts("lunges 3x12", "lb") == [Lift("lunge", 3, 12, 0, "lb")]
    # an unknown unit setting falls back to kg rather than failing
    assert parse_lifts("squat 5x5 100", "stone") == [kg("squat", 5, 5, 100)]


def test_the_bound_on_weight_is_in_kilograms():
    assert parse_lifts("leg press 3x10 2200 lb") == [lb("leg press", 3, 10, 2200)]  # 998 kg
    assert parse_lifts("leg press 3x10 2210 lb") == []  # 1002 kg


def test_lifts_per_note_are_capped():
    note = ", ".join(f"squat 1x{reps} 100" for reps in range(1, 30))
    assert len(parse_lifts(note)) == lifts.MAX_LIFTS


def test_only_the_start_of_a_long_note_is_read():
    note = "x" * lifts.MAX_NOTE_CHARS + " squat 5x5 100"
    assert parse_lifts(note) == []


@pytest.mark.parametrize(
    "hostile",
    [
        "1" * 100_000,
        "1x" * 50_000,
        "1,1" * 30_000,
        "squat " * 20_000,
        "squat 5x5 " * 10_000,
        " " * 100_000 + "x",
        "1 " * 50_000,
        "@" * 100_000,
        "5 sets of " * 10_000,
        "9" * 5000 + "x5 squat",
        "a" * 100_000,
        "\n" * 100_000,
        "1." * 50_000,
    ],
    ids=lambda text: repr(text[:12]),
)
def test_hostile_text_is_read_quickly(hostile: str):
    started = time.perf_counter()
    found = parse_lifts(hostile)
    assert time.perf_counter() - started < 0.5
    assert len(found) <= lifts.MAX_LIFTS


@settings(max_examples=500, deadline=None)
@given(st.text(max_size=600))
def test_any_text_never_crashes(text: str):
    for lift in parse_lifts(text):
        assert 1 <= lift.sets <= lifts.MAX_SETS
        assert 1 <= lift.reps <= lifts.MAX_REPS
        assert 0 <= lift.kg <= lifts.MAX_KG
        assert 1 <= len(lift.exercise) <= lifts.MAX_NAME_CHARS
        assert lift.unit in lifts.UNITS


_PIECES = st.sampled_from(
    ["squat", "5", "x", "×", "100", "kg", "lb", "@", ",", ";", "and", "sets", "of", "reps",
     "102,5", "6:30", "10/10", "bw", "rdl", "#", " ", "\n", "at", "1", "0", "2200", "."]
)  # fmt: skip


@settings(max_examples=500, deadline=None)
@given(st.lists(_PIECES, max_size=40))
def test_lift_shaped_text_never_crashes(pieces: list[str]):
    found = parse_lifts(" ".join(pieces))
    assert len(found) <= lifts.MAX_LIFTS


# Names that are no alias: kept as free names, and so read back as themselves.
_FREE = ["box jump", "sled push", "wall sit", "cossack", "jefferson curl", "kettlebell swing"]


@st.composite
def any_lift(draw: st.DrawFn, unit: str | None = None) -> Lift:
    exercise = draw(st.sampled_from([*lifts.known_exercises(), *_FREE]))
    unit = unit or draw(st.sampled_from(lifts.UNITS))
    limit = lifts.MAX_KG * 100 if unit == "kg" else 220_400
    weight = draw(st.one_of(st.just(0), st.integers(1, limit)))
    sets = draw(st.integers(1, lifts.MAX_SETS))
    reps = draw(st.integers(1, lifts.MAX_REPS))
    return Lift(exercise, sets, reps, weight, unit)


@settings(max_examples=500, deadline=None)
@given(any_lift())
def test_a_formatted_set_reads_back_as_itself(lift: Lift):
    assert parse_lifts(format_set(lift), lift.unit) == [lift]


@settings(max_examples=200, deadline=None)
@given(st.data(), st.sampled_from(lifts.UNITS), st.sampled_from(["\n", ", ", "; "]))
def test_formatted_sets_in_one_note_read_back_in_order(data: st.DataObject, unit: str, joiner: str):
    found = data.draw(st.lists(any_lift(unit), min_size=1, max_size=lifts.MAX_LIFTS))
    note = joiner.join(format_set(lift) for lift in found)
    assert parse_lifts(note, unit) == found


def test_format_set():
    assert format_set(kg("squat", 5, 5, 102.5)) == "Squat 5×5 @ 102.5 kg"
    assert format_set(kg("squat", 5, 5, 100)) == "Squat 5×5 @ 100 kg"
    assert format_set(kg("squat", 5, 5, 102.25)) == "Squat 5×5 @ 102.25 kg"
    assert format_set(lb("romanian deadlift", 4, 10, 135)) == "Romanian deadlift 4×10 @ 135 lb"
    assert format_set(kg("lunge", 3, 12)) == "Lunge 3×12"


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("squat", "squat"),
        ("Squats", "squat"),
        ("RDL", "romanian deadlift"),
        ("rdls", "romanian deadlift"),
        ("Romanian deadlift", "romanian deadlift"),
        ("bss", "bulgarian split squat"),
        ("box jumps", "box jump"),
        ("", None),
        ("123", None),
        ("the", None),
    ],
)
def test_exercise_name(text: str, name: str | None):
    assert lifts.exercise_name(text) == name


def test_close_exercises():
    logged = ["squat", "front squat", "romanian deadlift", "leg press"]
    assert lifts.close_exercises("squatt", logged)[0] == "squat"
    assert lifts.close_exercises("leg pres", logged) == ["leg press"]
    assert "front squat" in lifts.close_exercises("squat", ["front squat", "deadlift"])
    assert lifts.close_exercises("zumba", logged) == []


def test_parse_unit():
    assert lifts.parse_unit("KG") == "kg"
    assert lifts.parse_unit(" lbs ") == "lb"
    assert lifts.parse_unit("pounds") == "lb"
    with pytest.raises(InputError) as error:
        lifts.parse_unit("stone")
    assert (
        str(error.value)
        == "**unit**: `stone` is not a weight unit. Expected `kg` or `lb`, e.g. `kg`."
    )


# ---- records ---------------------------------------------------------------------------


def test_epley():
    assert lifts.epley(100, 1) == 100
    assert lifts.epley(100, 5) == pytest.approx(116.6667, abs=1e-3)
    assert lifts.epley(102.5, 5) == pytest.approx(119.583, abs=1e-3)
    assert lifts.e1rm(kg("squat", 1, 13, 100)) is None  # past Epley's useful range
    assert lifts.e1rm(kg("lunge", 3, 12)) is None  # bodyweight


def test_display_rounding():
    assert lifts.in_unit(119.583, "kg") == "119.5 kg"
    assert lifts.in_unit(119.76, "kg") == "120 kg"
    assert lifts.in_unit(61.235, "lb") == "135 lb"
    assert lifts.in_unit(100.25, "kg") == "100.5 kg"  # halves round up
    # 225 lb × 7/6 is 262.5 lb exactly, though kg and back leave 262.4999…
    assert lifts.in_unit(lifts.epley(lifts.kilograms(22500, "lb"), 5), "lb") == "263 lb"
    assert lifts.show_weight(lb("rdl", 1, 1, 135), "lb") == "135 lb"
    assert lifts.show_weight(lb("rdl", 1, 1, 135), "kg") == "61 kg"
    assert lifts.show_weight(kg("squat", 1, 1, 102.25), "kg") == "102.25 kg"


def test_first_sets_are_records():
    found = lifts.new_records({}, [kg("squat", 5, 5, 100), lb("romanian deadlift", 4, 10, 135)])
    assert [(r.lift.exercise, r.heaviest) for r in found] == [
        ("squat", True),
        ("romanian deadlift", True),
    ]
    assert found[0].e1rm == pytest.approx(116.667, abs=1e-3)


def test_a_heavier_set_for_the_same_reps_is_a_record():
    previous = lifts.bests_of([kg("squat", 5, 5, 100)])
    (record,) = lifts.new_records(previous, [kg("squat", 5, 5, 102.5)])
    assert record == NewRecord(kg("squat", 5, 5, 102.5), True, lifts.epley(102.5, 5))
    line = lifts.record_line(record, "kg")
    assert line == "Squat 5×5 @ 102.5 kg — heaviest for 5 reps; e1RM 119.5 kg (Epley)"
    assert lifts.new_records(previous, [kg("squat", 5, 5, 100)]) == []  # equal: no record
    assert lifts.new_records(previous, [kg("squat", 5, 5, 95)]) == []


def test_a_new_rep_count_is_heaviest_for_it_without_a_better_e1rm():
    previous = lifts.bests_of([kg("squat", 5, 5, 100)])  # e1RM 116.7
    (record,) = lifts.new_records(previous, [kg("squat", 1, 3, 105)])  # e1RM 115.5
    assert record.heaviest and record.e1rm is None
    assert lifts.record_line(record, "kg") == "Squat 1×3 @ 105 kg — heaviest for 3 reps"


def test_records_compare_across_units():
    previous = lifts.bests_of([kg("deadlift", 1, 1, 100)])
    assert lifts.new_records(previous, [lb("deadlift", 1, 1, 220)]) == []  # 99.8 kg
    (record,) = lifts.new_records(previous, [lb("deadlift", 1, 1, 221)])  # 100.2 kg
    assert record.heaviest
    assert lifts.record_line(record, "lb") == (
        "Deadlift 1×1 @ 221 lb — heaviest for 1 rep; e1RM 221 lb (Epley)"
    )


def test_one_note_announces_the_better_of_two_sets_once():
    found = lifts.new_records({}, [kg("squat", 5, 5, 100), kg("squat", 5, 5, 110)])
    assert found == [NewRecord(kg("squat", 5, 5, 110), True, lifts.epley(110, 5))]
    # two rep counts: each the heaviest for its reps, the e1RM with the better one only
    found = lifts.new_records({}, [kg("squat", 1, 1, 140), kg("squat", 5, 5, 110)])
    assert [(r.lift.reps, r.heaviest, r.e1rm is not None) for r in found] == [
        (1, True, True),  # e1RM 140 beats 110 × 5's 128.3
        (5, True, False),
    ]


def test_bodyweight_sets_set_no_records():
    assert lifts.new_records({}, [kg("lunge", 3, 12)]) == []
    bests = lifts.bests_of([kg("lunge", 3, 12)])
    assert bests["lunge"] == Bests({}, None)


def brute_force_records(history: list[Lift], new: list[Lift]) -> list[NewRecord]:
    """Per exercise and reps, the first set of the note at the note's heaviest, if that beats
    the history; per exercise, the first set at the note's best e1RM, if that beats it."""
    found = []
    for i, lift in enumerate(new):
        if not lift.weighted:
            continue
        group = [
            (j, n)
            for j, n in enumerate(new)
            if n.weighted and (n.exercise, n.reps) == (lift.exercise, lift.reps)
        ]
        top = max(n.kg for _, n in group)
        before = [
            h.kg
            for h in history
            if h.weighted and (h.exercise, h.reps) == (lift.exercise, lift.reps)
        ]
        heaviest = i == min(j for j, n in group if n.kg == top) and top > max(before, default=0)
        estimates = [
            (j, e)
            for j, n in enumerate(new)
            if n.exercise == lift.exercise and (e := lifts.e1rm(n)) is not None
        ]
        best = None
        if estimates:
            top_e = max(e for _, e in estimates)
            earlier = [
                e
                for h in history
                if h.exercise == lift.exercise and (e := lifts.e1rm(h)) is not None
            ]
            if i == min(j for j, e in estimates if e == top_e) and top_e > max(earlier, default=0):
                best = top_e
        if heaviest or best is not None:
            found.append(NewRecord(lift, heaviest, best))
    return found


_FEW = st.builds(
    Lift,
    st.sampled_from(["squat", "deadlift"]),
    st.integers(1, 3),
    st.sampled_from([1, 3, 5, 12, 13]),
    st.sampled_from([0, 10000, 10050, 22000, 22100, 12000]),
    st.sampled_from(lifts.UNITS),
)


@settings(max_examples=500, deadline=None)
@given(st.lists(_FEW, max_size=8), st.lists(_FEW, max_size=8))
def test_records_match_a_brute_force(history: list[Lift], new: list[Lift]):
    assert lifts.new_records(lifts.bests_of(history), new) == brute_force_records(history, new)


@settings(max_examples=1000, deadline=None)
@given(st.lists(_PIECES, max_size=30))
def test_whatever_is_read_formats_and_reads_back_the_same(pieces: list[str]):
    for lift in parse_lifts(" ".join(pieces)):
        assert parse_lifts(format_set(lift), lift.unit) == [lift]


def test_close_exercises_is_cheap_against_many_long_names():
    names = [f"made up move {i:04d} with a long long name" for i in range(100)]
    started = time.perf_counter()
    lifts.close_exercises("z" * 200, names)
    lifts.close_exercises("made up move 0001 with a long lo", names)
    assert time.perf_counter() - started < 0.5


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_exercise_arguments_never_crash(text: str):
    name = lifts.exercise_name(text)
    assert name is None or 1 <= len(name) <= lifts.MAX_NAME_CHARS
    assert len(lifts.close_exercises(text, ["squat", "front squat", "leg press"])) <= 3


@settings(max_examples=500, deadline=None)
@given(st.text("abcs q", max_size=8), st.text("abcs q", max_size=8), st.integers(0, 4))
def test_the_bounded_distance_agrees_with_the_full_one(a: str, b: str, limit: int):
    full = edit_distance(a, b)
    assert lifts._distance_within(a, b, limit) == (full if full <= limit else None)
