"""Identity settings: registration mode, password sign-in and OpenID Connect, read from the environment."""

from __future__ import annotations

import pytest

from mentoring.config import ConfigError


def test_the_defaults_are_open_registration_with_passwords_and_no_company_sign_in(make_app) -> None:
    config = make_app().config
    assert config["SELF_REGISTRATION"] == "open" and config["PASSWORD_SIGN_IN"] is True
    assert config["OIDC_ISSUER"] == "" and config["OIDC_MATCH_CLAIM"] == "email"
    assert config["PASSWORD_RESETS_PER_HOUR"] == 5


def test_the_settings_come_from_the_environment(make_app, monkeypatch) -> None:
    monkeypatch.setenv("SELF_REGISTRATION", " Verified ")
    monkeypatch.setenv("OIDC_ISSUER", "https://login.example.com/realms/staff")
    monkeypatch.setenv("OIDC_CLIENT_ID", "mentoring")
    monkeypatch.setenv("OIDC_CLIENT_SECRET", "s3cret")
    monkeypatch.setenv("OIDC_MATCH_CLAIM", "employee_id")
    monkeypatch.setenv("PASSWORD_SIGN_IN", "0")
    config = make_app().config
    assert config["SELF_REGISTRATION"] == "verified" and config["PASSWORD_SIGN_IN"] is False
    assert config["OIDC_MATCH_CLAIM"] == "employee_id"


@pytest.mark.parametrize(
    ("environment", "message"),
    [
        ({"SELF_REGISTRATION": "sometimes"}, "SELF_REGISTRATION must be one of open, verified, off"),
        ({"PASSWORD_SIGN_IN": "0"}, "PASSWORD_SIGN_IN=0 needs OIDC_ISSUER"),
        ({"OIDC_ISSUER": "https://login.example.com"}, "OIDC_CLIENT_ID and OIDC_CLIENT_SECRET must be set"),
    ],
)
def test_settings_that_cannot_work_refuse_to_start(make_app, monkeypatch, environment, message) -> None:
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match=message):
        make_app()
