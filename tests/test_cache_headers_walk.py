"""Every routed URL, as every kind of visitor: nothing personal or restricted is marked shareable.

The URLs and their dataset are the access matrix's (tests/test_access_matrix.py), so a view
added later is walked here too. A shared cache (a proxy, a CDN) serves what it keeps to the
next visitor: an answer may say `public` only when it is the same for every anonymous
visitor of its language (ewevents/http_cache.py). Everything else must say `private` or
`no-store`, and never `public` or `s-maxage`.
"""

import pytest
from django.test import Client
from django.urls import reverse

from tests.test_access_matrix import PUBLIC, ROUTES, SECRET, _build_world

# Who asks. "guest_with_link": no account, but a session (a guest who just registered),
# opening the manage link and feed URLs like anyone else.
VIEWERS = ["anonymous", "guest_with_link", "affiliate", "staff"]
# Answers that are the same whoever asks, which their view marks public itself: uploaded
# speaker photos, named by their content (ewevents/media.py).
SAME_FOR_EVERYONE = {"public_media"}
# Pages outside the matrix (allauth, the admin) that carry forms or staff data.
MORE_URLS = ["account_login", "account_signup", "account_reset_password", "admin:index"]


@pytest.fixture(scope="module")
def world(module_db):
    """The access matrix's dataset, written once for the module (rolled back after its last test)."""
    return _build_world()


def _client(world, viewer):
    client = Client()
    if viewer == "guest_with_link":
        session = client.session  # creates the session and its cookie
        session["registrations_done"] = {"status": "confirmed"}
        session.save()
    elif viewer == "affiliate":
        client.force_login(world.users["member"])
    elif viewer == "staff":
        client.force_login(world.users["staff"])
    return client


def _directives(response):
    return {
        part.split("=", 1)[0].strip().lower()
        for part in response.get("Cache-Control", "").split(",")
        if part.strip()
    }


def _shareable(response):
    directives = _directives(response)
    return "public" in directives or "s-maxage" in directives or not directives & {"private", "no-store"}


def _body(response):
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode(errors="replace")
    return response.content.decode(errors="replace")


def _walk(world):
    """(label, url, public page, same for everyone) for every routed URL of the matrix and MORE_URLS."""
    for name, cases in ROUTES.items():
        for case in cases:
            label, url = f"{name}[{case.label}]", reverse(name, kwargs=case.kwargs(world))
            yield label, url, case.access == PUBLIC, name in SAME_FOR_EVERYONE
    for name in MORE_URLS:
        yield name, reverse(name), True, False


def _problems(world, viewer):
    client = _client(world, viewer)
    problems = []
    for label, url, public_page, same_for_everyone in _walk(world):
        response = client.get(url)
        body = _body(response)
        personal = (
            (viewer != "anonymous" and not same_for_everyone)
            or not public_page
            or SECRET in body
            or any(text in body for person in world.guests.values() for text in person)
        )
        if personal and _shareable(response):
            problems.append(
                f"{label} {url}: {response.status_code}, Cache-Control {response.get('Cache-Control')!r}"
            )
    return problems


@pytest.mark.django_db
@pytest.mark.parametrize("viewer", VIEWERS)
def test_no_personal_or_restricted_answer_is_marked_shareable(world, viewer):
    assert _problems(world, viewer) == []


@pytest.mark.django_db
def test_the_walk_can_fail(world):
    """Controls: anonymous public pages are shareable, so the walk's check is not vacuous."""
    client = Client()
    home = client.get(reverse("events:home"))
    conference = client.get(reverse("events:event_detail", kwargs={"slug": world.conference.slug}))

    assert _shareable(home)
    assert _shareable(conference)
    assert "max-age=60" in home["Cache-Control"]
