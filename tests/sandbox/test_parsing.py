"""What is typed at the sandbox prompt: bad lines are refused in the sandbox's words."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sandbox.parsing import (
    MAX_MESSAGE,
    InputError,
    check_line,
    parse_button,
    parse_meta,
    parse_minutes,
    parse_name,
    parse_seconds,
    printable,
    with_mentions,
)

USERS = {"alice": 1, "bob": 2}
ROLES = {"lifters": 3}
CHANNELS = {"gym": 4, "general": 5}


def mentions(text: str) -> str:
    return with_mentions(text, USERS.get, ROLES.get, CHANNELS.get)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("a\x00b", "control characters"),
        ("\x1b[2J clear the screen", "control characters"),
        ("odd \udcff byte", "not valid text"),
        ("x" * (MAX_MESSAGE + 1), f"at most {MAX_MESSAGE} characters"),
    ],
)
def test_lines_a_discord_client_could_not_send_are_refused(line: str, expected: str):
    with pytest.raises(InputError, match=expected):
        check_line(line)


@pytest.mark.parametrize("line", ["!legday squats", "tab\there", "émoji 🦵 ✓ עברית", "x" * 2000])
def test_ordinary_lines_pass(line: str):
    check_line(line)


@pytest.mark.parametrize(
    ("parse", "text", "expected"),
    [
        (parse_seconds, "", 1.0),
        (parse_seconds, "2.5", 2.5),
        (parse_minutes, "", 1),
        (parse_minutes, "60", 60),
        (parse_button, "3", 3),
    ],
)
def test_numbers_in_range_are_read(parse, text: str, expected: float):
    assert parse(text) == expected


@pytest.mark.parametrize(
    ("parse", "text"),
    [
        (parse_seconds, "forever"),
        (parse_seconds, "-1"),
        (parse_seconds, "1e9"),
        (parse_seconds, "nan"),
        (parse_seconds, "301"),
        (parse_seconds, "0"),
        (parse_minutes, "abc"),
        (parse_minutes, "999"),
        (parse_minutes, "0"),
        (parse_minutes, "١٢"),  # other scripts' digits are not minutes
        (parse_button, "x"),
        (parse_button, ""),
        (parse_button, "0"),
        (parse_button, "1_0"),
    ],
)
def test_bad_numbers_say_what_was_expected(parse, text: str):
    with pytest.raises(InputError, match=r"^:\S+ takes .*, e\.g\. :"):
        parse(text)


def test_names_are_checked_against_the_server():
    assert parse_name("@Bob", "member", list(USERS), "@") == "bob"
    assert parse_name("#gym", "channel", list(CHANNELS), "#") == "gym"
    with pytest.raises(InputError, match="there is no member @nobody; @alice, @bob"):
        parse_name("nobody", "member", list(USERS), "@")
    with pytest.raises(InputError, match=r"say which channel, e\.g\. #gym"):
        parse_name("", "channel", list(CHANNELS), "#")


def test_meta_commands_split_into_word_and_argument():
    meta = parse_meta(":As  bob ")
    assert (meta.word, meta.argument) == ("as", "bob")
    assert parse_meta(":").word == ""


def test_typed_mentions_become_discord_mentions():
    assert mentions("hi @bob, see #gym @lifters") == "hi <@2>, see <#4> <@&3>"
    assert mentions("@ # @nobody mail@bob.com") == "@ # @nobody mail@bob.com"


def test_control_characters_are_echoed_harmlessly():
    assert printable("a\x00b\x1b[2J") == "a\ufffdb\ufffd[2J"


@given(st.text())
def test_any_line_is_accepted_or_refused_with_an_input_error(line: str):
    try:
        check_line(line)
    except InputError as exc:
        assert "\n" not in str(exc)


@given(st.text(max_size=30))
def test_any_argument_to_a_meta_command_is_read_or_refused(text: str):
    for parse in (parse_seconds, parse_minutes, parse_button):
        try:
            value = parse(text)
        except InputError:
            continue
        assert 0 < value <= 300


@given(st.text())
def test_mentions_leave_text_without_known_names_alone(text: str):
    converted = mentions(text)
    if not any(name in text.lower() for name in [*USERS, *ROLES, *CHANNELS]):
        assert converted == text


@given(st.text())
def test_echoed_text_has_no_control_characters(text: str):
    assert not any(unicodedata.category(char) in ("Cc", "Cs") for char in printable(text))
