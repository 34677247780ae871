"""The app starts, serves the home page, and signs people in and out."""

from tests.conftest import DEFAULT_PASSWORD


def test_home_page_explains_the_programme(client):
    response = client.get("/")
    assert response.status_code == 200
    assert "reverse mentoring" in response.get_data(as_text=True).lower()


def test_sign_in_and_out(client, make_person):
    person = make_person(is_mentor=True)
    response = client.post("/auth/login", data={"email": person.email.upper(), "password": DEFAULT_PASSWORD})
    assert response.status_code == 302
    assert person.name in client.get("/").get_data(as_text=True)
    client.post("/auth/logout")
    assert person.name not in client.get("/").get_data(as_text=True)
