"""The registration form against bots and floods: honeypot, minimum fill time, rate limit."""

import re
import time

import pytest
from celery.app.task import Task
from django.core import signing
from django.core.cache import cache
from django.urls import reverse

from registrations.models import OutboxEmail, Registration
from registrations.signup import abuse, emails, services
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _stub_email_rendering(monkeypatch):
    monkeypatch.setattr(
        emails,
        "render_email",
        lambda *, registration, kind, **_: {"subject": str(kind), "body_text": str(kind)},
    )


@pytest.fixture
def event():
    return factories.EventFactory()


def register_url(event):
    return reverse("registrations:register", kwargs={"slug": event.slug})


def shown_stamp(client, event):
    """The signed time stamp of the form as the page shows it."""
    content = client.get(register_url(event)).content.decode()
    return re.search(r'name="form_stamp" value="([^"]+)"', content).group(1)


def form_data(email="ana@example.com", **extra):
    return {
        "name": "Ana Guest",
        "email": email,
        "time_zone": "Europe/Brussels",
        "language": "en",
        "privacy_consent": "on",
        **extra,
    }


def stamp_shown_ago(event, seconds):
    """The stamp the page would have shown `seconds` ago."""

    class EarlierSigner(signing.TimestampSigner):
        def timestamp(self):
            return signing.b62_encode(int(time.time()) - seconds)

    return EarlierSigner(salt=abuse.STAMP_SALT).sign(str(event.pk))


def post(client, event, data, **extra):
    return client.post(register_url(event), data, **extra)


def test_form_shows_a_hidden_honeypot_and_a_stamp(client, event):
    content = client.get(register_url(event)).content.decode()

    field = re.search(r"<input[^>]*name=\"website\"[^>]*>", content).group(0)
    assert 'tabindex="-1"' in field
    assert 'autocomplete="off"' in field
    assert "style=" not in field
    wrapper = content[: content.index(field)].rsplit("<div", 2)[-2:]
    assert any("visually-hidden" in part for part in wrapper)
    assert "Leave this field empty" in content
    assert re.search(r'name="form_stamp" value="[^"]+"', content)


def test_filled_honeypot_is_refused_and_stores_nothing(client, event):
    response = post(
        client, event, form_data(form_stamp=stamp_shown_ago(event, 60), website="http://spam.example")
    )

    assert response.status_code == 200
    assert "We could not accept this form" in response.content.decode()
    assert not Registration.objects.exists()


def test_form_sent_too_fast_is_refused_and_stores_nothing(client, event):
    # The stamp the page shows, sent straight back.
    response = post(client, event, form_data(form_stamp=shown_stamp(client, event)))

    assert response.status_code == 200
    assert "sent too quickly" in response.content.decode()
    assert not Registration.objects.exists()


@pytest.mark.parametrize("stamp", ["", "garbage", "tampered"])
def test_missing_or_tampered_stamp_is_refused(client, event, stamp):
    if stamp == "tampered":
        value, rest = stamp_shown_ago(event, 60).split(":", 1)
        stamp = f"{int(value) + 1}:{rest}"

    response = post(client, event, form_data(form_stamp=stamp))

    assert response.status_code == 200
    assert "has expired or was changed" in response.content.decode()
    assert not Registration.objects.exists()


def test_stamp_for_another_event_is_refused(client, event):
    other = factories.EventFactory()
    stamp = stamp_shown_ago(other, 60)

    response = post(client, event, form_data(form_stamp=stamp))

    assert "has expired or was changed" in response.content.decode()
    assert not Registration.objects.exists()


def test_form_filled_at_a_human_pace_registers(client, event):
    response = post(client, event, form_data(form_stamp=stamp_shown_ago(event, 5)), follow=True)

    assert response.redirect_chain[-1][0] == reverse(
        "registrations:register_done", kwargs={"slug": event.slug}
    )
    assert Registration.objects.filter(email="ana@example.com").count() == 1


def test_minimum_fill_time_follows_the_setting(client, event, settings):
    settings.REGISTRATION_MIN_FILL_SECONDS = 20
    too_soon = post(client, event, form_data(form_stamp=stamp_shown_ago(event, 10)))
    assert "sent too quickly" in too_soon.content.decode()

    post(client, event, form_data(form_stamp=stamp_shown_ago(event, 25)))
    assert Registration.objects.count() == 1


def test_eleventh_post_from_one_address_is_429_and_another_address_is_not(client, event, settings):
    settings.REGISTRATION_MIN_FILL_SECONDS = 0
    settings.REGISTRATION_RATE_LIMIT = "10/h"
    attacker = {"REMOTE_ADDR": "203.0.113.7"}
    for n in range(10):
        response = client.post(register_url(event), form_data(f"bot{n}@example.com"), **attacker)
        assert response.status_code == 302
    assert Registration.objects.count() == 10

    blocked = client.post(register_url(event), form_data("bot10@example.com"), **attacker)

    assert blocked.status_code == 429
    content = blocked.content.decode()
    assert "Too many attempts" in content
    assert "<h1>" in content
    assert blocked["Retry-After"] == "3600"
    assert not Registration.objects.filter(email="bot10@example.com").exists()

    other = client.post(register_url(event), form_data("person@example.com"), REMOTE_ADDR="198.51.100.2")
    assert other.status_code == 302
    assert Registration.objects.filter(email="person@example.com").exists()


def test_rate_limit_window_passes(client, event, settings):
    settings.REGISTRATION_MIN_FILL_SECONDS = 0
    settings.REGISTRATION_RATE_LIMIT = (2, 60)
    for n in range(2):
        client.post(register_url(event), form_data(f"p{n}@example.com"))
    assert client.post(register_url(event), form_data("p2@example.com")).status_code == 429


def test_429_page_is_translated(client, event, settings):
    settings.REGISTRATION_MIN_FILL_SECONDS = 0
    settings.REGISTRATION_RATE_LIMIT = (0, 60)

    response = client.post(register_url(event), form_data(), HTTP_ACCEPT_LANGUAGE="es")

    assert response.status_code == 429
    assert "Demasiados intentos" in response.content.decode()


@pytest.mark.parametrize(
    ("rate", "parsed"),
    [("10/h", (10, 3600)), ("5/30m", (5, 1800)), ("100/d", (100, 86400)), ((3, 60), (3, 60)), ("", None)],
)
def test_rate_setting_forms(rate, parsed):
    assert abuse.parse_rate(rate) == parsed


def test_manage_form_has_no_bot_fields(client, event):
    registration = services.register(event=event, data={"name": "Ana", "email": "ana@example.com"})
    url = reverse("registrations:manage", kwargs={"token": registration.manage_token})
    content = client.get(url).content.decode()

    assert 'name="website"' not in content
    assert 'name="form_stamp"' not in content


def flood_page_cache(entries=400):
    """What 320 page views or link requests to different addresses do to the pages' cache."""
    for n in range(entries):
        cache.set(f"flood:{n}", "x" * 10)


def test_a_flood_that_fills_the_page_cache_does_not_reset_the_limit(client, event, settings):
    settings.REGISTRATION_MIN_FILL_SECONDS = 0
    settings.REGISTRATION_RATE_LIMIT = (2, 3600)
    for n in range(2):
        assert post(client, event, form_data(f"p{n}@example.com")).status_code == 302

    flood_page_cache()
    blocked = post(client, event, form_data("p2@example.com"))

    assert blocked.status_code == 429
    assert not Registration.objects.filter(email="p2@example.com").exists()


def test_behind_a_trusted_proxy_each_visitor_has_a_bucket_of_their_own(client, event, settings):
    settings.REGISTRATION_MIN_FILL_SECONDS = 0
    settings.REGISTRATION_RATE_LIMIT = (2, 3600)
    settings.TRUSTED_PROXY_HOPS = 1
    proxy = {"REMOTE_ADDR": "10.0.0.2"}
    for n in range(2):
        # What a client writes into the header itself (left of the proxy's entry) is not believed.
        header = f"198.51.100.{n}, 203.0.113.7"
        assert (
            post(
                client, event, form_data(f"bot{n}@example.com"), HTTP_X_FORWARDED_FOR=header, **proxy
            ).status_code
            == 302
        )

    blocked = post(client, event, form_data("bot2@example.com"), HTTP_X_FORWARDED_FOR="203.0.113.7", **proxy)
    other = post(client, event, form_data("person@example.com"), HTTP_X_FORWARDED_FOR="192.0.2.44", **proxy)

    assert (blocked.status_code, other.status_code) == (429, 302)
    assert sorted(Registration.objects.values_list("email", flat=True)) == [
        "bot0@example.com",
        "bot1@example.com",
        "person@example.com",
    ]


def test_without_trusted_proxies_a_forged_forwarded_header_does_not_escape_the_limit(client, event, settings):
    settings.REGISTRATION_MIN_FILL_SECONDS = 0
    settings.REGISTRATION_RATE_LIMIT = (2, 3600)
    statuses = [
        post(client, event, form_data(f"bot{n}@example.com"), HTTP_X_FORWARDED_FOR=f"192.0.2.{n}").status_code
        for n in range(3)
    ]

    assert statuses == [302, 302, 429]


def test_ipv6_visitors_are_counted_by_their_64_network(client, event, settings):
    settings.REGISTRATION_MIN_FILL_SECONDS = 0
    settings.REGISTRATION_RATE_LIMIT = (2, 3600)
    statuses = [
        post(
            client, event, form_data(f"bot{n}@example.com"), REMOTE_ADDR=f"2001:db8:1:2::{n + 1:x}"
        ).status_code
        for n in range(3)
    ]
    neighbour = post(client, event, form_data("person@example.com"), REMOTE_ADDR="2001:db8:1:3::1")

    assert statuses == [302, 302, 429]
    assert neighbour.status_code == 302


def test_registering_again_from_many_addresses_mails_the_address_only_up_to_the_cap(client, event, settings):
    settings.REGISTRATION_MIN_FILL_SECONDS = 0
    settings.LINK_EMAILS_PER_ADDRESS = "3/h"
    services.register(event=event, data={"name": "Victim", "email": "victim@example.com"})

    statuses = [
        post(client, event, form_data("victim@example.com"), REMOTE_ADDR=f"198.51.100.{n}").status_code
        for n in range(8)
    ]

    assert statuses == [302] * 8  # each sees what a new registration would
    links = OutboxEmail.objects.filter(kind=OutboxEmail.Kind.MANAGE_LINK, to_email="victim@example.com")
    assert links.count() == 3
    assert Registration.objects.filter(email="victim@example.com").count() == 1


def test_registering_again_leaves_the_lookup_and_the_email_to_a_worker(client, event, settings, monkeypatch):
    settings.REGISTRATION_MIN_FILL_SECONDS = 0
    victim = services.register(event=event, data={"name": "Victim", "email": "victim@example.com"})
    OutboxEmail.objects.all().delete()
    queued = []
    # A broker: tasks wait for a worker instead of running while the page answers.
    monkeypatch.setattr(
        Task, "apply_async", lambda task, kwargs=None, **_: queued.append((task.name, kwargs))
    )

    response = post(client, event, form_data("victim@example.com"))

    assert response.status_code == 302
    assert queued == [("registrations.send_manage_link", {"registration_id": victim.pk})]
    assert not OutboxEmail.objects.exists()  # no email rendered or written while the page answered
