"""Settings, read from the environment or a `.env` file (design.md, "Configuration")."""

from __future__ import annotations

from typing import Literal

from pydantic import AnyHttpUrl, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.sessions.machines import CompanyAccess, parse_access

_DRIVERS = {
    "postgres://": "postgresql+asyncpg://",
    "postgresql://": "postgresql+asyncpg://",
    "sqlite:///": "sqlite+aiosqlite:///",
}


class Settings(BaseSettings):
    """Every setting the app reads. Names match the environment variables."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", case_sensitive=False
    )

    # Slack
    slack_bot_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_api_url: AnyHttpUrl = AnyHttpUrl("https://slack.com/api/")
    # Pacing (bot.slack.pacing): each replica takes 1/SLACK_REPLICAS of Slack's limits;
    # SLACK_RATE_SCALE multiplies the paces assumed (tests and benchmarks against a stand-in).
    slack_replicas: int = Field(default=1, ge=1, le=64)
    slack_rate_scale: float = Field(default=1.0, gt=0, le=1000)

    # GoToAssist
    gotoassist_api_url: AnyHttpUrl = AnyHttpUrl("https://api.getgo.com/G2A/rest/v1")
    gotoassist_access_token: SecretStr | None = None
    gotoassist_auth_scheme: Literal["Bearer", "OAuth"] = "Bearer"
    gotoassist_timeout_s: float = Field(default=10.0, gt=0, le=120)
    gotoassist_rate_per_s: float = Field(default=8.0, gt=0, le=10)
    goto_client_id: str | None = None
    goto_client_secret: SecretStr | None = None
    goto_auth_url: AnyHttpUrl = AnyHttpUrl("https://authentication.logmeininc.com")
    goto_link_any_email: bool = False  # waive: a GoTo account's e-mail need not be the Slack one

    # This service
    public_base_url: AnyHttpUrl | None = None
    database_url: str = "sqlite+aiosqlite:///remote-support.db"
    database_pool_size: int = Field(default=5, ge=1, le=100)
    encryption_key: SecretStr | None = None
    port: int = Field(default=3000, ge=1, le=65535)
    host: str = "0.0.0.0"  # noqa: S104 - a server listens on all interfaces by default
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_format: Literal["json", "console"] = "json"
    metrics_token: SecretStr | None = None

    # Who may start sessions (Slack user group handles or ids, comma-separated)
    allowed_user_groups: str | None = None
    unattended_user_groups: str | None = None
    people_cache_s: float = Field(default=300.0, ge=0, le=3600)
    # App Home: published at most once per this many seconds per user
    home_refresh_s: float = Field(default=5.0, ge=0, le=3600)
    # Which companies' unattended machines each user group may open: "Acme=@g1;Globex=@g2,@g3"
    unattended_access: str | None = None

    # The machine directory (GoToAssist's companies and unattended machines, in memory)
    machines_refresh_s: float = Field(default=300.0, ge=1, le=86_400)
    machines_rate_per_s: float | None = Field(default=None, gt=0, le=10)

    # Fair use (0 switches a limit off) and retention
    user_starts_per_min: int = Field(default=6, ge=0, le=1000)
    max_open_sessions_per_user: int = Field(default=10, ge=0, le=10_000)
    user_status_per_min: int = Field(default=10, ge=0, le=1000)
    retention_days: float = Field(default=90.0, gt=0, le=3650)
    retention_sweep_s: float = Field(default=3600.0, gt=0)

    # Background work
    outbox_lease_s: float = Field(default=30.0, gt=0)
    outbox_max_attempts: int = Field(default=8, ge=1)
    outbox_parked_retry_s: float = Field(default=300.0, gt=0)
    poll_lease_s: float = Field(default=30.0, gt=0)
    poll_interval_young_s: float = Field(default=5.0, gt=0)
    poll_interval_active_s: float = Field(default=15.0, gt=0)
    poll_interval_idle_s: float = Field(default=60.0, gt=0)
    poll_young_for_s: float = Field(default=300.0, ge=0)
    session_expiry_s: float = Field(default=4 * 3600.0, gt=0)
    shutdown_grace_s: float = Field(default=25.0, gt=0)

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @field_validator("database_url")
    @classmethod
    def _known_driver(cls, value: str) -> str:
        # Heroku and most hosts hand out postgres:// URLs; pick the async drivers for them.
        for plain, driver in _DRIVERS.items():
            if value.startswith(plain):
                value = driver + value[len(plain) :]
                break
        if not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError(
                "must start with sqlite+aiosqlite:// or postgresql+asyncpg:// "
                "(e.g. sqlite+aiosqlite:///remote-support.db)"
            )
        return value

    @field_validator("slack_bot_token")
    @classmethod
    def _bot_token_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().startswith("xoxb-"):
            raise ValueError("must be a bot token starting with xoxb-")
        return value

    @field_validator("slack_app_token")
    @classmethod
    def _app_token_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().startswith("xapp-"):
            raise ValueError("must be an app-level token starting with xapp-")
        return value

    @field_validator("unattended_access")
    @classmethod
    def _access_readable(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        parse_access(value)  # AccessSettingError (a ValueError) says what is wrong
        return value

    @property
    def machine_access(self) -> tuple[CompanyAccess, ...] | None:
        """UNATTENDED_ACCESS read; None when unset (the unattended rule of
        UNATTENDED_USER_GROUPS or a linked GoTo account applies to every company)."""
        return parse_access(self.unattended_access) if self.unattended_access else None

    @property
    def directory_rate_per_s(self) -> float:
        """Directory requests a second: MACHINES_RATE_PER_S, or a quarter of
        GOTOASSIST_RATE_PER_S, so creates and polls always keep most of the budget."""
        return self.machines_rate_per_s or self.gotoassist_rate_per_s / 4

    @property
    def socket_mode(self) -> bool:
        return self.slack_app_token is not None

    @staticmethod
    def _groups(value: str | None) -> tuple[str, ...] | None:
        names = tuple(name.strip() for name in (value or "").split(",") if name.strip())
        return names or None

    @property
    def allowed_groups(self) -> tuple[str, ...] | None:
        """ALLOWED_USER_GROUPS as a list; None when unset (every full member may start)."""
        return self._groups(self.allowed_user_groups)

    @property
    def unattended_groups(self) -> tuple[str, ...] | None:
        """UNATTENDED_USER_GROUPS as a list; None when unset (a linked GoTo account opens
        machines, the shared account never does)."""
        return self._groups(self.unattended_user_groups)

    def callback_base(self) -> str | None:
        """Where GoToAssist should POST status callbacks, or None (polling only)."""
        if self.public_base_url is None:
            return None
        return str(self.public_base_url).rstrip("/") + "/gotoassist/callbacks/"


def problems_for_serving(settings: Settings) -> list[str]:
    """What stops `serve` from working, in words; empty when ready."""
    found: list[str] = []
    if settings.slack_bot_token is None:
        found.append("SLACK_BOT_TOKEN is not set: give the app's xoxb- bot token.")
    if settings.slack_signing_secret is None and not settings.socket_mode:
        found.append(
            "SLACK_SIGNING_SECRET is not set: HTTP mode needs it to verify Slack's requests "
            "(or set SLACK_APP_TOKEN for Socket Mode)."
        )
    if settings.gotoassist_access_token is None and settings.goto_client_id is None:
        found.append(
            "Neither GOTOASSIST_ACCESS_TOKEN nor GOTO_CLIENT_ID is set: the app has no "
            "GoToAssist account to start sessions with."
        )
    if settings.goto_client_id is not None:
        if settings.goto_client_secret is None:
            found.append("GOTO_CLIENT_ID is set but GOTO_CLIENT_SECRET is not.")
        if settings.encryption_key is None:
            found.append(
                "ENCRYPTION_KEY is not set: linked GoTo accounts store refresh tokens, which "
                "are kept encrypted with it (make one with `remote-support keygen`)."
            )
        if settings.public_base_url is None:
            found.append(
                "PUBLIC_BASE_URL is not set: GoTo sign-in needs it for its redirect URL "
                "(<PUBLIC_BASE_URL>/goto/oauth/callback)."
            )
    return found


def describe_validation_error(error: ValidationError) -> list[str]:
    """One sentence per bad setting, naming the environment variable."""
    lines = []
    for item in error.errors():
        name = ".".join(str(part) for part in item["loc"]).upper() or "settings"
        lines.append(f"{name}: {item['msg']}")
    return lines
