"""Access matrix: every URL the project routes, requested by every kind of viewer.

The URL names come from the resolver, so a view added later fails
`test_every_routed_url_is_classified` until it has a row in ROUTES. Each row says
who may open the page; the matrix test then checks, for each URL and viewer, the
status class, that nothing answers 500, that restricted text (marked "SECRET":
restricted descriptions, hidden session titles, rooms, the webinar's join link)
never reaches an anonymous or non-affiliate viewer, and that no guest's name or
email reaches the public or another guest's manage page.

One dataset serves the whole module: it is written once inside a transaction that
is rolled back when the module ends; each test runs in a savepoint of it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.contrib import admin
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from events.models import Session
from registrations.models import RegistrationSettings, SeriesFollower
from registrations.signup import feeds, services
from tests import factories
from tests.conftest import force_login_with_second_factor, shows_staff_only_page

# Whole includes left out of the matrix, with the reason. Anything else routed is the project's.
SKIPPED_INCLUDES = {
    "admin": "Django admin: test_admin_changelists_refuse_non_staff covers every registered ModelAdmin.",
    "allauth.urls": "django-allauth's account pages (account_*, mfa, socialaccount): third-party.",
}

SECRET = "SECRET"
JOIN_URL = "https://join.example/SECRET-JOIN"

# Viewers of the matrix. "member" is the affiliate who registered for the conference.
VIEWERS = ["anonymous", "non_affiliate", "member", "staff"]
MUST_NOT_SEE_SECRET = {"anonymous", "non_affiliate"}

# Access kinds.
PUBLIC = "public"  # everyone 200
AFFILIATES = "affiliates"  # anonymous and non-affiliates 404, affiliates and staff 200
REDIRECT = "redirect"  # everyone is redirected (a page that needs a session state)
LOGIN = "login"  # anonymous redirected to the login page, others 200
# Staff pages: anonymous redirected to the login page, logged-in non-staff get the staff-only
# page (403, ewevents/staff_only.py), staff 200.
STAFF = "staff"
TOKEN = "token"  # the token is the credential: 200 whoever asks, an unknown token 404
POST_LOGIN = "post_login"  # POST only, login required: anonymous to login, others GET 405
POST_STAFF = "post_staff"  # POST only, staff: as STAFF, but staff GET 405
# The admin's login page: redirected to allauth's, but logged-in non-staff get the staff-only page.
ADMIN_LOGIN = "admin_login"
POST_TOKEN = "post_token"  # POST only, the token is the credential: GET 405 for everyone


@dataclass(frozen=True)
class Case:
    """One way to request a URL: its kwargs from the dataset, and who may see it."""

    label: str
    kwargs: Callable[[SimpleNamespace], dict]
    access: str
    # Token cases: whose registration (key in world.registrations) or feed the token opens.
    owner: str = ""
    # The page rightly shows restricted text to whoever holds this token (an
    # affiliate's own registration, a confirmed webinar registrant's join link).
    owner_sees_secret: bool = False
    extra: dict = field(default_factory=dict)


def _conf(w):
    return {"slug": w.conference.slug}


def _web(w):
    return {"slug": w.webinar.slug}


def _session(attr):
    return lambda w: {"slug": w.conference.slug, "pk": getattr(w, attr).pk}


def _material(session_attr, material_attr):
    return lambda w: {
        "slug": w.conference.slug,
        "pk": getattr(w, session_attr).pk,
        "material": getattr(w, material_attr).pk,
    }


def _reg_pk(w):
    return {"slug": w.conference.slug, "pk": w.registrations["guest_a"].pk}


def _token(key):
    return lambda w: {"token": w.registrations[key].manage_token}


def _each_event(access):
    return [Case("conference", _conf, access), Case("webinar", _web, access)]


def _manage_cases(access=TOKEN):
    return [
        Case("guest_a", _token("guest_a"), access, owner="guest_a"),
        Case("guest_b", _token("guest_b"), access, owner="guest_b"),
        Case(
            "guest_a_webinar",
            _token("guest_a_webinar"),
            access,
            owner="guest_a_webinar",
            owner_sees_secret=True,
        ),
        Case("affiliate", _token("affiliate"), access, owner="affiliate", owner_sees_secret=True),
    ]


def _public_photo(w):
    """A speaker photo as events/photos.py stores them, in the test run's MEDIA_ROOT."""
    folder = Path(settings.MEDIA_ROOT) / "speakers"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "matrix-photo.jpg").write_bytes(b"\xff\xd8\xff\xd9")
    return {"path": "speakers/matrix-photo.jpg"}


# Every project URL name, and how each is requested and who may open it.
ROUTES: dict[str, list[Case]] = {
    "health": [Case("", lambda w: {}, PUBLIC)],
    "favicon": [Case("", lambda w: {}, REDIRECT)],
    # Only the public folders (speaker photos); others 404 (tests/events/test_speaker_photos.py).
    "public_media": [Case("", _public_photo, PUBLIC)],
    "admin_login": [Case("", lambda w: {}, ADMIN_LOGIN)],
    "sitemap": [Case("", lambda w: {}, PUBLIC)],
    "robots": [Case("", lambda w: {}, PUBLIC)],
    # Django's language switcher without a CSRF token (ewevents/i18n.py): a GET only redirects.
    "set_language": [Case("", lambda w: {}, REDIRECT)],
    "events:home": [Case("", lambda w: {}, PUBLIC)],
    "events:past_events": [Case("", lambda w: {}, PUBLIC)],
    "events:event_detail": _each_event(PUBLIC),
    "events:programme_print": _each_event(PUBLIC),
    "events:speakers": _each_event(PUBLIC),
    "events:event_ics": _each_event(PUBLIC),
    "events:event_feed": _each_event(PUBLIC),
    "events:session_detail": [
        Case("public", _session("public"), PUBLIC),
        Case("teaser", _session("teaser"), PUBLIC),
        Case("hidden", _session("hidden"), AFFILIATES),
    ],
    "events:session_ics": [
        Case("public", _session("public"), PUBLIC),
        Case("teaser", _session("teaser"), PUBLIC),
        Case("hidden", _session("hidden"), AFFILIATES),
    ],
    # A session's uploaded file, under the rule of the session's details
    # (tests/events/test_session_materials.py): the teaser's is 404 to those who may not see it.
    "events:session_material": [
        Case("public", _material("public", "public_file"), PUBLIC),
        Case("teaser", _material("teaser", "teaser_file"), AFFILIATES),
        Case("hidden", _material("hidden", "hidden_file"), AFFILIATES),
    ],
    "events:series_detail": [Case("", lambda w: {"slug": w.webinar.series.slug}, PUBLIC)],
    "events:series_feed": [Case("", lambda w: {"slug": w.webinar.series.slug}, PUBLIC)],
    "registrations:register": _each_event(PUBLIC),
    # Without a registration just made in this session it sends back to the form.
    "registrations:register_done": _each_event(REDIRECT),
    "registrations:mine": [Case("", lambda w: {}, LOGIN)],
    "registrations:reset_calendar_feed": [Case("", lambda w: {}, POST_LOGIN)],
    "registrations:personal_feed": [
        Case(
            "affiliate",
            lambda w: {"token": w.affiliate_feed.token},
            TOKEN,
            owner="affiliate_feed",
            owner_sees_secret=True,
        )
    ],
    "registrations:manage": _manage_cases(),
    # The .ics of the sessions the registration holds (tests/registrations/test_registration_journey.py).
    "registrations:manage_ics": _manage_cases(),
    "registrations:cancel": _manage_cases(),
    # Accepting a place offered: POST only (tests/registrations/test_offers.py).
    "registrations:accept_offer": _manage_cases(POST_TOKEN),
    # GET shows the confirmation; only the POST deletes (tests/registrations/test_privacy.py).
    "registrations:delete_data": _manage_cases(),
    "registrations:privacy": [Case("", lambda w: {}, PUBLIC)],
    # GET shows the form (the series page holds it too); its POST is csrf-exempt
    # (tests/registrations/test_following.py).
    "registrations:follow_series": [Case("", lambda w: {"slug": w.webinar.series.slug}, PUBLIC)],
    # The same page for every address and visitor: it tells no one who follows.
    "registrations:follow_sent": [Case("", lambda w: {"slug": w.webinar.series.slug}, PUBLIC)],
    # GET shows a button; only its POST confirms, or unsubscribes (tests/registrations/test_following.py).
    "registrations:follow_confirm": [Case("", lambda w: {"token": w.follower.confirm_token}, TOKEN)],
    "registrations:follow_unsubscribe": [Case("", lambda w: {"token": w.follower.unsubscribe_token}, TOKEN)],
    "registrations:request_manage_link": [Case("", lambda w: {}, PUBLIC)],
    # Without a request just made in this session it sends back to the form.
    "registrations:manage_link_sent": [Case("", lambda w: {}, REDIRECT)],
    # GET shows the form; the POST returns the JSON (tests/registrations/test_privacy.py).
    "registrations:staff_personal_data": [Case("", lambda w: {}, STAFF)],
    "registrations:staff_summary": _each_event(STAFF),
    "registrations:staff_dashboard": _each_event(STAFF),
    "registrations:staff_summary_csv": [
        Case(table, lambda w, table=table: {"slug": w.conference.slug, "table": table}, STAFF)
        for table in (
            "statuses",
            "attendee-types",
            "sessions",
            "catering",
            "interpretation",
            "accessibility",
            "questions",
        )
    ],
    "registrations:staff_registrations_csv": _each_event(STAFF),
    "registrations:staff_registrations_excel": _each_event(STAFF),
    "registrations:staff_registrations_xlsx": _each_event(STAFF),
    # GET shows the form; with a format and two days, the file (tests/registrations/test_season_exports.py).
    "registrations:staff_season_export": [Case("", lambda w: {}, STAFF)],
    "registrations:staff_participant_list": _each_event(STAFF),
    "registrations:staff_badges": _each_event(STAFF),
    "registrations:checkin": _each_event(STAFF),
    "registrations:checkin_code": [Case("", _conf, POST_STAFF)],
    "registrations:checkin_present": [Case("", _reg_pk, POST_STAFF)],
    "registrations:checkin_undo": [Case("", _reg_pk, POST_STAFF)],
}


def _routed_names(patterns, namespace=""):
    """Yield (name, route) for every project pattern, skipping SKIPPED_INCLUDES."""
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            module = pattern.urlconf_name if isinstance(pattern.urlconf_name, str) else None
            module = module or getattr(pattern.urlconf_module, "__name__", None)
            if pattern.namespace in SKIPPED_INCLUDES or module in SKIPPED_INCLUDES:
                continue
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _routed_names(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern):
            yield (f"{namespace}{pattern.name}" if pattern.name else None), str(pattern.pattern)


def routed_url_names():
    return list(_routed_names(get_resolver().url_patterns))


def test_skipped_includes_are_still_routed():
    """A stale SKIP entry would hide nothing, but it would mislead: each must match an include."""
    seen = set()
    for pattern in get_resolver().url_patterns:
        if isinstance(pattern, URLResolver):
            module = pattern.urlconf_name if isinstance(pattern.urlconf_name, str) else None
            module = module or getattr(pattern.urlconf_module, "__name__", None)
            seen.update({pattern.namespace, module})
    assert set(SKIPPED_INCLUDES) <= seen


def test_every_routed_url_is_classified():
    routed = routed_url_names()
    unnamed = [route for name, route in routed if name is None]
    assert not unnamed, f"Unnamed project URL patterns cannot be classified: {unnamed}"
    names = {name for name, _route in routed}
    assert names == set(ROUTES), (
        f"Unclassified: {sorted(names - set(ROUTES))}; stale rows: {sorted(set(ROUTES) - names)}"
    )


# --- The dataset --------------------------------------------------------------------


def _build_world():
    conference = factories.EventFactory(title="Matrix Conference", slug="matrix-conference")
    start = conference.start
    public = factories.SessionFactory(
        event=conference, title="Open panel", description="Open panel description.", start=start
    )
    factories.SessionSpeakerFactory(
        session=public, speaker__name="Open Speaker", speaker__slug="open-speaker"
    )
    teaser = factories.SessionFactory(
        event=conference,
        title="Restricted conversation",
        description="SECRET teaser description",
        visibility=Session.Visibility.AFFILIATES,
        start=start.replace(hour=14),
        room="Room SECRET-ROOM",
    )
    factories.SessionSpeakerFactory(
        session=teaser, speaker__name="SECRET Teaser Speaker", speaker__slug="secret-teaser-speaker"
    )
    hidden = factories.SessionFactory(
        event=conference,
        title="SECRET hidden closed meeting",
        description="SECRET hidden description",
        visibility=Session.Visibility.HIDDEN,
        start=start.replace(hour=16),
    )
    factories.SessionSpeakerFactory(
        session=hidden, speaker__name="SECRET Hidden Speaker", speaker__slug="secret-hidden-speaker"
    )

    # Materials: titles of the restricted sessions' are restricted text too.
    def material(session, title):
        file = SimpleUploadedFile("material.pdf", b"%PDF-1.4 " + title.encode())
        factories.SessionMaterialFactory(
            session=session, title=f"{title} link", url=f"https://v.example/{title}"
        )
        return factories.SessionMaterialFactory(session=session, title=title, url="", file=file)

    public_file = material(public, "Open slides")
    teaser_file = material(teaser, "SECRET teaser slides")
    hidden_file = material(hidden, "SECRET hidden slides")
    webinar = factories.WebinarFactory(title="Matrix Webinar", slug="matrix-webinar", join_url=JOIN_URL)
    for event in (conference, webinar):
        factories.RegistrationSettingsFactory(event=event, mode=RegistrationSettings.Mode.OPEN)

    member = factories.MembershipFactory(user__email="member-matrix@affiliate.example").user
    users = {
        "non_affiliate": factories.UserFactory(email="outsider-matrix@example.net"),
        "member": member,
        "staff": factories.StaffFactory(email="staff-matrix@example.net"),
    }
    now = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)
    guest = {
        "guest_a": ("Guestalpha Leakcheck", "guest-alpha@leak.example"),
        "guest_b": ("Guestbravo Leakcheck", "guest-bravo@leak.example"),
    }

    def register(event, name, email, sessions, user=None):
        data = {
            "name": name,
            "email": email,
            "sessions": sessions,
            "participant_list_consent": True,
            "dietary_needs": f"diet of {name}",
        }
        return services.register(event=event, data=data, user=user, now=now)

    registrations = {
        "guest_a": register(conference, *guest["guest_a"], [public]),
        "guest_b": register(conference, *guest["guest_b"], [public]),
        "guest_a_webinar": register(webinar, *guest["guest_a"], []),
        "affiliate": register(conference, "Memberina Affiliate", member.email, [public, teaser], user=member),
    }
    return SimpleNamespace(
        conference=conference,
        webinar=webinar,
        public=public,
        teaser=teaser,
        hidden=hidden,
        public_file=public_file,
        teaser_file=teaser_file,
        hidden_file=hidden_file,
        users=users,
        guests=guest,
        registrations=registrations,
        affiliate_feed=feeds.calendar_feed_for(member),
        follower=SeriesFollower.objects.create(series=webinar.series, email="follower-matrix@example.net"),
    )


@pytest.fixture(scope="module")
def world(module_db, _media_folder):
    """The module's dataset, written once (rolled back after the module's last test).

    Its uploaded files go where each test's MEDIA_ROOT points (tests/conftest.py).
    """
    with override_settings(MEDIA_ROOT=_media_folder):
        return _build_world()


def _client_for(client, world, viewer):
    user = world.users.get(viewer)
    if user is not None:
        client.force_login(user)
    return client


def _redirects_to(response, url_name):
    return response.status_code == 302 and response.url.startswith(reverse(url_name))


def _matrix_params():
    for name, cases in ROUTES.items():
        for case in cases:
            for viewer in VIEWERS:
                yield pytest.param(name, case, viewer, id=f"{name}[{case.label}]-{viewer}")


def _body(response):
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode(errors="replace")
    return response.content.decode(errors="replace")


def _guest_leaks(body, world, allowed=()):
    leaks = []
    for key, (name, email) in world.guests.items():
        if key in allowed:
            continue
        leaks += [text for text in (name, email) if text.lower() in body.lower()]
    return leaks


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "case", "viewer"), list(_matrix_params()))
def test_access_matrix(world, client, name, case, viewer):
    client = _client_for(client, world, viewer)
    url = reverse(name, kwargs=case.kwargs(world))
    response = client.get(url)
    status = response.status_code
    assert status != 500

    if case.access in (PUBLIC, TOKEN):
        assert status == 200, (url, status)
    elif case.access == AFFILIATES:
        assert status == (404 if viewer in MUST_NOT_SEE_SECRET else 200), (url, status)
    elif case.access == REDIRECT:
        assert status == 302, (url, status)
    elif case.access == LOGIN:
        if viewer == "anonymous":
            assert _redirects_to(response, "account_login"), (url, status)
        else:
            assert status == 200, (url, status)
    elif case.access == STAFF:
        if viewer == "staff":
            assert status == 200, (url, status)
        elif viewer == "anonymous":
            assert _redirects_to(response, "account_login"), (url, status)
        else:
            assert shows_staff_only_page(response), (url, status)
    elif case.access == POST_LOGIN:
        if viewer == "anonymous":
            assert _redirects_to(response, "account_login"), (url, status)
        else:
            assert status == 405, (url, status)
    elif case.access == POST_TOKEN:
        assert status == 405, (url, status)
    elif case.access == POST_STAFF:
        if viewer == "staff":
            assert status == 405, (url, status)
        elif viewer == "anonymous":
            assert _redirects_to(response, "account_login"), (url, status)
        else:
            assert shows_staff_only_page(response), (url, status)
    elif case.access == ADMIN_LOGIN:
        if viewer in ("anonymous", "staff"):
            assert _redirects_to(response, "account_login"), (url, status)
        else:
            assert shows_staff_only_page(response), (url, status)
    else:  # pragma: no cover - a typo in ROUTES
        pytest.fail(f"unknown access kind {case.access}")

    body = _body(response)
    if viewer in MUST_NOT_SEE_SECRET and not (case.access == TOKEN and case.owner_sees_secret):
        assert SECRET not in body, f"{url} shows restricted text to {viewer}"
    if viewer == "staff" and case.access in (STAFF, POST_STAFF):
        return  # Staff pages list registrants; that is what they are for.
    allowed = (case.owner.removesuffix("_webinar"),) if case.access == TOKEN else ()
    assert not _guest_leaks(body, world, allowed), f"{url} shows another person's data to {viewer}"


def _refused_posts():
    for name, cases in ROUTES.items():
        for case in cases:
            if case.access == POST_LOGIN:
                yield pytest.param(name, case, "anonymous", id=f"{name}-anonymous")
            elif case.access == POST_STAFF:
                for viewer in ("anonymous", "non_affiliate", "member"):
                    yield pytest.param(name, case, viewer, id=f"{name}-{viewer}")


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "case", "viewer"), list(_refused_posts()))
def test_post_actions_refuse_who_may_not_act(world, client, name, case, viewer):
    """A POST from someone not allowed is turned away before it acts."""
    client = _client_for(client, world, viewer)
    response = client.post(reverse(name, kwargs=case.kwargs(world)), {"code": "x"})
    if viewer == "anonymous":
        assert _redirects_to(response, "account_login")
    else:
        assert shows_staff_only_page(response)
    world.registrations["guest_a"].refresh_from_db()
    assert world.registrations["guest_a"].attended_at is None


@pytest.mark.django_db
def test_the_checks_can_fail(world, client):
    """Controls: the text the matrix looks for is really on the pages of those allowed to see it."""
    client.force_login(world.users["member"])
    assert SECRET in _body(client.get(reverse("events:event_detail", kwargs=_conf(world))))
    assert SECRET in _body(client.get(reverse("events:session_detail", kwargs=_session("hidden")(world))))
    assert "SECRET teaser slides" in _body(client.get(reverse("events:event_detail", kwargs=_conf(world))))
    material = _material("teaser", "teaser_file")(world)
    assert "SECRET teaser slides" in _body(client.get(reverse("events:session_material", kwargs=material)))
    client.force_login(world.users["staff"])
    listing = _body(client.get(reverse("registrations:staff_registrations_csv", kwargs=_conf(world))))
    assert all(name in listing and email in listing for name, email in world.guests.values())


# --- Tokens: unknown ones, and another person's -------------------------------------


TOKEN_URLS = [name for name, cases in ROUTES.items() if any(case.access == TOKEN for case in cases)]


@pytest.mark.django_db
@pytest.mark.parametrize("name", TOKEN_URLS)
@pytest.mark.parametrize("viewer", VIEWERS)
def test_unknown_token_is_404(world, client, name, viewer):
    client = _client_for(client, world, viewer)
    for token in ("not-a-token", "x" * 43, world.registrations["guest_a"].manage_token[:-1]):
        assert client.get(reverse(name, kwargs={"token": token})).status_code == 404


@pytest.mark.django_db
def test_a_manage_token_does_not_open_a_calendar_feed_and_back(world, client):
    """The two kinds of token are separate secrets: neither opens the other's page."""
    manage_token = world.registrations["affiliate"].manage_token
    feed_token = world.affiliate_feed.token
    assert (
        client.get(reverse("registrations:personal_feed", kwargs={"token": manage_token})).status_code == 404
    )
    assert client.get(reverse("registrations:manage", kwargs={"token": feed_token})).status_code == 404
    assert client.get(reverse("registrations:cancel", kwargs={"token": feed_token})).status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["registrations:manage", "registrations:cancel"])
@pytest.mark.parametrize("owner", ["guest_a", "guest_b"])
def test_another_persons_manage_token_shows_only_that_person(world, client, name, owner):
    """Logged in as guest A's account-less counterpart or not, B's link shows B only, and the reverse."""
    other = "guest_b" if owner == "guest_a" else "guest_a"
    response = client.get(reverse(name, kwargs={"token": world.registrations[owner].manage_token}))
    body = _body(response)
    assert response.status_code == 200
    if name == "registrations:manage":
        assert world.guests[owner][0] in body
    assert not _guest_leaks(body, world, allowed=(owner,)), f"{other}'s data on {owner}'s page"
    assert "Memberina Affiliate" not in body


@pytest.mark.django_db
def test_personal_feed_holds_only_its_owners_registrations(world, client):
    body = _body(
        client.get(reverse("registrations:personal_feed", kwargs={"token": world.affiliate_feed.token}))
    )
    assert "Matrix Conference" in body
    assert "Matrix Webinar" not in body  # guest A's webinar registration is not the affiliate's
    assert not _guest_leaks(body, world)


@pytest.mark.django_db
def test_join_link_reaches_only_the_confirmed_registrant(world, client):
    """The join link is on guest A's webinar manage page and nowhere public."""
    manage = client.get(reverse("registrations:manage", kwargs=_token("guest_a_webinar")(world)))
    assert JOIN_URL in _body(manage)
    for name in ("events:event_detail", "events:event_ics", "events:event_feed", "registrations:register"):
        assert JOIN_URL not in _body(client.get(reverse(name, kwargs=_web(world))))


# --- Emails -----------------------------------------------------------------------------


def _every_email_of(registration):
    """Each email kind as `registration` would receive it (subject, text, HTML and .ics in one)."""
    from registrations.mailings import services as mailings
    from registrations.models import Mailing, OutboxEmail
    from registrations.signup import emails

    event = registration.event
    context = {
        OutboxEmail.Kind.TIME_CHANGED: {
            "old_times": emails.times_for(registration=registration, start=event.start, end=event.end),
            "new_times": emails.times_for(registration=registration, start=event.start, end=event.end),
        },
        OutboxEmail.Kind.RECORDING_AVAILABLE: {"attended": True, "recording_url": "https://video.example/r"},
        OutboxEmail.Kind.REMINDER: {"now": event.start - dt.timedelta(hours=1)},
    }
    for kind in OutboxEmail.Kind:
        if kind == OutboxEmail.Kind.INVITATION:
            continue  # sent before any registration exists: test_invitation_email_holds_only_the_invitation
        if kind in (OutboxEmail.Kind.LOGIN_ATTEMPTS, OutboxEmail.Kind.ACCOUNT):
            continue  # to an account's owner, about the account: no session or event in them
        if kind == OutboxEmail.Kind.FOLLOW_CONFIRM:
            continue  # to a series follower: test_follow_email_holds_only_the_followers_links
        if kind == OutboxEmail.Kind.MAILING:
            mailing = Mailing(
                event=event,
                subject="News for {{ name }}",
                body="{{ name }}, {{ event }}: {{ practical_information }} {{ manage_link }}",
            )
            rendered = mailings.render_mailing(mailing=mailing, registration=registration)
        else:
            rendered = emails.render_email(registration=registration, kind=kind, context=context.get(kind))
        yield kind, "\n".join(str(part) for part in rendered.values())


@pytest.mark.django_db
@pytest.mark.parametrize("owner", ["guest_a", "guest_a_webinar", "affiliate"])
def test_every_email_kind_holds_only_what_its_recipient_may_see(world, owner):
    registration = world.registrations[owner]
    own = owner.removesuffix("_webinar")
    others = [text for key, person in world.guests.items() if key != own for text in person]
    for kind, email in _every_email_of(registration):
        if owner != "affiliate":
            assert SECRET not in email.replace(JOIN_URL, ""), f"{kind} to {owner} shows restricted text"
        for text in others:
            assert text not in email, f"{kind} to {owner} names another guest"
        if JOIN_URL in email:
            assert owner == "guest_a_webinar", f"{kind} to {owner} carries a join link"
            assert kind in {"registered", "approved", "promoted", "changed", "time_changed", "reminder"}, kind


@pytest.mark.django_db
def test_the_email_checks_can_fail(world):
    """Controls: the affiliate's confirmation holds the restricted session they chose, and the
    webinar registrant's holds the join link."""
    affiliate = dict(_every_email_of(world.registrations["affiliate"]))
    assert "SECRET teaser description" in affiliate["registered"] or "SECRET-ROOM" in affiliate["registered"]
    webinar = dict(_every_email_of(world.registrations["guest_a_webinar"]))
    assert JOIN_URL in webinar["registered"]


@pytest.mark.django_db
def test_follow_email_holds_only_the_followers_links(world):
    from registrations.following import emails as follower_emails
    from registrations.models import OutboxEmail

    row = follower_emails.queue_confirmation(world.follower)
    rendered = "\n".join([row.subject, row.body_text, row.body_html])
    assert SECRET not in rendered
    assert world.follower.confirm_token in rendered
    assert world.follower.unsubscribe_token in rendered
    assert row.kind == OutboxEmail.Kind.FOLLOW_CONFIRM
    assert not any(text in rendered for person in world.guests.values() for text in person)


@pytest.mark.django_db
def test_invitation_email_holds_only_the_invitation(world):
    from registrations.signup import emails

    invitation = factories.InvitationFactory(event=world.webinar, name="Invited Person")
    rendered = "\n".join(str(part) for part in emails.render_invitation_email(invitation=invitation).values())
    assert SECRET not in rendered
    assert invitation.token in rendered  # their personal link
    assert not any(text in rendered for person in world.guests.values() for text in person)


# --- Django admin ---------------------------------------------------------------------


def _changelists():
    return sorted(
        f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist" for model in admin.site._registry
    )


@pytest.mark.django_db
@pytest.mark.parametrize("name", _changelists())
def test_admin_changelists_refuse_non_staff(world, client, name):
    url = reverse(name)
    assert _redirects_to(client.get(url), "admin:login")
    for viewer in ("non_affiliate", "member"):
        client.force_login(world.users[viewer])
        response = client.get(url)
        assert shows_staff_only_page(response), (viewer, response.status_code)
    client.force_login(world.users["staff"])
    assert client.get(url).status_code == 200


def _add_and_change_pages():
    for model in admin.site._registry:
        prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        yield pytest.param(model, f"{prefix}_add", id=f"{prefix}_add")
        yield pytest.param(model, f"{prefix}_change", id=f"{prefix}_change")


@pytest.mark.django_db
@pytest.mark.parametrize(("model", "name"), sorted(_add_and_change_pages(), key=lambda param: param.id))
def test_admin_add_and_change_pages_refuse_non_staff(world, client, model, name):
    if name.endswith("_change"):
        obj = model._default_manager.order_by("pk").first()
        url = reverse(name, args=[obj.pk if obj is not None else 999_999])
    else:
        url = reverse(name)
    assert _redirects_to(client.get(url), "admin:login")
    for viewer in ("non_affiliate", "member"):
        client.force_login(world.users[viewer])
        response = client.get(url)
        assert shows_staff_only_page(response), (viewer, response.status_code)
        assert shows_staff_only_page(client.post(url, {}))
    client.force_login(world.users["staff"])
    response = client.get(url)
    # 200; 403 where admin allows no adding; a missing object sends staff back to the list;
    # an add page that needs a choice first sends staff to where they make it.
    assert response.status_code in (200, 302, 403), response.status_code
    if response.status_code == 302 and not name.endswith("_change"):
        assert _redirects_to(response, ADD_PAGES_STARTED_ELSEWHERE[name])


# An email text is written for one event, kind and language, chosen on the event's list first.
ADD_PAGES_STARTED_ELSEWHERE = {"admin:registrations_emailtext_add": "admin:registrations_emailtext_event"}


@pytest.mark.django_db
def test_staff_without_the_second_factor_see_every_page_as_an_outsider_does(world, client):
    """Staff status counts only with the second factor (events/two_factor.py): with the password
    alone, restricted pages are 404 and restricted text is nowhere, as for a non-affiliate."""
    staff = factories.StaffFactory(email="staff-password-only@example.net")
    force_login_with_second_factor.password_only(client, staff)
    problems = []

    for name, cases in ROUTES.items():
        for case in cases:
            if case.access not in (PUBLIC, AFFILIATES):
                continue
            url = reverse(name, kwargs=case.kwargs(world))
            response = client.get(url)
            expected = 404 if case.access == AFFILIATES else 200
            if response.status_code != expected:
                problems.append(f"{url}: {response.status_code}, expected {expected}")
            elif SECRET in _body(response):
                problems.append(f"{url}: shows restricted text")

    assert problems == [], "\n".join(problems)
