"""The production config refuses to start with unsafe settings, and turns the browser defences on."""

from __future__ import annotations

import pytest

from mentoring.config import ConfigError

GOOD = {"CONFIG": "production", "SECRET_KEY": "k" * 40, "TRUSTED_HOSTS": ["mentoring.example.com"]}


@pytest.fixture(autouse=True)
def _no_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("SECRET_KEY", "TRUSTED_HOSTS", "MENTORING_CONFIG", "TRUSTED_IDENTITY_HEADER"):
        monkeypatch.delenv(name, raising=False)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"SECRET_KEY": None}, "SECRET_KEY must be set"),
        ({"SECRET_KEY": "short"}, "at least 32 characters"),
        ({"TRUSTED_HOSTS": None}, "TRUSTED_HOSTS must list"),
        ({"TRUSTED_HOSTS": []}, "TRUSTED_HOSTS must list"),
    ],
)
def test_production_refuses_to_start_with_unsafe_settings(make_app, change, message):
    settings = {key: value for key, value in {**GOOD, **change}.items() if value is not None}
    with pytest.raises(ConfigError, match=message):
        make_app(**settings)


def test_production_reads_its_secrets_and_hosts_from_the_environment(make_app, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "e" * 48)
    monkeypatch.setenv("TRUSTED_HOSTS", "mentoring.example.com, www.mentoring.example.com")
    monkeypatch.setenv("TRUSTED_PROXY_COUNT", "1")
    app = make_app(CONFIG="production")
    assert app.config["SECRET_KEY"] == "e" * 48
    assert app.config["TRUSTED_HOSTS"] == ["mentoring.example.com", "www.mentoring.example.com"]
    assert app.config["TRUSTED_PROXY_COUNT"] == 1


def test_production_turns_on_secure_cookies_and_hsts(make_app):
    config = make_app(**GOOD).config
    assert config["SESSION_COOKIE_SECURE"] and config["REMEMBER_COOKIE_SECURE"]
    assert config["SESSION_COOKIE_HTTPONLY"] and config["REMEMBER_COOKIE_HTTPONLY"]
    assert config["SESSION_COOKIE_SAMESITE"] == config["REMEMBER_COOKIE_SAMESITE"] == "Lax"
    assert config["SESSION_COOKIE_NAME"].startswith("__Host-")
    assert config["HSTS"] and config["WTF_CSRF_ENABLED"] and not config.get("DEBUG")
    assert config["TRUSTED_IDENTITY_HEADER"] is None


def test_timeouts_and_limits_have_the_documented_defaults(make_app):
    config = make_app(**GOOD).config
    assert config["IDLE_TIMEOUT_MANAGER"].total_seconds() == 30 * 60
    assert config["IDLE_TIMEOUT_OTHERS"].total_seconds() == 8 * 3600
    assert config["ABSOLUTE_TIMEOUT"].total_seconds() == 7 * 24 * 3600
    assert config["LOGIN_FAILURES_PER_MINUTE"] == 10
    assert config["MAX_CONTENT_LENGTH"] == 1024 * 1024
