"""Configuration: the only module that reads the environment."""

from __future__ import annotations

from pydantic import AliasChoices, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///data/legday.db"


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

    @field_validator("database_url")
    @classmethod
    def _async_driver(cls, value: str) -> str:
        if value.startswith("sqlite:///"):
            return "sqlite+aiosqlite:///" + value.removeprefix("sqlite:///")
        if value.startswith(("postgres://", "postgresql://")):
            return "postgresql+asyncpg://" + value.split("://", 1)[1]
        return value

    def require_token(self) -> str:
        """The token, or a clear error when it is missing."""
        if self.discord_token is None or not self.discord_token.get_secret_value().strip():
            raise SettingsError("DISCORD_TOKEN is not set; put it in the environment or .env")
        return self.discord_token.get_secret_value().strip()


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
            problems.append(f"{name.upper()}: {error['msg']}")
        raise SettingsError("invalid settings: " + "; ".join(problems)) from None
