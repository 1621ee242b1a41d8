"""Telling a mistyped command from a check-in note, and carrying a held note."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.suggest import (
    EVERYDAY_WORDS,
    NOT_TYPOS,
    edit_distance,
    first_word,
    held_note,
    held_note_message,
    suggest_command,
)
from bot.core.text import normalize_text

# The member commands as `cogs.group` offers them (the cog test checks this list against
# the real command tree).
COMMANDS = [
    "undo", "log", "stats", "top", "why", "tz", "hide", "remind", "export", "forget", "help",
    "quotes", "settings", "schedule", "recap", "prs", "units",
]  # fmt: skip

# Words members really start notes with. None of them may be taken for a command.
_NOTE_TEXT = """
squats squat legs leg done did hit heavy light quads hams hamstrings glutes calves calf
lunges lunge deadlifts deadlift rdl rdls front back box goblet bulgarian split hack press
pr new 5x5 3x8 100kg easy hard brutal killer finally today gym home run running sprints
cycling bike hike hiking stairs yoga mobility stretch deload recovery rest pistol pistols
step steps stepups jump jumps raises extensions curls abductor adductor machine smith with
at in after before morning evening pb pbs max 1rm volume tempo paused rack start steak
forgot tired sore great good ok okay nice wow finished again first week crushed smashed
wrecked pump sled push pull prowler trap hex belt sumo romanian nordic nordics hip thrust
thrusts bridge wall sit walk walking swim row rowing skip plyo kb kettlebell swings cossack
lateral reverse zercher safety ssb bar barbell dumbbell db band cable knee ankle overhead
snatch clean jerk olympic lifting lift lifts set sets reps rep wod crossfit spin class coach
pt partner buddy solo late early quick short long hour 30min km mile 5k marathon trail
treadmill incline stairmaster ski hockey soccer football tennis dance climbing hot cold
sick injured rehab physio amrap emom circuit hiit tabata superset dropset speed power
strength hypertrophy meet comp peak i my the a felt went more some all big
"""
NOTE_WORDS = _NOTE_TEXT.split()


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_name_is_recognised_whatever_the_case(name):
    assert suggest_command(name, COMMANDS) == name
    assert suggest_command(name.upper() + " and more words", COMMANDS) == name
    assert suggest_command(f"{name}!", COMMANDS) == name


def _slips(word: str) -> set[str]:
    """Every word one deletion, insertion of a doubled letter, or swap away."""
    found = {word[:i] + word[i + 1 :] for i in range(len(word))}
    found |= {word[:i] + word[i] + word[i:] for i in range(len(word))}
    found |= {word[:i] + word[i + 1] + word[i] + word[i + 2 :] for i in range(len(word) - 1)}
    return found - {word}


@pytest.mark.parametrize("name", [n for n in COMMANDS if len(n) >= 4])
def test_one_slip_in_a_longer_command_name_is_still_that_command(name):
    for typo in _slips(name):
        if typo in NOT_TYPOS or len(typo) < 4:  # "hid" is a word of its own, not "hide"
            continue
        assert suggest_command(typo, COMMANDS) is not None, typo


@pytest.mark.parametrize("name", [n for n in COMMANDS if len(n) == 3])
def test_short_names_forgive_an_extra_letter_or_a_swap_but_nothing_else(name):
    assert suggest_command(name + name[-1], COMMANDS) == name  # topp
    assert suggest_command(name[1] + name[0] + name[2], COMMANDS) == name  # otp
    assert suggest_command("x" + name[1:], COMMANDS) in (None, "tz")  # a different word


@pytest.mark.parametrize(
    ("note", "meant"),
    [
        ("leaderboard", "top"),
        ("leaderbaord please", "top"),
        ("lb", "top"),
        ("stat", "stats"),
        ("topp", "top"),
        ("streak", "top streak"),
        ("yesterday", "log yesterday"),
        ("quote", "why"),
        ("timezone Europe/Paris", "tz"),
        ("setings", "settings"),
        ("admin quotes add Squat day is the best day", "quotes"),
        ("Admin schedual add #gym mon 18:00", "schedule"),
        ("legday-admin settings", "settings"),
        ("admin", "help"),
        ("admin please", "help"),
    ],
)
def test_the_words_members_use_for_commands(note, meant):
    assert suggest_command(note, COMMANDS) == meant


@pytest.mark.parametrize("word", NOTE_WORDS)
def test_real_notes_are_left_alone(word):
    assert suggest_command(f"{word} 5x5 felt great", COMMANDS) is None


def test_everyday_words_never_shadow_a_command():
    assert not set(EVERYDAY_WORDS) & set(COMMANDS)
    for target in EVERYDAY_WORDS.values():
        assert target.split()[0] in COMMANDS


def test_first_word_and_empty_notes():
    assert first_word("  (Squats), heavy") == "squats"
    assert first_word("") == ""
    assert suggest_command("   ", COMMANDS) is None


@given(st.text(max_size=12), st.text(max_size=12))
def test_edit_distance_is_a_distance(a, b):
    assert edit_distance(a, a) == 0
    assert edit_distance(a, b) == edit_distance(b, a)
    assert edit_distance(a, b) <= max(len(a), len(b))
    assert (edit_distance(a, b) == 0) == (a == b)


def test_edit_distance_counts_a_swap_as_one_slip():
    assert edit_distance("tpo", "top") == 1
    assert edit_distance("leg", "log") == 1
    assert edit_distance("squats", "stats") == 2


@given(st.text(max_size=200).map(normalize_text).filter(bool))
def test_a_held_note_comes_back_exactly(note):
    message = held_note_message("!legday top", note)
    assert held_note(message) == note
    assert message.startswith("Did you mean `!legday top`?")


def test_a_message_without_a_held_note_has_none():
    assert held_note("Did you mean `!legday top`?") is None
    assert held_note("") is None


# --- exact edges (each kills a mutant that the tests above let through) ----------------------


@pytest.mark.parametrize(
    ("a", "b", "distance"), [("aaa", "a", 2), ("abaa", "a", 3), ("a", "aaa", 2)]
)
def test_edit_distance_swaps_only_neighbours_inside_both_words(a, b, distance):
    assert edit_distance(a, b) == distance


@pytest.mark.parametrize(("word", "expected"), [("ttop", "top"), ("toop", "top"), ("topp", "top")])
def test_a_short_word_with_any_letter_typed_twice_is_a_slip(word, expected):
    assert suggest_command(word, ["top"], {}) == expected


def test_a_short_word_with_its_letters_rotated_is_not_a_slip():
    assert suggest_command("pto", ["top"], {}) is None  # three letters moved, not one swap


def test_ties_go_to_the_first_name_in_alphabetical_order():
    assert suggest_command("rebind", ["rewind", "remind"], {}) == "remind"
    assert suggest_command("rebind", ["remind", "rewind"], {}) == "remind"


def test_the_word_after_admin_is_looked_up_in_the_same_words():
    assert suggest_command("admin pals", ["top"], {"pals": "friends"}) == "friends"


def test_a_quoted_note_that_contains_the_lead_line_comes_back_whole():
    note = "If it was a note for today's leg day, press **Log it as a note**:\nsquats"
    assert held_note(held_note_message("top", note)) == note


def test_a_quote_line_without_its_space_keeps_its_text():
    message = held_note_message("top", "x").replace("> x", ">squats")
    assert held_note(message) == "squats"
