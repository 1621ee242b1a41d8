"""Slash commands typed in the terminal, checked as Discord's client checks them."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sandbox.parsing import InputError
from sandbox.slash import Lookups, SlashCommand, parse_slash

PERIODS = [
    {"name": name, "value": value}
    for name, value in (("This week", "week"), ("This month", "month"), ("All time", "all"))
]

# The shape Discord stores registered commands in, as the bot syncs them.
LEGDAY: dict[str, Any] = {
    "name": "legday",
    "type": 1,
    "options": [
        {"type": 1, "name": "checkin", "options": [{"type": 3, "name": "note"}]},
        {"type": 1, "name": "top", "options": [{"type": 3, "name": "period", "choices": PERIODS}]},
        {"type": 1, "name": "stats", "options": [{"type": 6, "name": "member"}]},
        {"type": 1, "name": "undo"},
        {
            "type": 2,
            "name": "settings",
            "options": [
                {
                    "type": 1,
                    "name": "target",
                    "options": [
                        {
                            "type": 4,
                            "name": "days",
                            "required": True,
                            "min_value": 1,
                            "max_value": 7,
                        }
                    ],
                }
            ],
        },
        {
            "type": 1,
            "name": "add",
            "options": [
                {"type": 3, "name": "days", "required": True},
                {"type": 7, "name": "channel"},
                {"type": 8, "name": "role"},
            ],
        },
    ],
}

LOOKUPS = Lookups(
    user=lambda typed: {"bob": "BOB"}.get(typed.removeprefix("@").lower()),
    channel=lambda typed: {"gym": "GYM"}.get(typed.removeprefix("#").lower()),
    role=lambda typed: {"lifters": "LIFTERS"}.get(typed.removeprefix("@").lower()),
)


def parse(line: str) -> SlashCommand:
    return parse_slash(line, [LEGDAY], LOOKUPS)


@pytest.mark.parametrize(
    ("line", "path", "options"),
    [
        ("/legday top", "legday top", {}),
        ("/legday top period:Month", "legday top", {"period": "month"}),
        ("/legday top period:All time", "legday top", {"period": "all"}),  # a choice's name
        ("/legday checkin note:pistol squats 5x5", "legday checkin", {"note": "pistol squats 5x5"}),
        (
            '/legday checkin note:"don\'t skip: legs"',
            "legday checkin",
            {"note": "don't skip: legs"},
        ),
        ("/legday stats member:@Bob", "legday stats", {"member": "BOB"}),
        ("/LEGDAY settings target days:3", "legday settings target", {"days": 3}),
        (
            "/legday add days:mon channel:#gym role:@lifters",
            "legday add",
            {"days": "mon", "channel": "GYM", "role": "LIFTERS"},
        ),
    ],
)
def test_commands_are_read_into_path_and_typed_options(line, path, options):
    assert parse(line) == SlashCommand(path, options)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("/", "type a command after the /, e.g. /legday top"),
        ("/nonexistent", "there is no /nonexistent; the bot's commands: /legday"),
        ("/legday", "/legday needs one of: checkin, top, stats, undo, settings, add"),
        ("/legday settings", "/legday settings needs one of: target"),
        ("/legday bogus", "/legday has no 'bogus'; pick one of: checkin, top"),
        ("/legday top period:", "/legday top: period: is empty; expected one of week, month"),
        ("/legday top period:bogus", "/legday top: period can't be 'bogus'; expected one of"),
        ("/legday top colour:red", "/legday top has no option 'colour'; its options: period"),
        ("/legday top week", "/legday top: write options as name:value, e.g. period:week"),
        ("/legday undo now", "/legday undo takes nothing more; remove 'now'"),
        ('/legday checkin note:"unclosed', "the quote after note: is not closed; end the value"),
        (
            "/legday stats member:@nobody",
            "/legday stats: member can't be '@nobody'; expected a member",
        ),
        ("/legday stats member:#gym", "/legday stats: member can't be '#gym'"),
        (
            "/legday settings target",
            r"/legday settings target needs days:… \(a whole number from 1 to 7\)",
        ),
        (
            "/legday settings target days:8",
            "/legday settings target: days must be a whole number from 1 to 7",
        ),
        (
            "/legday settings target days:two",
            "/legday settings target: days can't be 'two'; expected a whole number",
        ),
        ("/legday top period:week period:month", "/legday top: period is given twice"),
        ("/legday:top", "start with the command's name"),
    ],
)
def test_what_the_client_would_refuse_is_explained(line: str, message: str):
    with pytest.raises(InputError, match=f"^{message}"):
        parse(line)


@given(st.text(alphabet=st.sampled_from(list("/legdaytopriodmnh:@# \"'x1-"))))
def test_any_slash_line_is_read_or_refused_with_an_input_error(line: str):
    try:
        command = parse("/" + line)
    except InputError as exc:
        assert "\n" not in str(exc)
        return
    node: dict[str, Any] = LEGDAY
    for name in command.path.split()[1:]:
        node = next(o for o in node["options"] if o["name"] == name)
    allowed = {o["name"] for o in node.get("options") or []}
    assert set(command.options) <= allowed


@given(st.text(max_size=60))
def test_any_text_after_a_command_is_read_or_refused(text: str):
    try:
        command = parse("/legday checkin " + text)
    except InputError:
        return
    assert command.path == "legday checkin"
    assert set(command.options) <= {"note"}
