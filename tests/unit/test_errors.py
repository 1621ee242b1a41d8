import pytest

from bot.core.errors import InputError, PostFailed, echo


def test_user_message_format_with_example():
    err = InputError(
        "day", "`2026-13-01` is not a date", "YYYY-MM-DD, `today` or `yesterday`", "2026-11-20"
    )
    assert err.user_message() == (
        "**day**: `2026-13-01` is not a date. "
        "Expected YYYY-MM-DD, `today` or `yesterday`, e.g. `2026-11-20`."
    )
    assert str(err) == err.user_message()
    assert err.args == (err.user_message(),)


def test_user_message_without_example_and_trailing_period_not_doubled():
    err = InputError("note", "it is 250 characters long.", "at most 200 characters")
    assert str(err) == "**note**: it is 250 characters long. Expected at most 200 characters."
    assert err.example is None


def test_fields_kept_and_is_value_error():
    err = InputError("days", "bad", "day names", "mon,thu")
    assert (err.argument, err.problem, err.expected, err.example) == (
        "days",
        "bad",
        "day names",
        "mon,thu",
    )
    with pytest.raises(ValueError):
        raise err


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("abc", "`abc`"),
        ("a`b`c", "`abc`"),
        ("```", "(empty)"),
        ("", "(empty)"),
        ("  two   words\n", "`two words`"),
        ("x" * 50, "`" + "x" * 50 + "`"),
        ("x" * 51, "`" + "x" * 49 + "…`"),
        ("y" * 5000, "`" + "y" * 49 + "…`"),
    ],
)
def test_echo(raw, expected):
    assert echo(raw) == expected


def test_example_backticks_removed():
    err = InputError("x", "bad", "good", "a`b")
    assert str(err).endswith("e.g. `ab`.")


def test_only_full_stops_are_trimmed_from_the_problem():
    err = InputError("code", "it ends in X.", "letters")
    assert str(err) == "**code**: it ends in X. Expected letters."


def test_post_failed_keeps_its_reason_and_whether_it_is_permanent():
    failure = PostFailed("missing access (50001)", permanent=True)
    assert (failure.reason, failure.permanent, failure.args) == (
        "missing access (50001)",
        True,
        ("missing access (50001)",),
    )
    assert str(failure) == "missing access (50001)"
    assert PostFailed("Discord error 503", permanent=False).permanent is False
