"""Configuration: the only module that reads the environment.

Each setting comes from, in order of precedence: a value given in code (tests, the
sandbox), the process environment, then the `.env` file. Names are matched without regard
to case, as shells and Docker pass them. A bad value is reported as one line per setting,
in the bot's own words; nothing here imports more than the standard library, so reading
the settings costs the serving process no memory to speak of.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from bot.core.shards import ShardScope
from bot.urls import sqlite_database

# A relative SQLite path is a file inside LEGDAY_DATA_DIR (`./data`; `/data` in the image).
DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///legday.db"
DEFAULT_DATA_DIR = Path("data")
EXPECTED_URL = "expected sqlite+aiosqlite:///FILE or postgresql+asyncpg://USER:PASSWORD@HOST/DB"
# The database drivers the bot runs on, and the packages each one needs (PostgreSQL:
# asyncpg for migrations and coordination, psycopg for the store).
DRIVERS = {"sqlite+aiosqlite": ("aiosqlite",), "postgresql+asyncpg": ("asyncpg", "psycopg")}
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


class ConfigError(Exception):
    """A setting is missing or malformed; the message is one readable line."""


class Secret:
    """A value that never shows itself in a repr, a log line or an error."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def get_secret_value(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('**********')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


# --- parsers: a raw value (text from the environment, or a value given in code) in, the
# setting out; a ValueError's message says what was expected --------------------------------

_TRUE = {"1", "true", "t", "yes", "y", "on"}
_FALSE = {"0", "false", "f", "no", "n", "off"}


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise ValueError("expected text")
    return value


def _optional_text(value: object) -> str | None:
    if value is None:
        return None
    text = _text(value).strip()
    return text or None


def _flag(value: object) -> bool:
    if isinstance(value, bool):
        return value
    word = _text(value).strip().lower()
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    raise ValueError("expected true or false")


def _whole(value: object) -> int:
    if isinstance(value, bool):
        raise ValueError("expected a whole number")
    if isinstance(value, int):
        return value
    try:
        return int(_text(value).strip())
    except ValueError:
        raise ValueError("expected a whole number") from None


def _number(value: object) -> float:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    try:
        return float(_text(value).strip())
    except ValueError:
        raise ValueError("expected a number") from None


def _ranged(
    parse: Callable[[object], Any], low: float | None, high: float | None, *, open_low: bool = False
) -> Callable[[object], Any]:
    def check(value: object) -> Any:
        parsed = parse(value)
        if low is not None and (parsed <= low if open_low else parsed < low):
            raise ValueError(f"must be {'more than' if open_low else 'at least'} {low:g}")
        if high is not None and parsed > high:
            raise ValueError(f"must be at most {high:g}")
        return parsed

    return check


def _optional(parse: Callable[[object], Any]) -> Callable[[object], Any]:
    """`parse`, or None for a value that is missing or blank."""

    def check(value: object) -> Any:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        return parse(value)

    return check


def _optional_whole(value: object) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return _whole(value)


def _ids(value: object) -> frozenset[int]:
    """`1,2,3` (or spaces) from the environment; a set or an id given in code."""
    if isinstance(value, frozenset | set | list | tuple):
        return frozenset(_whole(v) for v in value)
    if isinstance(value, int):
        return frozenset({value})
    parts = [p for p in _text(value).replace(",", " ").split() if p]
    try:
        return frozenset(int(p) for p in parts)
    except ValueError:
        raise ValueError("expected user ids separated by commas, e.g. 123,456") from None


def _secret(value: object) -> Secret | None:
    if value is None or isinstance(value, Secret):
        return value
    return Secret(_text(value))


def _level(value: object) -> str:
    level = _text(value).strip().upper()
    if level not in LOG_LEVELS:
        raise ValueError("expected one of " + ", ".join(LOG_LEVELS))
    return level


def _zone(value: object) -> str:
    from bot.core.days import zone  # pure; kept local so this module stands alone
    from bot.core.errors import InputError

    name = _text(value)
    try:
        return zone(name).key
    except InputError:
        raise ValueError(
            f"{name.strip()!r} is not a time zone I know; expected an IANA time zone name, "
            "e.g. Europe/London"
        ) from None


def _path(value: object) -> Path:
    if isinstance(value, Path):
        return value
    text = _text(value).strip()
    if not text:
        raise ValueError("expected a folder")
    return Path(text)


def parse_database_url(value: object) -> str:
    """A database URL in the form the bot uses (sqlite+aiosqlite or postgresql+asyncpg),
    or ValueError saying what was expected."""
    return _database_url(value)


def _port(value: object) -> int:
    try:
        port = _whole(value)
    except ValueError:
        raise ValueError("expected a port number from 1 to 65535") from None
    if not 1 <= port <= 65535:
        raise ValueError(f"{port} is not a port number; expected 1 to 65535")
    return port


def _host(value: object) -> str:
    host = _text(value).strip()
    if not host or any(c.isspace() or c == "/" for c in host):
        raise ValueError("expected an address to listen on, e.g. 127.0.0.1 or 0.0.0.0")
    return host


def _database_url(value: object) -> str:
    url = _text(value).strip()
    if url.startswith("sqlite:///"):
        url = "sqlite+aiosqlite:///" + url.removeprefix("sqlite:///")
    elif url.startswith(("postgres://", "postgresql://")):
        url = "postgresql+asyncpg://" + url.split("://", 1)[1]
    scheme, separator, rest = url.partition("://")
    if not separator or not scheme or not (rest or scheme.startswith("sqlite")):
        raise ValueError(EXPECTED_URL)
    if scheme not in DRIVERS:
        raise ValueError(f"{scheme} is not supported; {EXPECTED_URL}")
    for package in DRIVERS[scheme]:
        if importlib.util.find_spec(package) is None:
            raise ValueError(
                f"{scheme} needs the {package} package, which is not installed "
                "(pip install 'legday[postgres]')"
            )
    return url


def _shard_ids(value: object) -> tuple[int, ...] | None:
    """`0,1` or `0-3` (or both, `0-1,4`); None when blank."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, list | tuple | set | frozenset):
        ids = {_whole(v) for v in value}
    else:
        ids = set()
        for part in _text(value).replace(" ", "").split(","):
            first, dash, last = part.partition("-")
            if not (first.isdigit() and (not dash or last.isdigit())):
                raise ValueError(f"expected shard numbers like 0,1 or 0-3, not {part!r}")
            ids.update(range(int(first), int(last if dash else first) + 1))
    if not ids:
        raise ValueError("expected shard numbers like 0,1 or 0-3")
    return tuple(sorted(ids))


@dataclass(frozen=True, slots=True)
class _Field:
    name: str
    env: str
    parse: Callable[[object], Any]
    default: Any


FIELDS: Final = (
    _Field("discord_token", "DISCORD_TOKEN", _secret, None),
    _Field("database_url", "DATABASE_URL", _database_url, DEFAULT_DATABASE_URL),
    _Field("data_dir", "LEGDAY_DATA_DIR", _path, DEFAULT_DATA_DIR),
    _Field("discord_api_base", "DISCORD_API_BASE", _optional_text, None),
    _Field("discord_gateway_url", "DISCORD_GATEWAY_URL", _optional_text, None),
    _Field("prefix", "LEGDAY_PREFIX", _text, "!"),
    _Field("prefix_commands", "LEGDAY_PREFIX_COMMANDS", _flag, True),
    _Field("dev_guild_id", "LEGDAY_DEV_GUILD_ID", _optional_whole, None),
    _Field("owner_ids", "LEGDAY_OWNER_IDS", _ids, frozenset()),
    _Field("default_timezone", "LEGDAY_DEFAULT_TIMEZONE", _zone, "UTC"),
    _Field("catchup_minutes", "LEGDAY_CATCHUP_MINUTES", _ranged(_whole, 0, 24 * 60), 120),
    _Field(
        "reminder_sends_per_second",
        "LEGDAY_REMINDER_SENDS_PER_SECOND",
        _optional(_ranged(_number, 0, None, open_low=True)),
        None,
    ),
    _Field("global_rate_limit", "LEGDAY_GLOBAL_RATE_LIMIT", _ranged(_whole, 1, None), 50),
    _Field("cooldown_rate", "LEGDAY_COOLDOWN_RATE", _ranged(_whole, 1, None), 5),
    _Field(
        "cooldown_seconds",
        "LEGDAY_COOLDOWN_SECONDS",
        _ranged(_number, 0, None, open_low=True),
        10.0,
    ),
    _Field("guild_ready_timeout", "LEGDAY_GUILD_READY_TIMEOUT", _ranged(_number, 0, None), 2.0),
    _Field("gateway_timeout", "LEGDAY_GATEWAY_TIMEOUT", _ranged(_number, 1, 600), 60.0),
    _Field("identify_delay", "LEGDAY_IDENTIFY_DELAY", _ranged(_number, 0, None), 5.0),
    _Field("shard_count", "LEGDAY_SHARD_COUNT", _optional(_ranged(_whole, 1, 65_536)), None),
    _Field("shard_ids", "LEGDAY_SHARD_IDS", _shard_ids, None),
    _Field("health_file", "LEGDAY_HEALTH_FILE", _optional_text, None),
    _Field("http_port", "LEGDAY_HTTP_PORT", _optional(_port), None),
    # Loopback by default: /metrics and /healthz have no authentication, so a bare `legday
    # run` on a host with a public address must not publish them; the Docker image sets
    # 0.0.0.0, where the container's own network stands between them and the world.
    _Field("http_host", "LEGDAY_HTTP_HOST", _host, "127.0.0.1"),
    _Field("clock_file", "LEGDAY_CLOCK_FILE", _optional_text, None),
    _Field("log_level", "LEGDAY_LOG_LEVEL", _level, "INFO"),
    _Field("loop_lag_warn_ms", "LEGDAY_LOOP_LAG_WARN_MS", _ranged(_whole, 0, None), 250),
    _Field(
        "loop_lag_report_seconds",
        "LEGDAY_LOOP_LAG_REPORT_SECONDS",
        _ranged(_number, 0, None),
        300.0,
    ),
)
_BY_NAME = {field.name: field for field in FIELDS}


def read_env_file(path: Path) -> dict[str, str]:
    """`KEY=value` lines of a .env file: `#` comments, an optional `export `, and values in
    single quotes (taken as they are) or double quotes (with `\\n` and `\\"` escapes)."""
    found: dict[str, str] = {}
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return found
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read {path}: {exc.__class__.__name__}") from None
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        key, separator, value = line.removeprefix("export ").partition("=")
        if not separator:
            continue
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] == "'":
            value = value[1:-1]
        elif len(value) >= 2 and value[0] == value[-1] == '"':
            value = value[1:-1].replace("\\n", "\n").replace('\\"', '"')
        else:
            value = value.split(" #", 1)[0].strip()
        found[key.strip().upper()] = value
    return found


class Config:
    """Every knob of the bot; `.env.example` documents each one."""

    discord_token: Secret | None
    database_url: str
    data_dir: Path
    discord_api_base: str | None
    discord_gateway_url: str | None
    prefix: str
    prefix_commands: bool
    dev_guild_id: int | None
    owner_ids: frozenset[int]
    default_timezone: str
    catchup_minutes: int
    reminder_sends_per_second: float | None
    global_rate_limit: int
    cooldown_rate: int
    cooldown_seconds: float
    guild_ready_timeout: float
    gateway_timeout: float  # seconds of silence from the gateway before reconnecting
    identify_delay: float
    shard_count: int | None  # None: one connection, no sharding
    shard_ids: tuple[int, ...] | None  # None: every shard of shard_count
    health_file: str | None
    http_port: int | None  # /healthz and /metrics; None = no HTTP endpoint
    http_host: str
    clock_file: str | None  # testing only: the clock runs this file's seconds ahead
    log_level: str
    loop_lag_warn_ms: int
    loop_lag_report_seconds: float  # seconds between INFO reports of the loop's lag; 0 = none

    def __init__(
        self,
        _env_file: str | Path | None = ".env",
        *,
        _environ: Mapping[str, str] | None = None,
        **given: Any,
    ) -> None:
        unknown = sorted(set(given) - set(_BY_NAME))
        if unknown:
            raise TypeError(f"unknown settings: {', '.join(unknown)}")
        environ = {k.upper(): v for k, v in (os.environ if _environ is None else _environ).items()}
        from_file = read_env_file(Path(_env_file)) if _env_file is not None else {}
        problems: list[str] = []
        chosen: set[str] = set()
        for field in FIELDS:
            if field.name in given:
                raw: object = given[field.name]
                chosen.add(field.name)
            elif field.env in environ:
                raw = environ[field.env]
                chosen.add(field.name)
            elif field.env in from_file:
                raw = from_file[field.env]
                chosen.add(field.name)
            else:
                setattr(self, field.name, field.default)
                continue
            try:
                setattr(self, field.name, field.parse(raw))
            except ValueError as exc:
                problems.append(f"{field.env}: {exc}")
        if not problems:
            problems += self._shard_problems()
        if problems:
            raise ConfigError("invalid settings: " + "; ".join(problems))
        self._working_dir_database: Path | None = None
        self._resolve_sqlite_path(old_style="database_url" in chosen and "data_dir" not in chosen)

    def _shard_problems(self) -> list[str]:
        if self.shard_ids is None:
            return []
        if self.shard_count is None:
            return ["LEGDAY_SHARD_IDS: needs LEGDAY_SHARD_COUNT, the bot's number of shards"]
        beyond = [i for i in self.shard_ids if i >= self.shard_count]
        if beyond:
            return [
                f"LEGDAY_SHARD_IDS: shard {beyond[0]} does not exist with "
                f"LEGDAY_SHARD_COUNT={self.shard_count}; expected numbers from 0 to "
                f"{self.shard_count - 1}"
            ]
        return []

    @property
    def shards(self) -> ShardScope:
        """The shards this process holds (all of them unless LEGDAY_SHARD_IDS says)."""
        count = self.shard_count or 1
        ids = self.shard_ids if self.shard_ids is not None else range(count)
        return ShardScope(count, frozenset(ids))

    def _resolve_sqlite_path(self, *, old_style: bool) -> None:
        # Only a DATABASE_URL written for the old meaning can have left a file behind.
        self.data_dir = self.data_dir.expanduser().absolute()
        given = sqlite_file(self.database_url)
        if given is not None and not given.is_absolute():
            if old_style:
                self._working_dir_database = given.absolute()
            scheme = self.database_url.partition("://")[0]
            self.database_url = f"{scheme}:///{self.data_dir / given}"

    def replace(self, **changes: Any) -> Config:
        """These settings with some values changed (and checked again)."""
        values: dict[str, Any] = {field.name: getattr(self, field.name) for field in FIELDS}
        values.update(changes)
        return Config(_env_file=None, _environ={}, **values)

    @property
    def sqlite_path(self) -> Path | None:
        """The SQLite file (absolute), or None for PostgreSQL or an in-memory database."""
        return sqlite_file(self.database_url)

    def moved_database(self) -> Path | None:
        """A database left where a relative DATABASE_URL pointed before it meant "inside
        LEGDAY_DATA_DIR", when none is at the new place yet: starting would open an empty
        one and look like data loss."""
        old, new = self._working_dir_database, self.sqlite_path
        if old is None or new is None or old == new:
            return None
        return old if old.is_file() and not new.exists() else None

    def require_token(self) -> str:
        """The token, or a clear error when it is missing."""
        if self.discord_token is None or not self.discord_token.get_secret_value().strip():
            raise ConfigError("DISCORD_TOKEN is not set; put it in the environment or .env")
        return self.discord_token.get_secret_value().strip()

    def __repr__(self) -> str:
        shown = ", ".join(f"{field.name}={getattr(self, field.name)!r}" for field in FIELDS)
        return f"Config({shown})"


def sqlite_file(url: str) -> Path | None:
    """The file a `sqlite[+driver]:///path` URL names; None for another database, an
    in-memory one or a `file:` URI (SQLite resolves those itself)."""
    database = sqlite_database(url)
    if database is None or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database).expanduser()


def load_config(_env_file: str | Path | None = ".env", **overrides: Any) -> Config:
    """Read the settings; a bad one raises ConfigError with one line per problem."""
    return Config(_env_file, **overrides)
