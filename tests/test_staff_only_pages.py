"""Every staff URL (the admin and /staff/), requested by every kind of visitor, redirects followed.

A logged-in user without staff status used to go round between the page, the admin's login
and allauth's login until the browser gave up (ERR_TOO_MANY_REDIRECTS). Now anonymous
visitors, with or without a session, are sent to log in with `next`; logged-in users without
staff status get the staff-only page (403, ewevents/staff_only.py); staff without their
second factor are sent to set it up or to enter it (events/two_factor.py); staff with it get
the page.

The URLs come from the URLconf: every pattern under STAFF_PATH_PREFIXES, its arguments filled
from one dataset, so a staff URL added later is tried too, and
test_every_staff_url_can_be_built fails until its arguments can be filled. Requests follow
redirects: the test client raises RedirectCycleError on a loop.
"""

from __future__ import annotations

import re
from types import SimpleNamespace
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from django.conf import settings
from django.contrib import admin
from django.contrib.auth.models import Group
from django.contrib.auth.views import redirect_to_login
from django.contrib.contenttypes.models import ContentType
from django.test.client import RedirectCycleError
from django.urls import URLResolver, get_resolver, resolve, reverse
from django.utils.html import escape

import ewevents.urls
from events.models import Event
from events.two_factor import STAFF_PATH_PREFIXES
from ewevents import staff_only
from registrations.eventday import reports
from registrations.models import AccessRecord, EmailText, Mailing, RegistrationSettings, SeriesFollower
from registrations.signup import services
from tests import factories
from tests.conftest import force_login_with_second_factor

STAFF_ONLY_TEXT = "This page is for the organisers' staff only"

# Where logging in leads from these URLs, when not back to the URL itself: the login page
# has no page of its own to come back to, and the admin sends a logged-out visitor from
# its logout URL to its index.
NEXT_AFTER_LOGIN = {"/admin/login/": None, "/admin/logout/": "/admin/"}

# What staff with their second factor get where it is not the page itself (200), and why.
STAFF_ANSWERS = {
    "/admin/logout/": (405, "Django's admin logs out with a POST only"),
    "/admin/autocomplete/": (403, "the admin's autocomplete refuses a request without its parameters"),
    "/admin/no-such-page/": (404, "the admin's catch-all answers an unknown URL with 404"),
    "registrations:checkin_code": (405, "POST only"),
    "registrations:checkin_present": (405, "POST only"),
    "registrations:checkin_undo": (405, "POST only"),
    "admin:registrations_mailing_send_test": (405, "POST only"),
    "admin:registrations_mailing_resend_failed": (405, "POST only"),
    "admin:registrations_emailtext_send_test": (405, "POST only"),
    "admin:registrations_registration_add": (403, "registering is a service: it takes the place"),
    "admin:registrations_outboxemail_add": (403, "emails are written by the outbox, never by hand"),
    "admin:registrations_registration_delete": (403, "an active registration is cancelled, not deleted"),
    "admin:registrations_accessrecord_add": (403, "access records are written by the audit, never by hand"),
    "admin:registrations_accessrecord_delete": (403, "access records are kept"),
    "admin:registrations_seriesfollower_add": (403, "a follower confirms by email, never added by hand"),
}


# --- The staff URLs, from the URLconf ---------------------------------------------------


def _routes(patterns, prefix=""):
    """Yield the full route of every URL pattern, includes followed."""
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from _routes(pattern.url_patterns, route)
        else:
            yield route


def staff_routes():
    """The full route of every URL pattern whose path starts like a staff page's."""
    prefixes = tuple(prefix.lstrip("/") for prefix in STAFF_PATH_PREFIXES)
    return [route for route in _routes(get_resolver().url_patterns) if route.startswith(prefixes)]


def _model_of(route):
    """The model whose ModelAdmin the route belongs to, or None."""
    for model in admin.site._registry:
        if route.startswith(f"admin/{model._meta.app_label}/{model._meta.model_name}/"):
            return model
    return None


def _arguments(world, route):
    """Values for the route's arguments, by name: the dataset's rows."""
    model = _model_of(route)
    values = {
        "slug": world.event.slug,
        "table": next(iter(reports.SUMMARIES)),
        "pk": world.registration.pk,
        "id": world.users["affiliate"].pk,  # a user's password form
        "app_label": "registrations",
        "url": "no-such-page/",  # the admin's catch-all
        # The admin's "view on site" of an event.
        "content_type_id": ContentType.objects.get_for_model(Event).pk,
        "object_id": world.event.pk,
    }
    if model is not None:
        row = model._default_manager.order_by("pk").first()
        assert row is not None, f"No {model.__name__} in the dataset to open {route} with: add one"
        values["object_id"] = row.pk
    return values


def build_url(world, route):
    """The route with its arguments filled in; fails if an argument is unknown or the URL leads elsewhere."""
    values = _arguments(world, route)

    def value(match):
        name = match[1] or match[2]
        assert name in values, f"{route}: no value for the argument {name!r}: add one to _arguments"
        return str(values[name])

    path = re.sub(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>[^)]*\)", value, route)
    url = "/" + path.replace("^", "").replace("$", "")
    resolved = resolve(url).route  # without the ^ of a regex route
    assert resolved == route.replace("^", ""), f"{url}, built for {route}, leads to {resolved}"
    return url


def staff_urls(world):
    """Every staff URL once (the admin's shadowed login route is the project's /admin/login/)."""
    return list(dict.fromkeys(build_url(world, route) for route in staff_routes()))


# --- The dataset ------------------------------------------------------------------------


def _build_world():
    event = factories.EventFactory(title="Door Conference", slug="door-conference")
    factories.RegistrationSettingsFactory(event=event, mode=RegistrationSettings.Mode.OPEN)
    session = factories.SessionFactory(event=event, title="Opening plenary", start=event.start)
    factories.SessionSpeakerFactory(session=session)
    factories.TopicFactory()
    webinar = factories.WebinarFactory()
    SeriesFollower.objects.create(series=webinar.series, email="follower@example.org")
    factories.InvitationFactory(event=event)
    Mailing.objects.create(event=event, subject="News", body="Hello {{ name }}.", audience="confirmed")
    EmailText.objects.create(event=event, kind="registered", language="en", body="Welcome, {{ name }}.")
    Group.objects.create(name="Door staff")
    affiliate = factories.MembershipFactory(user__email="affiliate-403@affiliate.example").user
    question = factories.QuestionFactory(
        event=event, label_en="Sector", kind="single_choice", choices=["Union", "Public buyer"]
    )
    guest = services.register(
        event=event,
        data={
            "name": "Gwen Guest",
            "email": "gwen@example.org",
            "sessions": [session],
            "answers": {question: str(question.choices.first().pk)},
        },
        user=None,
    )
    AccessRecord.objects.create(what=AccessRecord.What.SUMMARY, event=event)
    return SimpleNamespace(
        event=event,
        registration=guest,
        users={
            "affiliate": affiliate,
            "plain": factories.UserFactory(email="plain-403@example.net"),
            "staff": factories.StaffFactory(email="staff-403@example.net"),
            "staff_without_app": factories.StaffFactory(email="staff-no-app@example.net", totp=False),
            "staff_password_only": factories.StaffFactory(email="staff-password@example.net"),
        },
    )


@pytest.fixture(scope="module")
def world(module_db):
    """The module's dataset, written once (rolled back after the module's last test)."""
    return _build_world()


def _login_url(next_url):
    login = reverse("account_login")
    return f"{login}?{urlencode({'next': next_url})}" if next_url else login


def _same_url(one, other):
    """Equal paths and query values, however the query is encoded."""
    one, other = urlsplit(one), urlsplit(other)
    return one.path == other.path and parse_qs(one.query) == parse_qs(other.query)


def _get(client, url, problems):
    """The answer to GET `url` with redirects followed, or None (a problem noted) on a loop."""
    try:
        return client.get(url, follow=True)
    except RedirectCycleError as loop:
        problems.append(f"{url}: redirect loop {[hop for hop, _status in loop.last_response.redirect_chain]}")
        return None


def _first_hop(response):
    return response.redirect_chain[0][0] if response.redirect_chain else None


# --- The tests --------------------------------------------------------------------------


@pytest.mark.django_db
def test_every_staff_url_can_be_built(world):
    urls = staff_urls(world)

    assert "/admin/" in urls
    assert f"/staff/events/{world.event.slug}/check-in/{world.registration.pk}/" in urls
    assert len(urls) == len(staff_routes()) - 1  # the admin's own login route, shadowed


@pytest.mark.django_db
def test_the_checks_can_fail(world, client, monkeypatch):
    """Control: with Django's answer back (to the admin's login, which hands over to allauth's,
    which sends a logged-in visitor back to `next`), the loop is seen on both kinds of page."""
    monkeypatch.setattr(
        staff_only,
        "staff_only_page",
        lambda request, next_url=None: redirect_to_login(request.get_full_path(), reverse("admin:login")),
    )
    monkeypatch.setattr(ewevents.urls, "is_staff", lambda user: True)
    client.force_login(world.users["affiliate"])
    problems = []

    for url in ("/admin/", f"/staff/events/{world.event.slug}/summary/"):
        _get(client, url, problems)

    assert [problem.split(":")[0] for problem in problems] == [
        "/admin/",
        f"/staff/events/{world.event.slug}/summary/",
    ]
    assert all("redirect loop" in problem for problem in problems)


@pytest.mark.django_db
@pytest.mark.parametrize("viewer", ["anonymous", "guest"])
def test_visitors_not_logged_in_are_sent_to_log_in_and_back(world, client, viewer, settings):
    if viewer == "guest":
        # A guest who asked for their manage link and opened it: a session, but no account.
        settings.MANAGE_LINK_RATE_LIMIT_PER_CLIENT = None
        client.post(reverse("registrations:request_manage_link"), {"email": world.registration.email})
        client.get(reverse("registrations:manage", kwargs={"token": world.registration.manage_token}))
        assert settings.SESSION_COOKIE_NAME in client.cookies
    problems = []

    for url in staff_urls(world):
        response = _get(client, url, problems)
        if response is None:
            continue
        expected = _login_url(NEXT_AFTER_LOGIN.get(url, url))
        if response.status_code != 200 or not _same_url(response.redirect_chain[-1][0], expected):
            problems.append(f"{url}: {response.status_code} after {response.redirect_chain}")

    assert problems == [], "\n".join(problems)


@pytest.mark.django_db
@pytest.mark.parametrize("viewer", ["affiliate", "plain"])
def test_logged_in_people_without_staff_status_get_the_staff_only_page(world, client, viewer):
    user = world.users[viewer]
    client.force_login(user)
    logout_form = f'<form method="post" action="{reverse("account_logout")}">'
    problems = []

    for url in staff_urls(world):
        response = _get(client, url, problems)
        if response is None:
            continue
        body = response.content.decode()
        login = escape(_login_url(NEXT_AFTER_LOGIN.get(url, url)))
        back = f'<input type="hidden" name="next" value="{login}">'
        if response.redirect_chain or response.status_code != 403:
            problems.append(f"{url}: {response.status_code} after {response.redirect_chain}")
        elif not all(text in body for text in (STAFF_ONLY_TEXT, user.email, logout_form, back)):
            problems.append(f"{url}: not the staff-only page, or without its account or logout form")
        elif "csrfmiddlewaretoken" not in body:
            problems.append(f"{url}: the logout form has no CSRF token")

    assert problems == [], "\n".join(problems)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("viewer", "second_factor_page"),
    [("staff_without_app", "mfa_activate_totp"), ("staff_password_only", "mfa_reauthenticate")],
)
def test_staff_without_the_second_factor_are_asked_for_it_first(world, client, viewer, second_factor_page):
    force_login_with_second_factor.password_only(client, world.users[viewer])
    problems = []

    for url in staff_urls(world):
        response = _get(client, url, problems)
        if response is None:
            continue
        expected = f"{reverse(second_factor_page)}?{urlencode({'next': url})}"
        if not _same_url(_first_hop(response) or "", expected) or response.status_code != 200:
            problems.append(f"{url}: {response.status_code} after {response.redirect_chain}")

    assert problems == [], "\n".join(problems)


@pytest.mark.django_db
def test_staff_with_the_second_factor_get_the_pages(world, client):
    client.force_login(world.users["staff"])
    # /admin/login/ hands over to allauth's login page, which sends staff already logged in home.
    refusals = {reverse(name) for name in ("account_login", "mfa_activate_totp", "mfa_reauthenticate")}
    problems = []

    for url in staff_urls(world):
        response = _get(client, url, problems)
        if response is None:
            continue
        name = resolve(url).view_name or url
        expected, _why = STAFF_ANSWERS.get(url) or STAFF_ANSWERS.get(name) or (200, "the page")
        hops = [hop for hop, _status in response.redirect_chain]
        if response.status_code != expected:
            problems.append(f"{url}: {response.status_code}, expected {expected}, after {hops}")
        elif (
            response.request["PATH_INFO"] in refusals or STAFF_ONLY_TEXT.encode() in response.content
        ):  # bytes: some files are .xlsx
            problems.append(f"{url}: refused as if not staff, after {hops}")

    assert problems == [], "\n".join(problems)


@pytest.mark.django_db
def test_a_post_from_someone_without_staff_status_is_refused_before_it_acts(world, client):
    client.force_login(world.users["affiliate"])
    checkin = reverse(
        "registrations:checkin_present", kwargs={"slug": world.event.slug, "pk": world.registration.pk}
    )

    response = client.post(checkin)

    assert response.status_code == 403
    assert STAFF_ONLY_TEXT in response.content.decode()
    # A POST's URL answers nothing to the GET logging in again would make: no `next`.
    assert f'name="next" value="{reverse("account_login")}"' in response.content.decode()
    world.registration.refresh_from_db()
    assert world.registration.attended_at is None


@pytest.mark.django_db
def test_logging_out_from_the_staff_only_page_opens_the_login_page_with_next(world, client):
    client.force_login(world.users["affiliate"])
    page = "/admin/registrations/registration/"
    login = _login_url(page)
    assert client.get(page).status_code == 403

    response = client.post(reverse("account_logout"), {"next": login})

    assert response.status_code == 302
    assert response["Location"] == login
    assert "_auth_user_id" not in client.session
    assert client.get(login).status_code == 200


@pytest.mark.django_db
def test_the_staff_only_page_is_in_spanish_too(world, client):
    client.force_login(world.users["affiliate"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "es"

    body = client.get("/admin/").content.decode()

    assert "Esta página es solo para el personal de los organizadores" in body
    assert "Cerrar sesión y entrar con otra cuenta" in body


@pytest.mark.django_db
def test_the_staff_only_page_is_not_kept_in_a_cache(world, client):
    client.force_login(world.users["affiliate"])

    response = client.get("/staff/personal-data/")

    assert response.status_code == 403
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]


@pytest.mark.django_db
def test_the_way_back_never_leads_off_the_site(world, client):
    client.force_login(world.users["affiliate"])

    response = client.get(f"{reverse('admin:login')}?next=https://elsewhere.example/admin/")

    body = response.content.decode()
    # The page's logout form (the menu's has a class).
    start = body.index(f'<form method="post" action="{reverse("account_logout")}">')
    logout_form = body[start : body.index("</form>", start)]
    assert response.status_code == 403
    assert f'name="next" value="{reverse("account_login")}"' in logout_form
    assert "elsewhere.example" not in logout_form


@pytest.mark.django_db
def test_staff_without_permissions_see_the_admin_say_so_without_a_loop(world, client):
    """What Django's admin does for them, unchanged: an index offering nothing, and 403 on a model."""
    client.force_login(factories.StaffFactory(is_superuser=False))

    index = client.get(reverse("admin:index"), follow=True)
    changelist = client.get(reverse("admin:registrations_registration_changelist"), follow=True)

    assert (index.status_code, index.redirect_chain) == (200, [])
    assert "You don’t have permission to view or edit anything." in index.content.decode()
    assert (changelist.status_code, changelist.redirect_chain) == (403, [])
    assert STAFF_ONLY_TEXT not in changelist.content.decode()


@pytest.mark.django_db
def test_a_deactivated_account_is_logged_out_and_sent_to_log_in(world, client):
    user = factories.StaffFactory(is_superuser=False)
    client.force_login(user)
    user.is_active = False
    user.save()

    response = client.get(reverse("admin:index"), follow=True)

    assert response.status_code == 200
    assert _same_url(response.redirect_chain[-1][0], _login_url(reverse("admin:index")))
