import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from registrations.models import CalendarFeedToken, OutboxEmail, Registration, RegistrationSettings
from registrations.signup import emails, services
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_minimum_fill_time(settings):
    """These tests post the form at once, as no person could: the bot checks have their own tests."""
    settings.REGISTRATION_MIN_FILL_SECONDS = 0


@pytest.fixture(autouse=True)
def _stub_email_rendering(monkeypatch):
    """These tests are about pages: outbox rows are asserted by kind, never by their rendering."""
    monkeypatch.setattr(
        emails,
        "render_email",
        lambda *, registration, kind, **_: {"subject": str(kind), "body_text": str(kind)},
    )


def form_data(email="ana@example.com", **extra):
    return {
        "name": "Ana Guest",
        "email": email,
        "time_zone": "Europe/Brussels",
        "language": "en",
        "privacy_consent": "on",
        **extra,
    }


def without_csrf_tokens(response):
    return re.sub(
        r'name="csrfmiddlewaretoken" value="[^"]*"', 'name="csrfmiddlewaretoken"', response.content.decode()
    )


def register_url(event):
    return reverse("registrations:register", kwargs={"slug": event.slug})


def done_url(event):
    return reverse("registrations:register_done", kwargs={"slug": event.slug})


def manage_url(registration):
    return reverse("registrations:manage", kwargs={"token": registration.manage_token})


def cancel_url(registration):
    return reverse("registrations:cancel", kwargs={"token": registration.manage_token})


def event_with(**settings):
    event = factories.EventFactory()
    factories.RegistrationSettingsFactory(event=event, **settings)
    return event


def post_registration(client, event, **data):
    return client.post(register_url(event), form_data(**data), follow=True)


def registered(email="someone@example.com", event=None, **data):
    return services.register(event=event, data={"name": "Someone", "email": email, **data})


def outbox_kinds():
    return list(OutboxEmail.objects.order_by("pk").values_list("kind", "to_email"))


# Registering


def test_guest_registers_and_sees_check_your_email_page(client):
    event = factories.EventFactory()

    response = post_registration(client, event)

    registration = Registration.objects.get()
    assert response.redirect_chain == [(done_url(event), 302)]
    assert (registration.email, registration.status, registration.user) == (
        "ana@example.com",
        "confirmed",
        None,
    )
    content = response.content.decode()
    assert "You are registered for" in content
    assert "We have sent an email to <strong>ana@example.com</strong>" in content
    assert outbox_kinds() == [("registered", "ana@example.com")]


def test_done_page_url_carries_no_address_or_status(client):
    event = factories.EventFactory()

    response = client.post(register_url(event), form_data())

    assert response.url == done_url(event)


def test_done_page_without_a_registration_goes_back_to_the_form(client):
    event = factories.EventFactory()

    response = client.get(done_url(event))

    assert response.url == register_url(event)


def test_approval_mode_says_awaiting_approval(client):
    event = event_with(mode=RegistrationSettings.Mode.APPROVAL)

    response = post_registration(client, event)

    assert Registration.objects.get().status == "pending"
    assert "awaiting approval by the organisers" in response.content.decode()


def test_full_event_puts_guest_on_waiting_list(client):
    event = event_with(capacity=1)
    registered(event=event)

    response = post_registration(client, event)

    assert Registration.objects.get(email="ana@example.com").status == "waitlisted"
    assert "you are on the waiting list" in response.content.decode()


def test_closed_registration_is_a_clear_page_and_stores_nothing(client):
    event = event_with(closes_at=timezone.now() - dt.timedelta(days=1))

    get = client.get(register_url(event))
    post = client.post(register_url(event), form_data())

    assert get.status_code == post.status_code == 200
    assert "Registration for this event is closed." in post.content.decode()
    assert Registration.objects.count() == 0


def test_not_yet_open_registration_says_when_it_opens(client):
    opens_at = dt.datetime(2030, 3, 1, 8, 0, tzinfo=dt.UTC)
    event = event_with(opens_at=opens_at)

    response = client.get(register_url(event))

    assert response.status_code == 200
    assert (
        "Registration is not open yet. It opens on Friday 1 March 2030, 9:00 Brussels time (CET)."
        in response.content.decode()
    )


def test_wrong_invitation_code_is_an_error_beside_the_field(client):
    event = event_with(mode=RegistrationSettings.Mode.INVITATION, invitation_code="EW-2030")

    response = client.post(register_url(event), form_data(invitation_code="guess"))

    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["invitation_code"]
    assert "This invitation code is not valid for this event." in response.content.decode()
    assert Registration.objects.count() == OutboxEmail.objects.count() == 0


def test_right_invitation_code_registers(client):
    event = event_with(mode=RegistrationSettings.Mode.INVITATION, invitation_code="EW-2030")

    post_registration(client, event, invitation_code="EW-2030")

    assert Registration.objects.get().status == "confirmed"


def test_guest_posting_restricted_session_gets_field_error(client, conference_with_mixed_sessions):
    c = conference_with_mixed_sessions

    response = client.post(register_url(c.event), form_data(sessions=[c.teaser.pk]))

    assert list(response.context["form"].errors) == ["sessions"]
    assert Registration.objects.count() == 0


def test_affiliate_registers_for_restricted_session_with_account(client, conference_with_mixed_sessions):
    c = conference_with_mixed_sessions
    affiliate = factories.MembershipFactory().user
    client.force_login(affiliate)

    post_registration(client, c.event, sessions=[c.public.pk, c.teaser.pk])

    registration = Registration.objects.get()
    assert (registration.user, registration.email) == (affiliate, affiliate.email)
    assert list(registration.sessions.order_by("start")) == [c.public, c.teaser]


@pytest.mark.parametrize(
    ("registration_settings", "status"),
    [({}, "confirmed"), ({"capacity": 1}, "waitlisted"), ({"mode": "approval"}, "pending")],
)
def test_repeated_registration_shows_the_same_page_as_a_new_one(client, registration_settings, status):
    event = event_with(**registration_settings)
    existing = registered("old@example.com", event=event)
    OutboxEmail.objects.all().delete()
    if registration_settings.get("capacity"):
        # Full now: a newcomer would be waitlisted, whatever the old registration's status.
        Registration.objects.filter(pk=existing.pk).update(status="confirmed")

    repeated = post_registration(client, event, email="OLD@example.com")
    client.logout()
    client.cookies.clear()
    fresh = post_registration(client, event, email="new@example.com")

    assert Registration.objects.get(email="new@example.com").status == status
    # Each page carries a fresh CSRF token (the header's language switcher is a form): compare the rest.
    assert without_csrf_tokens(repeated).replace("OLD@example.com", "new@example.com") == without_csrf_tokens(
        fresh
    )
    assert Registration.objects.filter(email__iexact="old@example.com").count() == 1
    assert [(kind, to) for kind, to in outbox_kinds() if to == "old@example.com"] == [
        ("manage_link", "old@example.com")
    ]


def test_register_page_queries_do_not_grow_with_sessions(client, django_assert_num_queries):
    event = factories.EventFactory()
    factories.RegistrationSettingsFactory(event=event, capacity=50)
    url = register_url(event)
    client.get(url)  # the event's questions are kept in the cache from now on
    # event, partners, settings, sessions to choose (with their maintained places left)
    for count in (2, 20):
        factories.SessionFactory.create_batch(count, event=event, capacity=10)

        with django_assert_num_queries(4):
            response = client.get(url)

        assert response.status_code == 200


def test_a_session_added_to_an_event_without_any_is_offered_on_the_next_form(client):
    """The cached event says whether it has sessions to attend; adding one makes it say so at once."""
    event = factories.WebinarFactory()
    factories.RegistrationSettingsFactory(event=event)
    assert "Sessions you will attend" not in client.get(register_url(event)).content.decode()

    factories.SessionFactory(event=event, title="Opening panel")
    content = client.get(register_url(event)).content.decode()

    assert "Sessions you will attend" in content
    assert "Opening panel" in content


# Managing


def test_manage_page_shows_the_registration_and_sends_private_headers(client):
    event = factories.EventFactory()
    session = factories.SessionFactory(event=event, title="Opening panel")
    registration = registered("ana@example.com", event=event, sessions=[session], organisation="ILO")

    response = client.get(manage_url(registration))

    content = response.content.decode()
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    assert response["Referrer-Policy"] == "same-origin"
    assert "Confirmed" in content
    assert "ILO" in content
    assert "9:00</time>–<time" in content
    assert "Opening panel" in content
    # Her own sessions' calendar file (issue 18), no longer the whole event's.
    assert reverse("registrations:manage_ics", kwargs={"token": registration.manage_token}) in content
    assert reverse("events:event_ics", kwargs={"slug": event.slug}) not in content


@pytest.mark.parametrize("token", ["nope", "x" * 43])
def test_unknown_manage_token_is_our_404(client, token):
    for url in (
        reverse("registrations:manage", kwargs={"token": token}),
        reverse("registrations:cancel", kwargs={"token": token}),
    ):
        response = client.get(url)

        assert response.status_code == 404
        assert "Page not found" in response.content.decode()


def test_manage_page_changes_answers_and_sessions(client):
    event = factories.EventFactory()
    first, second = factories.SessionFactory.create_batch(2, event=event)
    registration = registered("ana@example.com", event=event, sessions=[first])
    OutboxEmail.objects.all().delete()

    response = client.post(
        manage_url(registration),
        form_data(email="evil@example.com", name="Ana Changed", sessions=[second.pk], country="Chile"),
        follow=True,
    )

    registration.refresh_from_db()
    assert response.redirect_chain == [(manage_url(registration), 302)]
    assert (registration.name, registration.email, registration.country) == (
        "Ana Changed",
        "ana@example.com",
        "Chile",
    )
    assert list(registration.sessions.all()) == [second]
    assert outbox_kinds() == [("changed", "ana@example.com")]
    assert "Your changes are saved." in response.content.decode()


def test_manage_page_puts_a_full_session_on_its_waiting_list(client):
    event = factories.EventFactory()
    full = factories.SessionFactory(event=event, capacity=1, title="Full workshop")
    registered("first@example.com", event=event, sessions=[full])
    registration = registered("ana@example.com", event=event)
    OutboxEmail.objects.all().delete()

    response = client.post(manage_url(registration), form_data(sessions=[full.pk]), follow=True)

    # Issue 15: a full session is joined as its waiting list, not refused.
    page = response.content.decode()
    assert list(registration.choices.values_list("status", flat=True)) == ["waiting"]
    assert "Full: you are number 1 on its waiting list" in page
    assert list(OutboxEmail.objects.values_list("kind", flat=True)) == ["changed"]


def test_manage_form_says_where_the_registrant_stands_in_each_chosen_session(client):
    event = factories.EventFactory()
    full = factories.SessionFactory(event=event, capacity=1, title="Full workshop")
    held = factories.SessionFactory(event=event, capacity=5, title="Plenary")
    other_full = factories.SessionFactory(event=event, capacity=1, title="Field visit")
    registered("first@example.com", event=event, sessions=[full, other_full])
    registration = registered("ana@example.com", event=event, sessions=[full, held])

    page = client.get(manage_url(registration)).content.decode()

    # Seen in round 2: the session Ana already waits for offered her its waiting list again.
    assert dict(registration.choices.values_list("session__title", "status")) == {
        "Full workshop": "waiting",
        "Plenary": "confirmed",
    }
    assert "Full workshop (full: you are on its waiting list)" in page
    assert "Plenary (your place is confirmed)" in page
    # A full session she has not chosen still offers its waiting list.
    assert "Field visit (This session is full: you can join its waiting list)" in page


def test_manage_page_queries_do_not_grow_with_sessions(client, django_assert_num_queries):
    event = factories.EventFactory()
    registration = registered("ana@example.com", event=event)
    client.get(manage_url(registration))  # the event's questions are kept in the cache from now on
    # registration (with event, venue, user), its sessions, its session choices (with their sessions),
    # sessions to choose (with places left)
    for count in (2, 20):
        registration.sessions.add(*factories.SessionFactory.create_batch(count, event=event, capacity=10))

        with django_assert_num_queries(5):
            response = client.get(manage_url(registration))

        assert response.status_code == 200


def test_cancel_asks_then_cancels(client):
    event = factories.EventFactory()
    registration = registered("ana@example.com", event=event)

    confirm = client.get(cancel_url(registration))
    assert Registration.objects.get().status == "confirmed"
    cancelled = client.post(cancel_url(registration))

    assert "Yes, cancel my registration" in confirm.content.decode()
    assert "Your registration is cancelled." in cancelled.content.decode()
    assert cancelled["Cache-Control"] == "private, no-store"
    assert Registration.objects.get().status == "cancelled"
    assert outbox_kinds()[-1] == ("cancelled", "ana@example.com")


def test_cancelled_registration_shows_no_edit_form(client):
    registration = registered("ana@example.com", event=factories.EventFactory())
    services.cancel_registration(registration=registration)

    response = client.get(manage_url(registration))
    again = client.get(cancel_url(registration))

    assert response.context["form"] is None
    assert "This registration is cancelled." in response.content.decode()
    assert again.url == manage_url(registration)


# My registrations and the event page


def test_my_registrations_lists_own_by_account_and_verified_address(client, django_assert_num_queries):
    user = factories.UserFactory(email="ana@example.com")
    by_account = factories.RegistrationFactory(user=user, email="work@example.org")
    by_address = factories.RegistrationFactory(email="ANA@example.com")
    factories.RegistrationFactory(email="someone@example.com")
    unverified = factories.UserFactory(email="bob@example.com", verified_email=False)
    factories.RegistrationFactory(email=unverified.email)
    client.force_login(user)
    CalendarFeedToken.objects.create(user=user)

    # session, user, calendar feed token, registrations
    with django_assert_num_queries(4):
        response = client.get(reverse("registrations:mine"))

    # Both events start together: the newer registration comes first.
    assert list(response.context["registrations"]) == [by_address, by_account]
    assert manage_url(by_account) in response.content.decode()


def test_my_registrations_needs_login(client):
    response = client.get(reverse("registrations:mine"))

    assert response.url.startswith(reverse("account_login"))


def test_event_page_shows_register_box_with_places_left(client):
    event = event_with(capacity=10)
    registered(event=event)

    response = client.get(event.get_absolute_url())

    content = response.content.decode()
    assert "Registration is open. 9 places left." in content
    assert register_url(event) in content


def test_event_page_tells_a_registered_user_to_manage(client):
    user = factories.UserFactory()
    event = factories.EventFactory()
    registration = services.register(event=event, data={"name": "Ana", "email": user.email}, user=user)
    client.force_login(user)

    response = client.get(event.get_absolute_url())

    content = response.content.decode()
    assert "You are registered" in content
    assert manage_url(registration) in content
    # No "Register" button; the page's event data (JSON-LD) still names the form.
    assert f'href="{register_url(event)}"' not in content


def test_an_affiliate_opening_a_guests_manage_link_is_offered_only_what_the_guest_may_see(
    client, conference_with_mixed_sessions
):
    c = conference_with_mixed_sessions
    guest_registration = registered("guest@example.com", event=c.event, sessions=[c.public])
    client.force_login(factories.MembershipFactory().user)

    page = client.get(manage_url(guest_registration)).content.decode()
    response = client.post(manage_url(guest_registration), form_data(sessions=[c.public.pk, c.teaser.pk]))

    assert "Open panel" in page
    assert "Restricted conversation" not in page
    assert list(response.context["form"].errors) == ["sessions"]
    assert list(guest_registration.sessions.all()) == [c.public]
    client.logout()
    assert "Restricted conversation" not in client.get(manage_url(guest_registration)).content.decode()


def test_an_affiliates_manage_link_offers_the_affiliates_sessions_to_whoever_opens_it(
    client, conference_with_mixed_sessions
):
    c = conference_with_mixed_sessions
    affiliate = factories.MembershipFactory().user
    data = {"name": "Affiliate", "email": affiliate.email, "sessions": [c.public]}
    registration = services.register(event=c.event, data=data, user=affiliate)

    page = client.get(manage_url(registration)).content.decode()
    client.post(manage_url(registration), form_data(sessions=[c.public.pk, c.teaser.pk]))

    assert "Restricted conversation" in page
    assert list(registration.sessions.order_by("start")) == [c.public, c.teaser]
