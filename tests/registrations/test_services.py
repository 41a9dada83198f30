import datetime as dt

import pytest

from registrations.models import OutboxEmail, Registration, RegistrationSettings
from registrations.signup import services
from registrations.signup.services import (
    AlreadyRegistered,
    InvalidInvitationCode,
    InvalidTransition,
    RegistrationClosed,
    approve_registration,
    cancel_registration,
    register,
    reject_registration,
)
from tests import factories

NOW = dt.datetime(2030, 1, 15, 12, 0, tzinfo=dt.UTC)


def data(email, **extra):
    return {"name": email.split("@")[0].title(), "email": email, "sessions": [], **extra}


def at(minutes):
    return NOW + dt.timedelta(minutes=minutes)


def kinds_for(registration):
    return list(registration.emails.order_by("pk").values_list("kind", flat=True))


def confirmed_count(event):
    return RegistrationSettings.objects.get(event=event).confirmed_count


def statuses(*registrations):
    return [Registration.objects.get(pk=r.pk).status for r in registrations]


@pytest.fixture
def event():
    return factories.EventFactory()


def event_with(**settings):
    event = factories.EventFactory()
    factories.RegistrationSettingsFactory(event=event, **settings)
    return event


@pytest.mark.django_db
def test_open_registration_confirms_and_queues_one_registered_email(event):
    registration = register(event=event, data=data("ana@example.com", organisation="ILO"), now=NOW)

    registration.refresh_from_db()
    assert registration.status == Registration.Status.CONFIRMED
    assert registration.organisation == "ILO"
    assert registration.privacy_consent_at == NOW
    assert registration.waitlisted_at is None
    assert len(registration.manage_token) >= 40
    assert confirmed_count(event) == 1
    outbox = list(OutboxEmail.objects.values_list("registration", "to_email", "kind", "status", "attempts"))
    assert outbox == [(registration.pk, "ana@example.com", "registered", "pending", 0)]


@pytest.mark.django_db
def test_registration_settings_are_created_with_defaults_when_missing(event):
    register(event=event, data=data("ana@example.com"), now=NOW)

    settings = RegistrationSettings.objects.get(event=event)
    assert (settings.mode, settings.capacity, settings.confirmed_count) == ("open", None, 1)


@pytest.mark.django_db
def test_registration_is_not_stored_when_its_email_cannot_be_queued(event, monkeypatch):
    def fail(**kwargs):
        raise RuntimeError("outbox unavailable")

    monkeypatch.setattr(services.emails, "queue_registration_email", fail)

    with pytest.raises(RuntimeError):
        register(event=event, data=data("ana@example.com"), now=NOW)

    assert Registration.objects.count() == 0
    assert RegistrationSettings.objects.filter(event=event, confirmed_count__gt=0).exists() is False


@pytest.mark.django_db
def test_full_event_waitlists_with_waitlisted_email():
    event = event_with(capacity=1)
    first = register(event=event, data=data("a@example.com"), now=at(1))

    second = register(event=event, data=data("b@example.com"), now=at(2))

    assert (first.status, second.status) == ("confirmed", "waitlisted")
    assert second.waitlisted_at == at(2)
    assert kinds_for(second) == ["waitlisted"]
    assert confirmed_count(event) == 1
    assert RegistrationSettings.objects.get(event=event).places_left == 0


@pytest.mark.django_db
def test_approval_mode_leaves_registration_pending_without_taking_a_place():
    event = event_with(mode=RegistrationSettings.Mode.APPROVAL, capacity=5)

    registration = register(event=event, data=data("a@example.com"), now=NOW)

    assert registration.status == Registration.Status.PENDING
    assert kinds_for(registration) == ["awaiting_approval"]
    assert confirmed_count(event) == 0


@pytest.mark.django_db
def test_right_invitation_code_confirms():
    event = event_with(mode=RegistrationSettings.Mode.INVITATION, invitation_code="OPEN-SESAME")

    registration = register(event=event, data=data("a@example.com", invitation_code="OPEN-SESAME"), now=NOW)

    assert registration.status == Registration.Status.CONFIRMED


@pytest.mark.django_db
@pytest.mark.parametrize("code", ["open-sesame", "", None])
def test_wrong_or_missing_invitation_code_raises_and_stores_nothing(code):
    event = event_with(mode=RegistrationSettings.Mode.INVITATION, invitation_code="OPEN-SESAME")

    with pytest.raises(InvalidInvitationCode):
        register(event=event, data=data("a@example.com", invitation_code=code), now=NOW)

    assert Registration.objects.count() == 0
    assert OutboxEmail.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("code", "valid"), [("", False), ("EW-2030", False), ("fair-trade-laptops-2030", True)]
)
def test_staff_must_choose_an_invitation_code_hard_to_guess(code, valid):
    from django.core.exceptions import ValidationError

    settings = RegistrationSettings(
        event=factories.EventFactory(), mode=RegistrationSettings.Mode.INVITATION, invitation_code=code
    )

    if valid:
        settings.full_clean()
    else:
        with pytest.raises(ValidationError) as error:
            settings.full_clean()
        assert "invitation_code" in error.value.message_dict


@pytest.mark.django_db
def test_invitation_mode_without_a_code_accepts_no_one():
    event = event_with(mode=RegistrationSettings.Mode.INVITATION, invitation_code="")

    with pytest.raises(InvalidInvitationCode):
        register(event=event, data=data("a@example.com", invitation_code=""), now=NOW)

    assert Registration.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("opens_at", "closes_at", "now"),
    [
        pytest.param(at(0), at(60), at(-1), id="not-yet-open"),
        pytest.param(at(0), at(60), at(61), id="closed"),
        pytest.param(at(0), at(60), at(60), id="closes-exactly-now"),
    ],
)
def test_registration_outside_its_window_raises_and_stores_nothing(opens_at, closes_at, now):
    event = event_with(opens_at=opens_at, closes_at=closes_at, capacity=10)

    with pytest.raises(RegistrationClosed):
        register(event=event, data=data("a@example.com"), now=now)

    assert Registration.objects.count() == 0
    assert OutboxEmail.objects.count() == 0
    assert confirmed_count(event) == 0


@pytest.mark.django_db
def test_registration_opens_exactly_at_its_opening_time():
    event = event_with(opens_at=at(0), closes_at=at(60))

    registration = register(event=event, data=data("a@example.com"), now=at(0))

    assert registration.status == Registration.Status.CONFIRMED


@pytest.mark.django_db
def test_registration_without_closing_time_closes_when_the_event_ends(event):
    with pytest.raises(RegistrationClosed):
        register(event=event, data=data("a@example.com"), now=event.end)

    assert Registration.objects.count() == 0


@pytest.mark.django_db
def test_same_email_in_other_case_raises_already_registered_and_stores_nothing(event):
    existing = register(event=event, data=data("Ana@Example.com"), now=NOW)

    with pytest.raises(AlreadyRegistered) as raised:
        register(event=event, data=data("  ana@EXAMPLE.COM "), now=NOW)

    assert raised.value.registration == existing
    assert list(Registration.objects.all()) == [existing]
    assert OutboxEmail.objects.count() == 1
    assert confirmed_count(event) == 1


@pytest.mark.django_db
def test_same_email_may_register_for_another_event(event):
    register(event=event, data=data("ana@example.com"), now=NOW)

    other = register(event=factories.EventFactory(), data=data("ana@example.com"), now=NOW)

    assert other.status == Registration.Status.CONFIRMED


@pytest.mark.django_db
def test_cancelled_registrations_email_can_register_again(event):
    old = register(event=event, data=data("ana@example.com"), now=NOW)
    cancel_registration(registration=old, now=at(1))

    new = register(event=event, data=data("ana@example.com"), now=at(2))

    assert statuses(old, new) == ["cancelled", "confirmed"]
    assert confirmed_count(event) == 1


@pytest.mark.django_db
def test_cancel_promotes_the_oldest_waitlisted_and_emails_it():
    event = event_with(capacity=1)
    confirmed = register(event=event, data=data("a@example.com"), now=at(1))
    oldest = register(event=event, data=data("b@example.com"), now=at(2))
    younger = register(event=event, data=data("c@example.com"), now=at(3))

    cancelled = cancel_registration(registration=confirmed, now=at(4))

    assert cancelled.cancelled_at == at(4)
    assert statuses(confirmed, oldest, younger) == ["cancelled", "confirmed", "waitlisted"]
    assert kinds_for(confirmed) == ["registered", "cancelled"]
    assert kinds_for(oldest) == ["waitlisted", "promoted"]
    assert kinds_for(younger) == ["waitlisted"]
    assert confirmed_count(event) == 1


@pytest.mark.django_db
def test_cancelling_a_waitlisted_registration_promotes_no_one():
    event = event_with(capacity=1)
    register(event=event, data=data("a@example.com"), now=at(1))
    waiting = register(event=event, data=data("b@example.com"), now=at(2))
    later = register(event=event, data=data("c@example.com"), now=at(3))

    cancel_registration(registration=waiting, now=at(4))

    assert statuses(waiting, later) == ["cancelled", "waitlisted"]
    assert confirmed_count(event) == 1


@pytest.mark.django_db
def test_cancel_twice_sends_one_cancelled_email(event):
    registration = register(event=event, data=data("a@example.com"), now=NOW)

    cancel_registration(registration=registration, now=at(1))
    again = cancel_registration(registration=registration, now=at(2))

    assert again.status == Registration.Status.CANCELLED
    assert again.cancelled_at == at(1)
    assert kinds_for(registration) == ["registered", "cancelled"]
    assert confirmed_count(event) == 0


@pytest.mark.django_db
def test_a_full_session_waits_alone_while_the_event_has_room(event):
    small = factories.SessionFactory(event=event, capacity=1)
    large = factories.SessionFactory(event=event)
    first = register(event=event, data=data("a@example.com", sessions=[small, large]), now=at(1))

    second = register(event=event, data=data("b@example.com", sessions=[small]), now=at(2))
    third = register(event=event, data=data("c@example.com", sessions=[large]), now=at(3))

    # Issue 15: one full session no longer waitlists the whole registration.
    assert (first.status, second.status, third.status) == ("confirmed", "confirmed", "confirmed")
    assert list(second.choices.values_list("status", flat=True)) == ["waiting"]
    assert set(first.sessions.all()) == {small, large}
    assert confirmed_count(event) == 3


@pytest.mark.django_db
def test_a_freed_event_place_goes_to_the_head_of_the_list_even_if_its_session_is_full():
    event = event_with(capacity=2)
    small = factories.SessionFactory(event=event, capacity=1)
    holder = register(event=event, data=data("a@example.com", sessions=[small]), now=at(1))
    other = register(event=event, data=data("b@example.com"), now=at(2))
    wants_small = register(event=event, data=data("c@example.com", sessions=[small]), now=at(3))
    wants_nothing = register(event=event, data=data("d@example.com"), now=at(4))

    cancel_registration(registration=other, now=at(5))

    # Issue 15: the waiting list is a queue; the head gets the event place and waits for the session.
    assert statuses(holder, wants_small, wants_nothing) == ["confirmed", "confirmed", "waitlisted"]
    assert list(wants_small.choices.values_list("status", flat=True)) == ["waiting"]
    assert confirmed_count(event) == 2


@pytest.mark.django_db
def test_approving_a_pending_registration_confirms_it_with_approved_email():
    event = event_with(mode=RegistrationSettings.Mode.APPROVAL, capacity=1)
    registration = register(event=event, data=data("a@example.com"), now=NOW)

    approved = approve_registration(registration=registration, now=at(1))

    assert approved.status == Registration.Status.CONFIRMED
    assert kinds_for(registration) == ["awaiting_approval", "approved"]
    assert confirmed_count(event) == 1


@pytest.mark.django_db
def test_approving_when_full_waitlists_with_waitlisted_email():
    event = event_with(mode=RegistrationSettings.Mode.APPROVAL, capacity=1)
    first = register(event=event, data=data("a@example.com"), now=NOW)
    second = register(event=event, data=data("b@example.com"), now=NOW)
    approve_registration(registration=first, now=at(1))

    waitlisted = approve_registration(registration=second, now=at(2))

    assert (waitlisted.status, waitlisted.waitlisted_at) == ("waitlisted", at(2))
    assert kinds_for(second) == ["awaiting_approval", "waitlisted"]
    assert confirmed_count(event) == 1


@pytest.mark.django_db
def test_only_pending_registrations_can_be_approved(event):
    registration = register(event=event, data=data("a@example.com"), now=NOW)

    with pytest.raises(InvalidTransition):
        approve_registration(registration=registration, now=at(1))

    assert kinds_for(registration) == ["registered"]
    assert confirmed_count(event) == 1


@pytest.mark.django_db
def test_rejecting_a_pending_registration_frees_no_place():
    event = event_with(mode=RegistrationSettings.Mode.APPROVAL, capacity=1)
    registration = register(event=event, data=data("a@example.com"), now=NOW)

    rejected = reject_registration(registration=registration)

    assert rejected.status == Registration.Status.REJECTED
    assert kinds_for(registration) == ["awaiting_approval", "rejected"]
    assert confirmed_count(event) == 0


@pytest.mark.django_db
def test_rejecting_a_confirmed_registration_promotes_the_oldest_waitlisted():
    event = event_with(capacity=1)
    confirmed = register(event=event, data=data("a@example.com"), now=at(1))
    waiting = register(event=event, data=data("b@example.com"), now=at(2))

    reject_registration(registration=confirmed)

    assert statuses(confirmed, waiting) == ["rejected", "confirmed"]
    assert kinds_for(waiting) == ["waitlisted", "promoted"]
    assert confirmed_count(event) == 1


@pytest.mark.django_db
def test_a_cancelled_registration_cannot_be_rejected(event):
    registration = register(event=event, data=data("a@example.com"), now=NOW)
    cancel_registration(registration=registration, now=at(1))

    with pytest.raises(InvalidTransition):
        reject_registration(registration=registration)

    assert kinds_for(registration) == ["registered", "cancelled"]


@pytest.mark.django_db
def test_confirmed_count_equals_confirmed_rows_after_a_sequence_of_operations():
    event = event_with(capacity=3)
    session = factories.SessionFactory(event=event, capacity=2)
    people = [
        register(
            event=event,
            data=data(f"p{i}@example.com", sessions=[session] if i % 2 else []),
            now=at(i),
        )
        for i in range(7)
    ]

    cancel_registration(registration=people[0], now=at(10))
    reject_registration(registration=people[3])
    cancel_registration(registration=people[5], now=at(11))
    cancel_registration(registration=people[0], now=at(12))
    again = register(event=event, data=data("p0@example.com"), now=at(13))

    assert statuses(*people, again) == [
        "cancelled",
        "confirmed",
        "confirmed",
        "rejected",
        "confirmed",
        "cancelled",
        "waitlisted",
        "waitlisted",
    ]
    confirmed_rows = Registration.objects.filter(event=event, status=Registration.Status.CONFIRMED)
    assert confirmed_count(event) == confirmed_rows.count() == 3


@pytest.mark.parametrize("make_token", ["new_manage_token", "new_invitation_token"])
def test_private_link_tokens_carry_256_random_bits(make_token):
    """Manage links, personal invitations and calendar feeds can't be guessed or enumerated."""
    import base64
    import re

    from registrations import models

    tokens = [getattr(models, make_token)() for _ in range(500)]

    assert len(set(tokens)) == len(tokens)
    for token in tokens[:20]:
        assert re.fullmatch(r"[A-Za-z0-9_-]{43}", token)
        assert len(base64.urlsafe_b64decode(token + "=")) == 32
    # Every character position varies: no fixed prefix or counter (the last holds only 4 bits).
    assert all(len({token[i] for token in tokens}) > 20 for i in range(42))


# --- The email is rendered before the lock is taken -----------------------------------------------


@pytest.mark.django_db
def test_the_email_is_rendered_before_the_event_is_locked(event, monkeypatch):
    from django.db import connection

    from registrations.signup import emails

    steps = []
    render = emails.render_email

    def recording_render(**kwargs):
        steps.append("render")
        return render(**kwargs)

    def recording_queries(execute, sql, params, many, context):
        if "FOR UPDATE" in sql:
            steps.append("lock")
        return execute(sql, params, many, context)

    monkeypatch.setattr(emails, "render_email", recording_render)
    with connection.execute_wrapper(recording_queries):
        register(event=event, data=data("ana@example.com"), now=NOW)

    assert steps[0] == "render"
    assert steps.count("render") == 1


@pytest.mark.django_db
def test_a_place_taken_after_the_prediction_gets_the_waiting_list_email(monkeypatch):
    event = event_with(capacity=1)
    stale = RegistrationSettings.objects.get(event=event)  # one place left, as the form saw it
    register(event=event, data=data("first@example.com"), now=at(1))
    rendered = []
    render = services.emails.render_email

    def recording_render(**kwargs):
        rendered.append(kwargs["kind"])
        return render(**kwargs)

    monkeypatch.setattr(services.emails, "render_email", recording_render)

    second = register(event=event, data=data("second@example.com"), now=at(2), registration_settings=stale)

    assert second.status == Registration.Status.WAITLISTED
    (email,) = second.emails.all()
    assert email.kind == "waitlisted"
    assert "waiting list" in email.body_text
    assert rendered == ["registered", "waitlisted"]  # the prediction, then the truth under the lock


@pytest.mark.django_db
def test_the_email_of_a_new_registration_shows_only_the_sessions_the_guest_may_see_in_full():
    event = factories.EventFactory()
    public = factories.SessionFactory(event=event, title="Open panel", description="Open words.")
    restricted = factories.SessionFactory(
        event=event, title="Closed meeting", description="SECRET words.", visibility="affiliates"
    )

    registration = register(event=event, data=data("ana@example.com", sessions=[public, restricted]), now=NOW)

    (email,) = registration.emails.all()
    assert "Open panel" in email.body_text
    assert "SECRET" not in email.body_text + email.body_html + email.ics
    assert set(registration.sessions.all()) == {public, restricted}
