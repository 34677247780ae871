"""One-time tokens: stored hashed, single use, per purpose, expiring, ended by a newer token or by disabling."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from mentoring.database import utcnow
from mentoring.extensions import db
from mentoring.models import OneTimeToken, TokenPurpose
from mentoring.services.infra import tokens
from mentoring.services.usecases import accounts


def test_only_the_hash_is_stored_and_the_token_works_once(make_person) -> None:
    person = make_person()
    token = tokens.issue(person, TokenPurpose.RESET)
    db.session.commit()
    stored = db.session.execute(select(OneTimeToken)).scalar_one()
    assert stored.token_hash == tokens.token_hash(token) and token not in stored.token_hash
    assert tokens.check(token, TokenPurpose.RESET).person_id == person.id
    tokens.consume(token, TokenPurpose.RESET)
    db.session.commit()
    with pytest.raises(tokens.InvalidToken):
        tokens.consume(token, TokenPurpose.RESET)


def test_a_token_opens_only_its_own_purpose(make_person) -> None:
    token = tokens.issue(make_person(), TokenPurpose.VERIFY)
    with pytest.raises(tokens.InvalidToken):
        tokens.check(token, TokenPurpose.RESET)


@pytest.mark.parametrize(
    ("purpose", "lifetime"),
    [
        (TokenPurpose.INVITE, timedelta(days=7)),
        (TokenPurpose.RESET, timedelta(hours=1)),
        (TokenPurpose.VERIFY, timedelta(hours=48)),
    ],
)
def test_tokens_expire_after_their_lifetime(make_person, purpose, lifetime) -> None:
    now = utcnow()
    token = tokens.issue(make_person(), purpose, now=now)
    assert tokens.check(token, purpose, now=now + lifetime - timedelta(seconds=1))
    with pytest.raises(tokens.InvalidToken):
        tokens.check(token, purpose, now=now + lifetime)


def test_a_newer_token_ends_the_older_one(make_person) -> None:
    person = make_person()
    old = tokens.issue(person, TokenPurpose.RESET)
    new = tokens.issue(person, TokenPurpose.RESET)
    with pytest.raises(tokens.InvalidToken):
        tokens.check(old, TokenPurpose.RESET)
    assert tokens.check(new, TokenPurpose.RESET)


def test_disabling_the_person_ends_their_tokens(make_person, make_manager) -> None:
    manager, person = make_manager(), make_person()
    token = tokens.issue(person, TokenPurpose.INVITE)
    db.session.commit()
    accounts.set_active(manager, person, False)
    accounts.set_active(manager, person, True)  # re-enabling does not bring an old link back
    with pytest.raises(tokens.InvalidToken):
        tokens.check(token, TokenPurpose.INVITE)


@pytest.mark.parametrize("garbage", ["", "x", "a" * 5000, "\x00", "é" * 50])
def test_anything_else_is_simply_invalid(app, garbage: str) -> None:
    with pytest.raises(tokens.InvalidToken):
        tokens.consume(garbage, TokenPurpose.RESET)
