"""Places offered from a waiting list (RegistrationSettings.offer_hours): accepted, or passed on in time."""

import datetime as dt

import pytest

from registrations.models import OutboxEmail, Registration, SessionChoice
from registrations.signup import offers, services, staff_places
from tests import factories

from . import places_invariants

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2031, 5, 1, 9, 0, tzinfo=dt.UTC)


def at(minutes):
    return NOW + dt.timedelta(minutes=minutes)


def register(event, email, minutes, *sessions):
    return services.register(
        event=event,
        data={"name": email.split("@")[0].title(), "email": email, "sessions": list(sessions)},
        now=at(minutes),
    )


def kinds_to(registration):
    return list(
        OutboxEmail.objects.filter(registration=registration).order_by("pk").values_list("kind", flat=True)
    )


def fresh(registration):
    return Registration.objects.get(pk=registration.pk)


@pytest.fixture
def full_event():
    """Two places, both taken, two people waiting; freed places are offered for 2 hours."""
    event = factories.EventFactory(start=NOW + dt.timedelta(days=20), end=NOW + dt.timedelta(days=21))
    factories.RegistrationSettingsFactory(event=event, capacity=2, offer_hours=2)
    people = [register(event, f"{name}@example.com", n) for n, name in enumerate(["ana", "bo", "cy", "dee"])]
    return event, people


def test_a_freed_place_is_offered_to_the_head_of_the_list_and_held_for_them(full_event):
    event, (ana, _bo, cy, dee) = full_event

    services.cancel_registration(registration=ana, now=at(10))

    cy, dee = fresh(cy), fresh(dee)
    assert (cy.status, dee.status) == ("offered", "waitlisted")
    assert cy.offered_until == at(10) + dt.timedelta(hours=2)
    assert kinds_to(cy) == ["waitlisted", "offered"]
    places_invariants.check(event)


def test_accepting_in_time_confirms_with_the_calendar_email(full_event, client):
    event, (ana, _bo, cy, _dee) = full_event
    services.cancel_registration(registration=ana, now=at(10))

    offers.accept(registration=cy, now=at(70))

    assert fresh(cy).status == "confirmed"
    assert kinds_to(cy) == ["waitlisted", "offered", "promoted"]
    assert OutboxEmail.objects.get(registration=cy, kind="promoted").ics
    places_invariants.check(event)


def test_an_offer_not_accepted_in_time_passes_to_the_next_with_emails_both_ways(full_event):
    event, (ana, _bo, cy, dee) = full_event
    services.cancel_registration(registration=ana, now=at(10))

    lapsed = offers.expire_offers(now=at(10 + 121))

    assert lapsed == 1
    assert (fresh(cy).status, fresh(dee).status) == ("cancelled", "offered")
    assert kinds_to(cy)[-1] == "offer_expired"
    assert kinds_to(dee)[-1] == "offered"
    places_invariants.check(event)
    with pytest.raises(offers.NothingToAccept):
        offers.accept(registration=cy, now=at(200))
    assert fresh(cy).status == "cancelled"


def test_an_offer_cannot_be_accepted_after_its_time_even_before_the_sweep(full_event):
    _event, (ana, _bo, cy, _dee) = full_event
    services.cancel_registration(registration=ana, now=at(10))

    with pytest.raises(offers.NothingToAccept):
        offers.accept(registration=cy, now=at(10 + 121))

    assert fresh(cy).status == "offered"


def test_declining_by_cancelling_passes_the_offer_on_at_once(full_event):
    _event, (ana, _bo, cy, dee) = full_event
    services.cancel_registration(registration=ana, now=at(10))

    services.cancel_registration(registration=fresh(cy), now=at(20))

    assert fresh(dee).status == "offered"


def test_a_session_place_is_offered_to_the_head_of_its_list_then_lapses_to_the_next():
    event = factories.EventFactory(start=NOW + dt.timedelta(days=20), end=NOW + dt.timedelta(days=21))
    factories.RegistrationSettingsFactory(event=event, offer_hours=1)
    workshop = factories.SessionFactory(event=event, capacity=1)
    holder = register(event, "ana@example.com", 1, workshop)
    first = register(event, "bo@example.com", 2, workshop)
    second = register(event, "cy@example.com", 3, workshop)

    services.cancel_registration(registration=holder, now=at(10))
    offered = SessionChoice.objects.get(registration=first)
    offers.expire_offers(now=at(10 + 61))

    assert offered.status == "offered"
    assert not SessionChoice.objects.filter(registration=first).exists()  # the lapsed session is dropped
    assert fresh(first).status == "confirmed"  # the registration for the event stays
    assert SessionChoice.objects.get(registration=second).status == "offered"
    assert kinds_to(first)[-1] == "offer_expired"
    places_invariants.check(event)


def test_the_manage_page_offers_the_place_and_accepting_it_there_confirms(full_event, client):
    _event, (ana, _bo, cy, _dee) = full_event
    services.cancel_registration(registration=ana)
    url = f"/registrations/manage/{cy.manage_token}/"

    page = client.get(url).content.decode()
    response = client.post(f"{url}accept/", follow=True)

    assert "A place is held for you" in page
    assert "Accept my place" in page
    assert fresh(cy).status == "confirmed"
    assert "The place is yours." in response.content.decode()


def test_two_session_places_offered_at_once_both_come_back_when_both_offers_lapse():
    event = factories.EventFactory(start=NOW + dt.timedelta(days=20), end=NOW + dt.timedelta(days=21))
    factories.RegistrationSettingsFactory(event=event, offer_hours=2)
    workshop = factories.SessionFactory(event=event, title="Workshop", capacity=0)
    ana = register(event, "ana@example.com", 0, workshop)
    bo = register(event, "bo@example.com", 1, workshop)
    staff_places.set_session_capacity(session=workshop, capacity_value=2, now=at(10))
    offered = SessionChoice.objects.filter(session=workshop, status=SessionChoice.Status.OFFERED)
    assert sorted(offered.values_list("registration__email", flat=True)) == [ana.email, bo.email]

    offers.expire_offers_of(event=event, now=at(10 + 121))

    assert list(SessionChoice.objects.filter(status__in=SessionChoice.HOLDING)) == []
    places_invariants.check(event)
