"""Reading settings: precedence, the .env file, types and ranges, one line per problem."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import FIELDS, Config, ConfigError, Secret, read_env_file


def test_defaults_without_anything_set(tmp_path: Path):
    settings = Config(_env_file=None, _environ={})
    assert settings.prefix == "!"
    assert settings.prefix_commands is True
    assert settings.catchup_minutes == 120
    assert settings.reminder_sends_per_second is None
    assert settings.global_rate_limit == 50
    assert settings.owner_ids == frozenset()
    assert settings.discord_token is None
    assert settings.log_level == "INFO"
    assert settings.sqlite_path == (Path("data") / "legday.db").absolute()


def test_code_beats_environment_beats_the_env_file(tmp_path: Path):
    env_file = tmp_path / ".env"
    env_file.write_text("LEGDAY_PREFIX=?\nLEGDAY_COOLDOWN_RATE=7\nLEGDAY_LOG_LEVEL=debug\n")
    environ = {"LEGDAY_COOLDOWN_RATE": "9", "legday_log_level": "warning"}
    settings = Config(env_file, _environ=environ, log_level="error")
    assert settings.prefix == "?"  # only the file says it
    assert settings.cooldown_rate == 9  # the environment wins over the file
    assert settings.log_level == "ERROR"  # code wins over both; names ignore case


def test_env_file_syntax(tmp_path: Path):
    env_file = tmp_path / ".env"
    env_file.write_text(
        "# a comment\n"
        "export DISCORD_TOKEN='abc def # not a comment'\n"
        'LEGDAY_PREFIX="$"\n'
        "LEGDAY_OWNER_IDS=1, 2 3  # who may sync\n"
        "not a setting line\n"
        "EMPTY=\n"
    )
    found = read_env_file(env_file)
    assert found == {
        "DISCORD_TOKEN": "abc def # not a comment",
        "LEGDAY_PREFIX": "$",
        "LEGDAY_OWNER_IDS": "1, 2 3",
        "EMPTY": "",
    }
    settings = Config(env_file, _environ={})
    assert settings.owner_ids == frozenset({1, 2, 3})
    assert settings.require_token() == "abc def # not a comment"
    assert read_env_file(tmp_path / "missing") == {}


@pytest.mark.parametrize(
    ("name", "value", "problem"),
    [
        ("LEGDAY_CATCHUP_MINUTES", "lots", "LEGDAY_CATCHUP_MINUTES: expected a whole number"),
        ("LEGDAY_CATCHUP_MINUTES", "1441", "LEGDAY_CATCHUP_MINUTES: must be at most 1440"),
        ("LEGDAY_REMINDER_SENDS_PER_SECOND", "0", "must be more than 0"),
        ("LEGDAY_REMINDER_SENDS_PER_SECOND", "fast", "expected a number"),
        ("LEGDAY_GLOBAL_RATE_LIMIT", "0", "LEGDAY_GLOBAL_RATE_LIMIT: must be at least 1"),
        ("LEGDAY_COOLDOWN_RATE", "0", "LEGDAY_COOLDOWN_RATE: must be at least 1"),
        ("LEGDAY_PREFIX_COMMANDS", "perhaps", "LEGDAY_PREFIX_COMMANDS: expected true or false"),
        ("LEGDAY_LOG_LEVEL", "LOUD", "expected one of DEBUG, INFO, WARNING, ERROR, CRITICAL"),
        ("LEGDAY_DEFAULT_TIMEZONE", "Mars/Olympus", "'Mars/Olympus' is not a time zone I know"),
        ("LEGDAY_OWNER_IDS", "me", "expected user ids separated by commas"),
        ("DATABASE_URL", "mysql://x/y", "mysql is not supported"),
        ("DATABASE_URL", "nonsense", "expected sqlite+aiosqlite:///FILE"),
    ],
)
def test_a_bad_value_is_one_line_naming_the_setting(name, value, problem):
    with pytest.raises(ConfigError) as info:
        Config(_env_file=None, _environ={name: value})
    message = str(info.value)
    assert message.startswith(f"invalid settings: {name}: ")
    assert problem in message
    assert "\n" not in message


def test_every_problem_is_reported_at_once():
    with pytest.raises(ConfigError) as info:
        Config(_env_file=None, _environ={"LEGDAY_COOLDOWN_RATE": "x", "LEGDAY_LOG_LEVEL": "y"})
    assert str(info.value).count(";") == 1


def test_the_token_never_shows_itself():
    settings = Config(_env_file=None, _environ={"DISCORD_TOKEN": "MTIz.secret.token"})
    for shown in (repr(settings), str(settings.discord_token), repr(settings.discord_token)):
        assert "secret" not in shown
    assert Secret("a") == Secret("a") != Secret("b")


def test_replace_checks_the_new_values_again():
    settings = Config(_env_file=None, _environ={})
    changed = settings.replace(prefix="?", database_url="sqlite:////tmp/other.db")
    assert (changed.prefix, changed.sqlite_path) == ("?", Path("/tmp/other.db"))
    assert settings.prefix == "!"
    with pytest.raises(ConfigError):
        settings.replace(catchup_minutes=-1)


def test_every_field_has_a_documented_environment_name():
    example = (Path(__file__).resolve().parents[2] / ".env.example").read_text()
    for field in FIELDS:
        assert field.env in example, field.env
