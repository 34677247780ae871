"""Configuration: defaults, environment overrides and production checks."""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

SELF_REGISTRATION_MODES = ("open", "verified", "off")


class ConfigError(RuntimeError):
    """The configuration cannot be used; the message says what to set."""


def _env_int(name: str, default: int) -> int:
    """Read an integer setting from the environment, falling back to a default."""
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a whole number, not {raw!r}.") from exc


def _env_bool(name: str, default: bool) -> bool:
    """Read a yes/no setting from the environment."""
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def database_url(instance_path: Path) -> str:
    """Return DATABASE_URL, or the embedded SQLite database under instance/."""
    url = os.environ.get("DATABASE_URL", "").strip()
    if url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url[len("postgres://") :]
    elif url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url or f"sqlite:///{instance_path / 'mentoring.db'}"


def development_secret_key(instance_path: Path) -> str:
    """Return the development secret key, generating it once into instance/secret_key."""
    key_file = instance_path / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    key_file.write_text(key)
    key_file.chmod(0o600)
    return key


class Config:
    """Settings shared by every environment; each can be overridden from the environment."""

    ENV_NAME = "development"
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
    WTF_CSRF_ENABLED = True
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the login session
    MAX_CONTENT_LENGTH = 1024 * 1024  # 1 MiB: forms and CSV imports only

    SESSION_COOKIE_NAME = "rm_session"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = False
    PERMANENT_SESSION_LIFETIME = timedelta(days=7)

    IDLE_TIMEOUT_MANAGER = timedelta(minutes=30)
    IDLE_TIMEOUT_OTHERS = timedelta(hours=8)
    ABSOLUTE_TIMEOUT = timedelta(days=7)
    LOGIN_FAILURES_PER_MINUTE = 10
    HSTS = False
    TRUSTED_HOSTS: list[str] | None = None
    # How many reverse proxies in front of the app set X-Forwarded-For/-Proto (0: none, trust no such header).
    TRUSTED_PROXY_COUNT = 0

    # Single sign-on through a trusted reverse proxy: off unless configured.
    TRUSTED_IDENTITY_HEADER: str | None = None

    # Mail: SMTP when MAIL_SERVER is set, otherwise .eml files in MAIL_OUTBOX.
    MAIL_SERVER: str | None = None
    MAIL_PORT = 25
    MAIL_USE_TLS = False  # STARTTLS on a plain connection (port 587)
    MAIL_USE_SSL = False  # implicit TLS from the first byte (port 465)
    MAIL_USERNAME: str | None = None
    MAIL_PASSWORD: str | None = None
    MAIL_SENDER = "Reverse mentoring <mentoring@localhost>"
    MAIL_OUTBOX: str | None = None

    # The HR import's limits (only the upload route takes files this large; the rest keep MAX_CONTENT_LENGTH).
    IMPORT_MAX_BYTES = 20 * 1024 * 1024
    IMPORT_MAX_ROWS = 50_000
    # Identity: who may register, password resets, and sign-in through the company's OpenID Connect provider.
    SELF_REGISTRATION = "open"  # open | verified (email link first) | off (only imported or invited people)
    PASSWORD_RESETS_PER_HOUR = 5  # per typed address; an address (IP) may ask four times as often
    PASSWORD_SIGN_IN = True  # False: the company account is the only way in
    OIDC_ISSUER = ""  # e.g. https://login.example.com/realms/staff; empty: no company sign-in button
    OIDC_CLIENT_ID = ""
    OIDC_CLIENT_SECRET = ""
    OIDC_MATCH_CLAIM = "email"  # email, or a claim holding the HR employee id (matched to the imported id)
    OIDC_SCOPES = "openid email profile"

    SITE_NAME = "Reverse mentoring"
    # Logs: one line per event on stderr, as `text` (key=value) or `json`; LOG_REQUESTS=0 when the server
    # (gunicorn.conf.py) writes the request line itself.
    LOG_FORMAT = "text"
    LOG_LEVEL = "INFO"
    LOG_REQUESTS = True
    # Jobs (huey, see docs/jobs.md): RedisHuey when REDIS_URL is set, else SqliteHuey in HUEY_SQLITE_PATH.
    HUEY_NAME = "mentoring"
    HUEY_SQLITE_PATH: str | None = None  # default instance/jobs.db
    HUEY_IMMEDIATE = False  # run each job inline when it is enqueued (tests), no consumer needed
    HUEY_WORKERS = 2  # worker threads of one `flask worker` consumer
    HEALTH_SUMMARY_DELAY_S = 5  # a health summary is recomputed this long after the first change (a burst is one job)
    MAIL_BATCH_SIZE = 200  # emails sent over one SMTP connection before it is reopened
    # A callable returning the current aware UTC time, read by database.utcnow() in place of the system clock.
    # Only a test sets it (through create_app's overrides, never the environment), so that time can pass
    # in a browser test: a session proposed for later can then be logged as held through the real pages.
    CLOCK = None
    # Absolute address of the site, used for links in emails (empty: links are site-relative paths).
    SITE_URL = ""
    # Domain part of calendar invite UIDs; defaults to the SITE_URL host.
    CALENDAR_UID_DOMAIN: str | None = None

    # Limits (mentoring/limits.py): Redis shares the counts between workers; without it, memory per worker.
    REDIS_URL: str | None = None
    RATELIMIT_ENABLED = True
    RATELIMIT_REAUTHENTICATION = "5 per minute;20 per hour"  # wrong current passwords, per person
    RATELIMIT_SIGN_UP = "10 per minute;50 per hour"  # sign-ups per client address
    RATELIMIT_PROPOSALS = "20 per hour;60 per day"  # session proposals per person (each sends an email)
    RATELIMIT_EXPORTS = "10 per minute;100 per hour"  # CSV, GraphML and personal-data downloads per person

    @classmethod
    def from_environment(cls, instance_path: Path) -> dict:
        """Build the settings dict for this environment, reading overrides from os.environ."""
        settings = {key: getattr(cls, key) for key in dir(cls) if key.isupper()}
        settings["SQLALCHEMY_DATABASE_URI"] = database_url(instance_path)
        if settings["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
            # A file cannot drop a connection: no liveness ping on every request's checkout.
            settings["SQLALCHEMY_ENGINE_OPTIONS"] = {}
        settings["SECRET_KEY"] = os.environ.get("SECRET_KEY") or cls.default_secret_key(instance_path)
        settings["MAIL_SERVER"] = os.environ.get("MAIL_SERVER") or cls.MAIL_SERVER
        settings["MAIL_PORT"] = _env_int("MAIL_PORT", cls.MAIL_PORT)
        settings["MAIL_USE_TLS"] = _env_bool("MAIL_USE_TLS", cls.MAIL_USE_TLS)
        settings["MAIL_USERNAME"] = os.environ.get("MAIL_USERNAME") or cls.MAIL_USERNAME
        settings["MAIL_PASSWORD"] = os.environ.get("MAIL_PASSWORD") or cls.MAIL_PASSWORD
        settings["MAIL_USE_SSL"] = _env_bool("MAIL_USE_SSL", cls.MAIL_USE_SSL)
        settings["HUEY_NAME"] = os.environ.get("HUEY_NAME") or cls.HUEY_NAME
        settings["HUEY_SQLITE_PATH"] = os.environ.get("HUEY_SQLITE_PATH") or str(instance_path / "jobs.db")
        settings["HUEY_IMMEDIATE"] = _env_bool("HUEY_IMMEDIATE", cls.HUEY_IMMEDIATE)
        settings["HUEY_WORKERS"] = _env_int("HUEY_WORKERS", cls.HUEY_WORKERS)
        settings["HEALTH_SUMMARY_DELAY_S"] = _env_int("HEALTH_SUMMARY_DELAY_S", cls.HEALTH_SUMMARY_DELAY_S)
        settings["MAIL_SENDER"] = os.environ.get("MAIL_SENDER") or cls.MAIL_SENDER
        settings["MAIL_OUTBOX"] = os.environ.get("MAIL_OUTBOX") or str(instance_path / "outbox")
        settings["TRUSTED_IDENTITY_HEADER"] = os.environ.get("TRUSTED_IDENTITY_HEADER") or cls.TRUSTED_IDENTITY_HEADER
        settings["SITE_URL"] = os.environ.get("SITE_URL", cls.SITE_URL).strip()
        settings["CALENDAR_UID_DOMAIN"] = (
            os.environ.get("CALENDAR_UID_DOMAIN") or urlsplit(settings["SITE_URL"]).hostname or cls.CALENDAR_UID_DOMAIN
        )
        settings["LOG_FORMAT"] = os.environ.get("LOG_FORMAT", cls.LOG_FORMAT).strip().lower()
        settings["LOG_LEVEL"] = os.environ.get("LOG_LEVEL", cls.LOG_LEVEL).strip().upper()
        settings["LOG_REQUESTS"] = _env_bool("LOG_REQUESTS", cls.LOG_REQUESTS)
        settings["TRUSTED_PROXY_COUNT"] = _env_int("TRUSTED_PROXY_COUNT", cls.TRUSTED_PROXY_COUNT)
        settings["REDIS_URL"] = os.environ.get("REDIS_URL", "").strip() or cls.REDIS_URL
        for name in ("RATELIMIT_REAUTHENTICATION", "RATELIMIT_SIGN_UP", "RATELIMIT_PROPOSALS", "RATELIMIT_EXPORTS"):
            settings[name] = os.environ.get(name, "").strip() or getattr(cls, name)
        settings["RATELIMIT_ENABLED"] = _env_bool("RATELIMIT_ENABLED", cls.RATELIMIT_ENABLED)
        settings["IMPORT_MAX_BYTES"] = _env_int("IMPORT_MAX_BYTES", cls.IMPORT_MAX_BYTES)
        settings["IMPORT_MAX_ROWS"] = _env_int("IMPORT_MAX_ROWS", cls.IMPORT_MAX_ROWS)
        settings.update(cls.identity_settings())
        hosts = os.environ.get("TRUSTED_HOSTS")
        if hosts:
            settings["TRUSTED_HOSTS"] = [h.strip() for h in hosts.split(",") if h.strip()]
        settings["IDLE_TIMEOUT_MANAGER"] = timedelta(
            minutes=_env_int("IDLE_TIMEOUT_MANAGER_MINUTES", int(cls.IDLE_TIMEOUT_MANAGER.total_seconds() // 60))
        )
        settings["IDLE_TIMEOUT_OTHERS"] = timedelta(
            minutes=_env_int("IDLE_TIMEOUT_MINUTES", int(cls.IDLE_TIMEOUT_OTHERS.total_seconds() // 60))
        )
        settings["ABSOLUTE_TIMEOUT"] = timedelta(
            hours=_env_int("ABSOLUTE_TIMEOUT_HOURS", int(cls.ABSOLUTE_TIMEOUT.total_seconds() // 3600))
        )
        return settings

    @classmethod
    def identity_settings(cls) -> dict:
        """Registration, reset and OpenID Connect settings from the environment."""
        registration = (os.environ.get("SELF_REGISTRATION") or cls.SELF_REGISTRATION).strip().lower()
        if registration not in SELF_REGISTRATION_MODES:
            raise ConfigError(
                f"SELF_REGISTRATION must be one of {', '.join(SELF_REGISTRATION_MODES)}, not {registration!r}."
            )
        settings = {
            "SELF_REGISTRATION": registration,
            "PASSWORD_RESETS_PER_HOUR": _env_int("PASSWORD_RESETS_PER_HOUR", cls.PASSWORD_RESETS_PER_HOUR),
            "PASSWORD_SIGN_IN": _env_bool("PASSWORD_SIGN_IN", cls.PASSWORD_SIGN_IN),
        }
        for name in ("OIDC_ISSUER", "OIDC_CLIENT_ID", "OIDC_CLIENT_SECRET", "OIDC_MATCH_CLAIM", "OIDC_SCOPES"):
            settings[name] = (os.environ.get(name) or getattr(cls, name)).strip()
        if settings["OIDC_ISSUER"] and not (settings["OIDC_CLIENT_ID"] and settings["OIDC_CLIENT_SECRET"]):
            raise ConfigError("OIDC_ISSUER is set: OIDC_CLIENT_ID and OIDC_CLIENT_SECRET must be set too.")
        if not settings["PASSWORD_SIGN_IN"] and not settings["OIDC_ISSUER"]:
            raise ConfigError("PASSWORD_SIGN_IN=0 needs OIDC_ISSUER: otherwise nobody could sign in.")
        return settings

    @classmethod
    def default_secret_key(cls, instance_path: Path) -> str:
        """Development generates and keeps a key in instance/; other configs override this."""
        return development_secret_key(instance_path)

    @classmethod
    def check(cls, settings: dict) -> None:
        """Refuse settings that are unsafe for this environment."""


class DevelopmentConfig(Config):
    """`make run`: embedded SQLite, mail written to instance/outbox."""


class TestingConfig(Config):
    """The test suite: a throwaway database given by the test fixtures."""

    ENV_NAME = "testing"
    TESTING = True
    WTF_CSRF_ENABLED = False
    # Tests that are about a limit set a low one; the others must not trip over one.
    RATELIMIT_REAUTHENTICATION = RATELIMIT_SIGN_UP = RATELIMIT_PROPOSALS = RATELIMIT_EXPORTS = "10000 per minute"
    HUEY_IMMEDIATE = True  # jobs run inline; tests that need a real consumer turn this off

    @classmethod
    def default_secret_key(cls, instance_path: Path) -> str:
        """Tests use a random key per process."""
        return secrets.token_hex(32)


class ProductionConfig(Config):
    """gunicorn + PostgreSQL behind HTTPS."""

    ENV_NAME = "production"
    # The __Host- prefix makes browsers refuse the cookie unless it is Secure, host-only and for path /.
    SESSION_COOKIE_NAME = "__Host-rm_session"
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_NAME = "__Host-rm_remember"
    REMEMBER_COOKIE_SECURE = True
    HSTS = True
    PREFERRED_URL_SCHEME = "https"

    @classmethod
    def default_secret_key(cls, instance_path: Path) -> str:
        """Production never invents a key: `check` refuses to start without one."""
        return ""

    @classmethod
    def check(cls, settings: dict) -> None:
        """Refuse a missing or weak secret key, or a missing host list."""
        if not settings.get("SECRET_KEY"):
            raise ConfigError("SECRET_KEY must be set in the environment under the production config.")
        if len(settings["SECRET_KEY"]) < 32:
            raise ConfigError("SECRET_KEY must be at least 32 characters under the production config.")
        if not settings.get("TRUSTED_HOSTS"):
            raise ConfigError("TRUSTED_HOSTS must list the site's host names under the production config.")


CONFIGS: dict[str, type[Config]] = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def config_class(name: str | None) -> type[Config]:
    """Return the config class named by `name` or by MENTORING_CONFIG (default development)."""
    chosen = (name or os.environ.get("MENTORING_CONFIG") or "development").strip().lower()
    try:
        return CONFIGS[chosen]
    except KeyError as exc:
        raise ConfigError(f"Unknown config {chosen!r}; use one of {', '.join(sorted(CONFIGS))}.") from exc
