"""Configuration: the only module that reads the environment."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Self

from pydantic import (
    AliasChoices,
    Field,
    PrivateAttr,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

# A relative SQLite path is a file inside LEGDAY_DATA_DIR (`./data`; `/data` in the image).
DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///legday.db"
DEFAULT_DATA_DIR = Path("data")
EXPECTED_URL = "expected sqlite+aiosqlite:///FILE or postgresql+asyncpg://USER:PASSWORD@HOST/DB"
# The SQLAlchemy drivers the bot runs on, and the package each one needs.
DRIVERS = {"sqlite+aiosqlite": "aiosqlite", "postgresql+asyncpg": "asyncpg"}


class Settings(BaseSettings):
    """Every knob of the bot; `.env.example` documents each one."""

    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        populate_by_name=True,
    )

    discord_token: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("DISCORD_TOKEN", "discord_token")
    )
    database_url: str = Field(
        default=DEFAULT_DATABASE_URL,
        validation_alias=AliasChoices("DATABASE_URL", "database_url"),
    )
    data_dir: Path = Field(
        default=DEFAULT_DATA_DIR,
        validation_alias=AliasChoices("LEGDAY_DATA_DIR", "data_dir"),
    )
    discord_api_base: str | None = Field(
        default=None, validation_alias=AliasChoices("DISCORD_API_BASE", "discord_api_base")
    )
    discord_gateway_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("DISCORD_GATEWAY_URL", "discord_gateway_url"),
    )
    prefix: str = Field(default="!", validation_alias=AliasChoices("LEGDAY_PREFIX", "prefix"))
    prefix_commands: bool = Field(
        default=True, validation_alias=AliasChoices("LEGDAY_PREFIX_COMMANDS", "prefix_commands")
    )
    dev_guild_id: int | None = Field(
        default=None, validation_alias=AliasChoices("LEGDAY_DEV_GUILD_ID", "dev_guild_id")
    )
    owner_ids: frozenset[int] = Field(
        default=frozenset(), validation_alias=AliasChoices("LEGDAY_OWNER_IDS", "owner_ids")
    )
    default_timezone: str = Field(
        default="UTC",
        validation_alias=AliasChoices("LEGDAY_DEFAULT_TIMEZONE", "default_timezone"),
    )
    catchup_minutes: int = Field(
        default=120,
        ge=0,
        le=24 * 60,
        validation_alias=AliasChoices("LEGDAY_CATCHUP_MINUTES", "catchup_minutes"),
    )
    reminder_sends_per_second: float = Field(
        default=5.0,
        gt=0,
        le=50,
        validation_alias=AliasChoices(
            "LEGDAY_REMINDER_SENDS_PER_SECOND", "reminder_sends_per_second"
        ),
    )
    cooldown_rate: int = Field(
        default=5, ge=1, validation_alias=AliasChoices("LEGDAY_COOLDOWN_RATE", "cooldown_rate")
    )
    cooldown_seconds: float = Field(
        default=10.0,
        gt=0,
        validation_alias=AliasChoices("LEGDAY_COOLDOWN_SECONDS", "cooldown_seconds"),
    )
    guild_ready_timeout: float = Field(
        default=2.0,
        ge=0,
        validation_alias=AliasChoices("LEGDAY_GUILD_READY_TIMEOUT", "guild_ready_timeout"),
    )
    identify_delay: float = Field(
        default=5.0,
        ge=0,
        validation_alias=AliasChoices("LEGDAY_IDENTIFY_DELAY", "identify_delay"),
    )
    health_file: str | None = Field(
        default=None, validation_alias=AliasChoices("LEGDAY_HEALTH_FILE", "health_file")
    )
    log_level: str = Field(
        default="INFO", validation_alias=AliasChoices("LEGDAY_LOG_LEVEL", "log_level")
    )

    @field_validator("owner_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        # Accept "1,2,3" from the environment as well as a JSON list.
        if isinstance(value, str):
            parts = [p.strip() for p in value.replace(" ", ",").split(",")]
            return frozenset(int(p) for p in parts if p)
        if isinstance(value, int):
            return frozenset({value})
        return value

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        level = value.upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ValueError("expected one of DEBUG, INFO, WARNING, ERROR, CRITICAL")
        return level

    @field_validator("default_timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        from bot.core.days import zone  # local import keeps settings importable alone

        return zone(value).key

    # Set by _resolve_sqlite_path: where a relative SQLite path pointed before 0.2, when
    # it was taken relative to the working directory (see `moved_database`).
    _working_dir_database: Path | None = PrivateAttr(default=None)

    @field_validator("database_url")
    @classmethod
    def _supported_url(cls, value: str) -> str:
        value = value.strip()
        if value.startswith("sqlite:///"):
            value = "sqlite+aiosqlite:///" + value.removeprefix("sqlite:///")
        elif value.startswith(("postgres://", "postgresql://")):
            value = "postgresql+asyncpg://" + value.split("://", 1)[1]
        try:
            driver = make_url(value).drivername
        except ArgumentError:
            raise ValueError(EXPECTED_URL) from None
        if driver not in DRIVERS:
            raise ValueError(f"{driver} is not supported; {EXPECTED_URL}")
        package = DRIVERS[driver]
        if importlib.util.find_spec(package) is None:
            raise ValueError(
                f"{driver} needs the {package} package, which is not installed "
                "(pip install 'legday[postgres]')"
            )
        return value

    @model_validator(mode="after")
    def _resolve_sqlite_path(self) -> Self:
        # Only a DATABASE_URL written for the old meaning can have left a file behind.
        given_fields = self.model_fields_set
        old_style = "database_url" in given_fields and "data_dir" not in given_fields
        self.data_dir = self.data_dir.expanduser().absolute()
        url = make_url(self.database_url)
        given = sqlite_file(url)
        if given is not None and not given.is_absolute():
            if old_style:
                self._working_dir_database = given.absolute()
            resolved = url.set(database=str(self.data_dir / given))
            self.database_url = resolved.render_as_string(hide_password=False)
        return self

    @property
    def sqlite_path(self) -> Path | None:
        """The SQLite file (absolute), or None for PostgreSQL or an in-memory database."""
        return sqlite_file(make_url(self.database_url))

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
            raise SettingsError("DISCORD_TOKEN is not set; put it in the environment or .env")
        return self.discord_token.get_secret_value().strip()


def sqlite_file(url: URL) -> Path | None:
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    if url.database.startswith("file:"):  # a URI filename; SQLite resolves it
        return None
    return Path(url.database).expanduser()


class SettingsError(Exception):
    """A setting is missing or malformed; the message is one readable line."""


def load_settings(**overrides: object) -> Settings:
    """Read settings, turning pydantic's report into one line per bad setting."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            name = ".".join(str(p) for p in error["loc"]) or "settings"
            # Our validators' own words, without pydantic's "Value error, " in front.
            reason = error.get("ctx", {}).get("error") if error["type"] == "value_error" else None
            problems.append(f"{name.upper()}: {reason or error['msg']}")
        raise SettingsError("invalid settings: " + "; ".join(problems)) from None
