"""Two managers acting on each other at once cannot leave the programme without a manager."""

import pytest
from sqlalchemy import func, select

from mentoring.extensions import db
from mentoring.models import Person
from mentoring.services import Forbidden
from mentoring.services.usecases import accounts


def active_managers() -> int:
    return db.session.execute(
        select(func.count(Person.id)).where(Person.is_manager.is_(True), Person.is_active.is_(True))
    ).scalar_one()


@pytest.mark.parametrize("action", ["take the manager role", "disable"])
def test_a_manager_who_lost_the_role_meanwhile_cannot_act_on_the_other(app, make_manager, action):
    # Given two managers, and B's request holding B as it was when it started
    a, b = make_manager(), make_manager()
    b_as_loaded = b

    # When A acts on B first
    if action == "disable":
        accounts.set_active(a, b, False)
    else:
        accounts.set_roles(a, b, mentor=False, leader=False, is_manager=False)

    # Then B's own action on A, checked under the lock of the manager rows, is refused
    with pytest.raises(Forbidden):
        if action == "disable":
            accounts.set_active(b_as_loaded, a, False)
        else:
            accounts.set_roles(b_as_loaded, a, mentor=False, leader=False, is_manager=False)
    db.session.rollback()
    assert active_managers() == 1
    assert db.session.get(Person, a.id).is_manager and db.session.get(Person, a.id).is_active


def test_lock_managers_returns_every_active_manager(app, make_manager, make_person):
    first, second = make_manager(), make_manager()
    make_manager(is_active=False)
    make_person(is_mentor=True)
    assert {row.id for row in accounts.lock_managers(first)} == {first.id, second.id}
