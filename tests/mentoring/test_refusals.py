"""One answer to a use case's refusal, given by the app: back to where the person was, or where the view said."""

from __future__ import annotations

import pytest
from flask import Flask

from mentoring.errors import refusal_lands_on
from mentoring.services import Conflict, NotFound, ServiceError

MESSAGE = "Requests for Spring are closed, so yours can no longer be changed."


@pytest.fixture
def site(make_app, db) -> Flask:
    """The app with test-only views that call a use case which refuses."""
    db.rollback()
    app = make_app()

    @app.route("/test-only/refuse", methods=["GET", "POST"])
    def refuse() -> str:
        raise Conflict(MESSAGE)

    @app.route("/test-only/refuse-to-cohorts", methods=["GET", "POST"])
    def refuse_to_cohorts() -> str:
        refusal_lands_on("programme.cohorts")
        raise ServiceError(MESSAGE)

    @app.route("/test-only/missing", methods=["POST"])
    def missing() -> str:
        refusal_lands_on("programme.cohorts")
        raise NotFound("There is no such cohort.")

    return app


def test_a_refused_post_goes_back_to_the_page_it_came_from_with_the_message(site):
    client = site.test_client()
    response = client.post("/test-only/refuse", headers={"Referer": "http://localhost/sessions/"})
    assert response.status_code == 302 and response.headers["Location"] == "/sessions/"
    with client.session_transaction() as session:
        assert session["_flashes"] == [("warning", MESSAGE)]


def test_a_refused_post_never_follows_another_sites_referer(site):
    response = site.test_client().post("/test-only/refuse", headers={"Referer": "https://evil.example/"})
    assert response.headers["Location"] == "/"


def test_a_refused_get_shows_the_message_as_a_page(site):
    response = site.test_client().get("/test-only/refuse")
    assert response.status_code == 409 and "can no longer be changed" in response.get_data(as_text=True)


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_a_view_can_name_the_page_a_refusal_lands_on(site, method):
    client = site.test_client()
    response = client.open("/test-only/refuse-to-cohorts", method=method, headers={"Referer": "http://localhost/"})
    assert response.status_code == 302 and response.headers["Location"] == "/programme/cohorts"
    with client.session_transaction() as session:
        assert session["_flashes"] == [("error", MESSAGE)]


def test_not_found_stays_a_404_wherever_refusals_land(site):
    assert site.test_client().post("/test-only/missing").status_code == 404
