"""Cached parts of the public pages: fewer queries, and each visitor sees what is theirs and current."""

import itertools
import json
import re

import pytest
from django.conf import settings
from django.contrib import messages
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import caches
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.template.backends.django import Template
from django.test import Client
from django.urls import reverse

from events.models import Session
from registrations.signup import services
from tests import factories

pytestmark = pytest.mark.django_db

CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def _get(client, url, **headers):
    response = client.get(url, **headers)
    assert response.status_code == 200, url
    return response.content.decode()


# A form's signed time stamp (registrations.signup.abuse.make_stamp), made when the form is shown:
# a page built for a logged-in visitor on each request gets a new one each second.
FORM_STAMP = re.compile(r'name="form_stamp" value="([^"]+)"')


def _without_csrf_tokens(content):
    """`content` without what is made anew for each request a page is built: CSRF tokens, form stamps."""
    return FORM_STAMP.sub("", CSRF_INPUT.sub("", content))


def _structured_data(content):
    match = re.search(r'<script type="application/ld\+json">(.*?)</script>', content, re.S)
    return json.loads(match.group(1))


def _spanish(client):
    client.post(reverse("set_language"), {"language": "es", "next": "/"})
    return client


def _visitor(kind):
    """A fresh client: 'anonymous', 'non_affiliate', 'affiliate', 'staff', or 'spanish_*' for Spanish."""
    client = Client()
    base = kind.removeprefix("spanish_")
    if base == "non_affiliate":
        client.force_login(factories.UserFactory())
    elif base == "affiliate":
        client.force_login(factories.MembershipFactory().user)
    elif base == "staff":
        client.force_login(factories.StaffFactory())
    return _spanish(client) if kind.startswith("spanish_") else client


def _pages(mixed):
    event = mixed.event
    return [
        event.get_absolute_url(),
        reverse("events:programme_print", kwargs={"slug": event.slug}),
        reverse("events:speakers", kwargs={"slug": event.slug}),
        mixed.teaser.get_absolute_url(),
    ]


@pytest.fixture
def mixed(conference_with_mixed_sessions):
    teaser = conference_with_mixed_sessions.teaser
    teaser.description_es = "Descripción reservada"
    teaser.save()
    return conference_with_mixed_sessions


# --- Fewer queries on the second request ----------------------------------------------------------


def _page_url(page, mixed):
    series = factories.WebinarSeriesFactory()
    factories.WebinarFactory(series=series, topics=[factories.TopicFactory()])
    factories.WebinarFactory(series=series)
    return {
        "event": mixed.event.get_absolute_url(),
        "session": mixed.public.get_absolute_url(),
        "print": reverse("events:programme_print", kwargs={"slug": mixed.event.slug}),
        "speakers": reverse("events:speakers", kwargs={"slug": mixed.event.slug}),
        "series": series.get_absolute_url(),
    }[page]


PAGES = ["event", "session", "print", "speakers", "series"]


@pytest.mark.parametrize(
    ("page", "cold"),
    # event, partners, sessions, speakers, materials, registration settings; session: event,
    # partners, session, its speakers, its materials; print and speakers: event, partners,
    # sessions, speakers; series: series, topics, webinars.
    [("event", 6), ("session", 5), ("print", 4), ("speakers", 4), ("series", 3)],
)
def test_second_anonymous_request_is_served_whole_without_a_query(
    page, cold, client, mixed, django_assert_num_queries
):
    url = _page_url(page, mixed)

    with django_assert_num_queries(cold):
        first = _get(client, url)
    with django_assert_num_queries(0):
        second = _get(client, url)

    assert _without_csrf_tokens(second) == _without_csrf_tokens(first)


@pytest.mark.parametrize(
    ("page", "cold", "warm"),
    # Each plus the session, the user and the two affiliate checks (the event page looks
    # up the events they are registered for). Then the page is built around its cached parts and
    # objects (the event page's registration settings too): the session, and on the session page
    # the session shown. The user, the affiliate check and their events are cached per user.
    [("event", 11, 1), ("session", 9, 2), ("print", 8, 1), ("speakers", 8, 1), ("series", 7, 1)],
)
def test_logged_in_visitors_get_pages_built_from_cached_parts(
    page, cold, warm, mixed, django_assert_num_queries
):
    client = _visitor("non_affiliate")
    url = _page_url(page, mixed)

    with django_assert_num_queries(cold):
        first = _get(client, url)
    with django_assert_num_queries(warm):
        second = _get(client, url)

    assert _without_csrf_tokens(second) == _without_csrf_tokens(first)
    assert "Log out" in second


def test_whole_anonymous_pages_are_never_served_to_someone_logged_in(mixed):
    url = mixed.event.get_absolute_url()
    assert "SECRET teaser description" not in _get(Client(), url)  # cached now, for anonymous visitors

    affiliate = _visitor("affiliate")
    content = _get(affiliate, url)

    assert "SECRET teaser description" in content
    assert "Log out" in content


def test_a_query_string_or_waiting_messages_build_the_page_afresh(client, mixed, django_assert_num_queries):
    url = mixed.event.get_absolute_url()
    _get(client, url)

    # Not the whole page, but the page around its cached event, parts and registration settings:
    # no query, and what is this request's own is on it.
    with django_assert_num_queries(0):
        content = _get(client, url + "?utm_source=newsletter")
    assert f'name="next" value="{url}?utm_source=newsletter"' in content
    client.cookies["messages"] = _messages_cookie("A message waiting for you")
    with django_assert_num_queries(0):
        content = _get(client, url)
    assert "A message waiting for you" in content


def _messages_cookie(text):
    """The cookie in which a message waits for the visitor's next page."""
    storage = CookieStorage(HttpRequest())
    storage.add(messages.INFO, text)
    response = HttpResponse()
    storage.update(response)
    return response.cookies["messages"].value


def test_affiliate_second_request_skips_programme_queries(mixed, django_assert_num_queries):
    client = _visitor("affiliate")
    _get(client, mixed.event.get_absolute_url())

    # The session only: the event, its parts and registration settings come from the cache; the
    # user, the affiliate check and the events they are registered for are cached per user.
    with django_assert_num_queries(1):
        content = _get(client, mixed.event.get_absolute_url())

    assert "SECRET teaser description" in content


def test_a_registered_affiliates_second_request_shows_their_registration_without_a_query_for_it(
    mixed, django_assert_num_queries
):
    factories.RegistrationSettingsFactory(event=mixed.event)
    member = factories.MembershipFactory().user
    registration = services.register(
        event=mixed.event, data={"name": "Ana", "email": member.email}, user=member
    )
    client = Client()
    client.force_login(member)
    _get(client, mixed.event.get_absolute_url())

    # The session only: their registration's status and manage link are kept for their account.
    with django_assert_num_queries(1):
        content = _get(client, mixed.event.get_absolute_url())

    assert "You are registered: confirmed." in content
    assert registration.manage_token in content


def test_a_registered_visitors_event_page_reads_the_cache_in_two_round_trips(mixed, monkeypatch):
    factories.RegistrationSettingsFactory(event=mixed.event)
    member = factories.MembershipFactory().user
    services.register(event=mixed.event, data={"name": "Ana", "email": member.email}, user=member)
    client = Client()
    client.force_login(member)
    url = mixed.event.get_absolute_url()
    _get(client, url)
    reads = _cache_reads(monkeypatch)

    content = _get(client, url)

    # As for a visitor without a registration: their registrations and the event's registration
    # settings come with the read ahead.
    assert len(reads) == 2, "\n".join(map(str, reads))
    assert "You are registered: confirmed." in content


def test_a_registrants_box_follows_a_promotion_from_the_waiting_list(mixed):
    """The waiting list promotes with a queryset update(), which sends no signal."""
    factories.RegistrationSettingsFactory(event=mixed.event, capacity=1)
    first = services.register(event=mixed.event, data={"name": "Bea", "email": "bea@example.org"}, user=None)
    waiting = factories.UserFactory()
    services.register(event=mixed.event, data={"name": "Ana", "email": waiting.email}, user=waiting)
    client = Client()
    client.force_login(waiting)
    assert "You are registered: waitlisted." in _get(client, mixed.event.get_absolute_url())

    services.cancel_registration(registration=first)

    assert "You are registered: confirmed." in _get(client, mixed.event.get_absolute_url())


def _cache_reads(monkeypatch):
    """The keys of each read from the default cache from now on: one list per round trip."""
    backend = caches["default"]
    reads = []
    inside = []  # the local-memory backend's get_many calls its get: one round trip on Redis

    def counted(method, keys_of):
        def read(key_or_keys, *args, **kwargs):
            if not inside:
                reads.append(keys_of(key_or_keys))
            inside.append(True)
            try:
                return method(key_or_keys, *args, **kwargs)
            finally:
                inside.pop()

        return read

    monkeypatch.setattr(backend, "get", counted(backend.get, lambda key: [key]))
    monkeypatch.setattr(backend, "get_many", counted(backend.get_many, list))
    return reads


@pytest.mark.parametrize("kind", ["affiliate", "non_affiliate", "staff"])
def test_an_event_page_built_for_a_logged_in_visitor_reads_the_cache_in_two_round_trips(
    kind, mixed, monkeypatch
):
    client = _visitor(kind)
    url = mixed.event.get_absolute_url()
    _get(client, url)
    reads = _cache_reads(monkeypatch)

    content = _get(client, url)

    # The user; then at once the event, the scopes' versions, who the viewer is, their events
    # and the parts as each kind of viewer they may be sees them (issue 14: seven round trips
    # became three; issue 20: two).
    assert len(reads) == 2, "\n".join(map(str, reads))
    assert any(key.startswith("events:object:event:") for key in reads[1])
    kinds = {"staff": ["staff"]}.get(kind, ["affiliate", "public"])
    slug, user_pk = mixed.event.slug, client.session["_auth_user_id"]
    # The event's part, the box of those without a registration and the visitor's own box, should
    # they hold one: events:part:<name>:<kind>:<language>.
    names = [f"event:{slug}", f"registration-box:{slug}", f"registration-box:{slug}:{user_pk}"]
    parts = sorted(key.removeprefix("events:part:") for key in reads[1] if key.startswith("events:part:"))
    assert parts == sorted(f"{name}:{each}:en" for name in names for each in kinds)
    assert ("SECRET teaser description" in content) is (kind != "non_affiliate")


def test_searched_series_page_is_built_afresh(client, django_assert_num_queries):
    series = factories.WebinarSeriesFactory()
    factories.WebinarFactory(series=series, title="Due diligence webinar")
    factories.WebinarFactory(series=series, title="Procurement webinar")
    url = series.get_absolute_url() + "?q=diligence"
    _get(client, url)

    # The topics and the webinars; the series itself is cached since the first request.
    with django_assert_num_queries(2):
        content = _get(client, url)

    assert "Due diligence webinar" in content
    assert "Procurement webinar" not in content


# --- A rendering is served to its own kind of viewer only ----------------------------------------


VISITORS = ["anonymous", "non_affiliate", "affiliate", "spanish_anonymous", "spanish_affiliate"]


@pytest.mark.parametrize("first", VISITORS)
def test_restricted_details_reach_affiliates_only_whoever_came_first(first, mixed):
    clients = {kind: _visitor(kind) for kind in VISITORS}
    for url in _pages(mixed):
        _get(clients[first], url)

    for kind, client in clients.items():
        for url in _pages(mixed):
            content = _get(client, url)
            sees = kind in {"affiliate", "spanish_affiliate"}
            with_details = "/speakers/" not in url  # the speakers page has no descriptions or rooms
            assert ("Secret Speaker" in content) == sees, (kind, url)
            assert ("SECRET-ROOM" in content) == (sees and with_details), (kind, url)
            assert ("SECRET teaser description" in content) == (kind == "affiliate" and with_details)
            assert ("Descripción reservada" in content) == (kind == "spanish_affiliate" and with_details)
            if not kind.startswith("spanish_"):
                login_note = kind == "anonymous" and with_details
                assert ("Log in to see the details" in content) == login_note, (kind, url)


@pytest.mark.parametrize("order", list(itertools.permutations(["staff", "affiliate", "anonymous"])))
def test_draft_webinars_reach_staff_only_whoever_came_first(order):
    series = factories.WebinarSeriesFactory()
    factories.WebinarFactory(series=series, title="Published webinar")
    factories.WebinarFactory(series=series, title="Draft webinar", status="draft")
    clients = {kind: _visitor(kind) for kind in order}

    for kind in order:
        content = _get(clients[kind], series.get_absolute_url())

        assert "Published webinar" in content
        assert ("Draft webinar" in content) == (kind == "staff"), kind


# --- A change shows on the next request ---------------------------------------------------------


def test_session_edits_show_on_the_next_request(client, mixed):
    url = mixed.event.get_absolute_url()
    assert "Open panel description." in _get(client, url)

    mixed.public.title = "Renamed panel"
    mixed.public.description = "A new description."
    mixed.public.save()
    content = _get(client, url)
    assert "Renamed panel" in content
    assert "A new description." in content
    assert "Open panel description." not in content
    assert "A new description." in _get(client, mixed.public.get_absolute_url())

    mixed.public.visibility = Session.Visibility.AFFILIATES
    mixed.public.save()
    assert "A new description." not in _get(client, url)
    assert "A new description." not in _get(client, mixed.public.get_absolute_url())


def test_speaker_edits_and_new_speakers_show_on_the_next_request(client, mixed):
    added = factories.SpeakerFactory(name="Added Speaker")
    speakers_url = reverse("events:speakers", kwargs={"slug": mixed.event.slug})
    assert "Open Speaker" in _get(client, speakers_url)
    assert "Open Speaker" in _get(client, mixed.public.get_absolute_url())

    speaker = mixed.public.speakers.get()
    speaker.name = "Renamed Speaker"
    speaker.save()
    urls = (speakers_url, mixed.public.get_absolute_url(), mixed.event.get_absolute_url())
    for url in urls:
        content = _get(client, url)
        assert "Renamed Speaker" in content
        assert "Open Speaker" not in content

    mixed.public.speakers.add(added)
    for url in urls:
        assert "Added Speaker" in _get(client, url)


def test_venue_and_event_edits_show_in_the_structured_data_on_the_next_request(client, mixed):
    url = mixed.event.get_absolute_url()
    _get(client, url)

    mixed.event.venue.name = "New Hall"
    mixed.event.venue.save()
    mixed.event.title = "Renamed Conference"
    mixed.event.save()

    data = _structured_data(_get(client, url))
    assert data["name"] == "Renamed Conference"
    assert data["location"]["name"] == "New Hall"


def test_new_topic_on_a_webinar_shows_on_the_series_page(client):
    webinar = factories.WebinarFactory()
    topic = factories.TopicFactory(name="Cobalt mining")
    _get(client, webinar.series.get_absolute_url())

    webinar.topics.add(topic)

    assert "Cobalt mining" in _get(client, webinar.series.get_absolute_url())


def test_user_who_becomes_affiliate_sees_restricted_details_on_the_next_request(client, mixed):
    user = factories.UserFactory()
    client.force_login(user)
    url = mixed.teaser.get_absolute_url()
    assert "SECRET teaser description" not in _get(client, url)

    factories.MembershipFactory(user=user)

    assert "SECRET teaser description" in _get(client, url)
    assert "SECRET teaser description" in _get(client, mixed.event.get_absolute_url())


# --- What is personal is rendered for each visitor ----------------------------------------------


def _switcher_fields(content):
    """What a browser posts from the language switcher, besides the button: its hidden inputs."""
    form = re.search(r'<form method="post" action="/i18n/setlang/".*?</form>', content, re.S).group(0)
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', form))


def test_language_switcher_works_for_each_visitor_of_a_cached_page(mixed):
    url = mixed.event.get_absolute_url()
    for _ in range(2):
        client = Client(enforce_csrf_checks=True)
        fields = _switcher_fields(_get(client, url))

        response = client.post(reverse("set_language"), {**fields, "language": "es"})

        assert response.status_code == 302
        assert 'lang="es"' in _get(client, url)


def test_own_registration_and_places_left_are_current_on_a_cached_page(mixed):
    factories.RegistrationSettingsFactory(event=mixed.event, capacity=10)
    registrant, other = factories.UserFactory(), factories.UserFactory()
    anonymous, registrant_client, other_client = Client(), Client(), Client()
    registrant_client.force_login(registrant)
    other_client.force_login(other)
    url = mixed.event.get_absolute_url()
    assert "10 places left." in _get(anonymous, url)
    assert "You are registered" not in _get(other_client, url)

    services.register(event=mixed.event, data={"name": "Ana", "email": registrant.email}, user=registrant)

    assert "9 places left." in _get(anonymous, url)
    assert "You are registered" in _get(registrant_client, url)
    assert "You are registered" not in _get(other_client, url)


@pytest.mark.parametrize("registrant_first", [True, False])
def test_a_registrants_own_box_never_reaches_another_affiliate(registrant_first, mixed):
    registrant, other = factories.MembershipFactory().user, factories.MembershipFactory().user
    registration = services.register(
        event=mixed.event, data={"name": "Ana", "email": registrant.email}, user=registrant
    )
    registrant_client, other_client = Client(), Client()
    registrant_client.force_login(registrant)
    other_client.force_login(other)
    url = mixed.event.get_absolute_url()
    order = [registrant_client, other_client] if registrant_first else [other_client, registrant_client]

    for _ in range(2):  # built, then from the cache
        for client in order:
            content = _get(client, url)
            own = client is registrant_client
            assert ("You are registered" in content) == own
            assert (registration.manage_token in content) == own
            assert "SECRET teaser description" in content
            assert "<!--hole" not in content


def test_a_registrants_box_on_a_cached_page_follows_their_registration_and_cancellation(mixed):
    registrant = factories.UserFactory()
    client = Client()
    client.force_login(registrant)
    url = mixed.event.get_absolute_url()
    assert "You are registered" not in _get(client, url)  # cached: the page, and their events
    registration = services.register(
        event=mixed.event, data={"name": "Ana", "email": registrant.email}, user=registrant
    )
    assert "You are registered" in _get(client, url)

    services.cancel_registration(registration=registration)

    content = _get(client, url)
    assert "You are registered" not in content
    assert "Registration is open." in content


def test_each_logged_in_visitor_can_log_out_from_a_cached_page(mixed):
    url = mixed.event.get_absolute_url()
    for _ in range(2):
        client = Client(enforce_csrf_checks=True)
        client.force_login(factories.MembershipFactory().user)
        token = CSRF_INPUT.search(_get(client, url)).group(1)

        response = client.post(reverse("account_logout"), {"csrfmiddlewaretoken": token})

        assert response.status_code == 302
        assert "Log out" not in _get(client, url)


def test_the_message_after_logging_in_shows_on_a_cached_page_once(mixed):
    url = mixed.event.get_absolute_url()
    _get(_visitor("affiliate"), url)  # the affiliates' page is cached
    member = factories.MembershipFactory().user
    client = Client()

    response = client.post(
        reverse("account_login") + f"?next={url}",
        {"login": member.email, "password": factories.DEFAULT_PASSWORD},
        follow=True,
    )

    assert response.redirect_chain[-1][0] == url
    assert "Successfully signed in" in response.content.decode()
    content = _get(client, url)
    assert "Successfully signed in" not in content
    assert "SECRET teaser description" in content


@pytest.mark.parametrize("registrant_first", [True, False])
def test_a_page_cached_whole_never_holds_anyones_registration(
    registrant_first, mixed, django_assert_num_queries
):
    registrant = factories.UserFactory()
    registration = services.register(
        event=mixed.event, data={"name": "Ana", "email": registrant.email}, user=registrant
    )
    registrant_client = Client()
    registrant_client.force_login(registrant)
    url = mixed.event.get_absolute_url()
    if registrant_first:
        assert registration.manage_token in _get(registrant_client, url)

    _get(Client(), url)
    with django_assert_num_queries(0):
        content = _get(Client(), url)

    assert "You are registered" not in content
    assert registration.manage_token not in content
    assert "Registration is open." in content
    assert registration.manage_token in _get(registrant_client, url)


def test_a_page_cached_whole_carries_no_cookie_and_no_csrf_token(client, mixed):
    url = mixed.event.get_absolute_url()
    first = client.get(url)
    second = client.get(url)

    for response in (first, second):
        assert not response.cookies
        assert "csrfmiddlewaretoken" not in response.content.decode()
    assert second.content == first.content


def test_visitors_with_a_session_get_the_page_built_for_them(mixed, django_assert_num_queries):
    url = mixed.event.get_absolute_url()
    _get(Client(), url)  # cached whole for visitors without a session
    client = Client()
    client.cookies[settings.SESSION_COOKIE_NAME] = "a-session-that-has-ended"

    # The page around its cached parts: the session only.
    with django_assert_num_queries(1):
        content = _get(client, url)

    assert "Log in" in content


# --- No query runs while a template renders -----------------------------------------------------


@pytest.fixture
def queries_while_rendering(monkeypatch):
    """The SQL of every query run while a template renders; views and selectors must load everything first."""
    queries = []
    render = Template.render

    def record(execute, sql, params, many, context):
        queries.append(sql)
        return execute(sql, params, many, context)

    def render_recording_queries(self, context=None, request=None):
        with connection.execute_wrapper(record):
            return render(self, context, request)

    monkeypatch.setattr(Template, "render", render_recording_queries)
    return queries


@pytest.mark.parametrize("kind", ["anonymous", "non_affiliate", "affiliate", "staff"])
def test_main_pages_run_no_query_while_rendering(kind, mixed, queries_while_rendering):
    factories.RegistrationSettingsFactory(event=mixed.event, capacity=10)
    series = factories.WebinarSeriesFactory()
    webinar = factories.WebinarFactory(series=series, topics=[factories.TopicFactory()])
    urls = [
        reverse("events:home"),
        reverse("events:past_events"),
        *_pages(mixed),
        mixed.public.get_absolute_url(),
        series.get_absolute_url(),
        series.get_absolute_url() + "?q=webinar",
        webinar.get_absolute_url(),
    ]
    client = _visitor(kind)

    for url in urls * 2:  # built, then from the cache
        _get(client, url)

    assert queries_while_rendering == []


def test_a_cached_calendar_file_keeps_its_type_and_name(client, mixed, django_assert_num_queries):
    url = reverse("events:event_ics", kwargs={"slug": mixed.event.slug})
    first = client.get(url)

    with django_assert_num_queries(0):
        second = client.get(url)

    assert second.content == first.content
    for header in ("Content-Type", "Content-Disposition"):
        assert second[header] == first[header]
    assert "SECRET" not in second.content.decode()


@pytest.mark.parametrize("first", ["affiliate", "non_affiliate"])
def test_a_logged_in_visitors_calendar_file_comes_from_the_cache_of_their_kind(
    first, mixed, django_assert_num_queries
):
    url = reverse("events:event_ics", kwargs={"slug": mixed.event.slug})
    clients = {kind: _visitor(kind) for kind in ("affiliate", "non_affiliate")}
    clients[first].get(url)

    for kind, client in clients.items():
        client.get(url)
        with django_assert_num_queries(1):  # the session: the user and the file are cached
            content = client.get(url).content.decode()

        assert ("Hidden closed meeting" in content) == (kind == "affiliate")
        assert "Restricted conversation" in content


def test_losing_a_membership_takes_restricted_details_away_on_the_next_request(mixed):
    membership = factories.MembershipFactory()
    client = Client()
    client.force_login(membership.user)
    url = mixed.teaser.get_absolute_url()
    assert "SECRET teaser description" in _get(client, url)

    membership.delete()

    assert "SECRET teaser description" not in _get(client, url)


def test_a_verified_address_on_an_affiliate_domain_counts_from_the_next_request(mixed):
    from allauth.account.models import EmailAddress

    domain = factories.OrganisationDomainFactory()
    user = factories.UserFactory(email=f"someone@{domain.domain}", verified_email=False)
    client = Client()
    client.force_login(user)
    url = mixed.teaser.get_absolute_url()
    assert "SECRET teaser description" not in _get(client, url)

    EmailAddress.objects.filter(user=user).update(verified=True)  # no signal: not yet seen
    address = EmailAddress.objects.get(user=user)
    address.save()  # as allauth saves it when the link in the email is opened

    assert "SECRET teaser description" in _get(client, url)


def test_the_affiliate_check_is_cached_between_requests(mixed, django_assert_num_queries):
    client = _visitor("affiliate")
    url = mixed.teaser.get_absolute_url()
    _get(client, url)

    # The session, then the session shown, around its cached details: no user, no affiliate checks
    with django_assert_num_queries(2):
        _get(client, url)


# --- What turns with the clock turns on time ------------------------------------------------------


def _soon(seconds=2.5):
    import datetime as dt

    from django.utils import timezone

    return timezone.now() + dt.timedelta(seconds=seconds)


def _after(moment):
    import time

    from django.utils import timezone

    time.sleep(max((moment - timezone.now()).total_seconds(), 0) + 0.2)


def test_a_cached_event_page_says_registration_is_open_as_soon_as_it_opens(client, mixed):
    opens_at = _soon()
    factories.RegistrationSettingsFactory(event=mixed.event, opens_at=opens_at)
    url = mixed.event.get_absolute_url()
    assert "Registration is not open yet." in _get(client, url)
    assert "Registration is not open yet." in _get(client, url)  # from the cache

    _after(opens_at)

    assert "Registration is open." in _get(client, url)


def test_a_logged_in_visitors_registration_box_follows_places_and_opening_time(mixed):
    opens_at = _soon()
    factories.RegistrationSettingsFactory(event=mixed.event, opens_at=opens_at, capacity=10)
    client = _visitor("affiliate")
    url = mixed.event.get_absolute_url()
    assert "Registration is not open yet." in _get(client, url)
    assert "Registration is not open yet." in _get(client, url)  # the box from the cache

    _after(opens_at)
    assert "10 places left." in _get(client, url)
    registrant = factories.UserFactory()
    services.register(event=mixed.event, data={"name": "Ana", "email": registrant.email}, user=registrant)

    assert "9 places left." in _get(client, url)


def test_the_cached_home_page_drops_an_event_as_soon_as_it_ends(client):
    ending = factories.EventFactory(title="Ending webinar", start=_soon(-3600), end=_soon())
    factories.EventFactory(title="Later conference")
    url = reverse("events:home")
    assert "Ending webinar" in _get(client, url)

    _after(ending.end)

    content = _get(client, url)
    assert "Ending webinar" not in content
    assert "Later conference" in content


def test_the_cached_series_page_moves_a_webinar_to_the_past_as_soon_as_it_ends(client):
    series = factories.WebinarSeriesFactory()
    ending = factories.WebinarFactory(series=series, title="Ending webinar", start=_soon(-3600), end=_soon())
    url = series.get_absolute_url()
    assert "No past webinars yet." in _get(client, url)
    assert "No past webinars yet." in _get(client, url)  # from the cache

    _after(ending.end)

    content = _get(client, url)
    assert "No upcoming webinars yet." in content
    assert "Ending webinar" in content


def test_the_cached_past_events_page_lists_an_event_as_soon_as_it_ends(client):
    ending = factories.EventFactory(title="Ending webinar", start=_soon(-3600), end=_soon())
    url = reverse("events:past_events")
    assert "Ending webinar" not in _get(client, url)
    assert "Ending webinar" not in _get(client, url)  # from the cache

    _after(ending.end)

    assert "Ending webinar" in _get(client, url)


def test_a_logged_in_visitors_series_page_moves_a_webinar_to_the_past_as_soon_as_it_ends():
    client = _visitor("non_affiliate")
    series = factories.WebinarSeriesFactory()
    ending = factories.WebinarFactory(series=series, title="Ending webinar", start=_soon(-3600), end=_soon())
    url = series.get_absolute_url()
    assert "No past webinars yet." in _get(client, url)
    assert "No past webinars yet." in _get(client, url)  # built around its part from the cache

    _after(ending.end)

    content = _get(client, url)
    assert "No upcoming webinars yet." in content
    assert "Ending webinar" in content
