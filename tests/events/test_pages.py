import pytest
from django.urls import reverse

from events.models import Event
from tests import factories

pytestmark = pytest.mark.django_db

SECRETS = ["SECRET", "Secret Speaker", "Hidden Speaker", "Hidden closed meeting"]


def _visible_secrets(content):
    return [secret for secret in SECRETS if secret in content]


def test_conference_page_shows_restricted_details_only_to_those_who_may_see_them(
    viewer, conference_with_mixed_sessions
):
    c = conference_with_mixed_sessions

    response = viewer.client.get(c.event.get_absolute_url())
    html = response.content.decode()

    assert response.status_code == 200
    assert "Open panel description." in html
    assert "Open Speaker" in html
    assert "Restricted conversation" in html
    if viewer.sees_restricted:
        assert "SECRET teaser description" in html
        assert "Secret Speaker" in html
        assert "Hidden closed meeting" in html
        assert "SECRET hidden description" in html
    else:
        assert _visible_secrets(html) == []
        assert "restricted to affiliates and monitoring partners" in html


def test_teaser_offers_login_link_to_anonymous_visitor(client, conference_with_mixed_sessions):
    html = client.get(conference_with_mixed_sessions.event.get_absolute_url()).content.decode()

    assert f"{reverse('account_login')}?next=/events/mixed-conference/" in html


def test_conference_page_names_zone_partners_and_practical_information(client):
    event = factories.EventFactory(
        slug="conf", practical_information="Entry is free of charge.", interpretation_languages=["es"]
    )
    factories.EventPartnerFactory(event=event, name="Flemish Government", role="supporter")
    factories.SessionFactory(event=event, title="Welcome")

    html = client.get(event.get_absolute_url()).content.decode()

    assert "Brussels time (CET)" in html
    assert "Supporter: Flemish Government" in html
    assert "Entry is free of charge." in html
    assert "Simultaneous interpretation into: Spanish" in html
    assert '<time datetime="2030-11-06T09:00:00+01:00">9:00</time>' in html


def test_session_page_per_viewer(viewer, conference_with_mixed_sessions):
    c = conference_with_mixed_sessions

    public = viewer.client.get(c.public.get_absolute_url())
    teaser = viewer.client.get(c.teaser.get_absolute_url())
    hidden = viewer.client.get(c.hidden.get_absolute_url())

    assert public.status_code == 200
    assert "Open Speaker" in public.content.decode()
    assert teaser.status_code == 200
    assert "Restricted conversation" in teaser.content.decode()
    if viewer.sees_restricted:
        assert "SECRET teaser description" in teaser.content.decode()
        assert "Secret Speaker" in teaser.content.decode()
        assert hidden.status_code == 200
        assert "SECRET hidden description" in hidden.content.decode()
    else:
        assert _visible_secrets(teaser.content.decode()) == []
        assert "Log in to see the details" in teaser.content.decode() or viewer.user is not None
        assert hidden.status_code == 404
        assert _visible_secrets(hidden.content.decode()) == []


def test_session_of_another_event_is_not_found(client, conference_with_mixed_sessions):
    other = factories.EventFactory(slug="other")

    response = client.get(
        reverse(
            "events:session_detail",
            kwargs={"slug": other.slug, "pk": conference_with_mixed_sessions.public.pk},
        )
    )

    assert response.status_code == 404


def test_speakers_page_lists_only_speakers_of_sessions_seen_in_full(viewer, conference_with_mixed_sessions):
    url = reverse("events:speakers", kwargs={"slug": conference_with_mixed_sessions.event.slug})

    html = viewer.client.get(url).content.decode()

    assert "Open Speaker" in html
    if viewer.sees_restricted:
        assert "Secret Speaker" in html
        assert "Hidden Speaker" in html
    else:
        assert _visible_secrets(html) == []


def test_printable_programme_per_viewer(viewer, conference_with_mixed_sessions):
    url = reverse("events:programme_print", kwargs={"slug": conference_with_mixed_sessions.event.slug})

    response = viewer.client.get(url)
    html = response.content.decode()

    assert response.status_code == 200
    assert 'media="print"' in html
    assert "Restricted conversation" in html
    assert ("SECRET teaser description" in html) is viewer.sees_restricted
    if not viewer.sees_restricted:
        assert _visible_secrets(html) == []


def test_draft_event_is_not_found_except_for_staff(viewer):
    event = factories.EventFactory(status=Event.Status.DRAFT, title="Draft conference")
    session = factories.SessionFactory(event=event)
    urls = [
        event.get_absolute_url(),
        reverse("events:programme_print", kwargs={"slug": event.slug}),
        reverse("events:speakers", kwargs={"slug": event.slug}),
        reverse("events:event_ics", kwargs={"slug": event.slug}),
        session.get_absolute_url(),
        reverse("events:session_ics", kwargs={"slug": event.slug, "pk": session.pk}),
    ]

    statuses = [viewer.client.get(url).status_code for url in urls]

    assert statuses == [200 if viewer.kind == "staff" else 404] * len(urls)


def test_home_lists_upcoming_conferences_and_webinars_not_drafts_or_past(client):
    factories.EventFactory(title="Upcoming conference")
    factories.WebinarFactory(title="Upcoming webinar")
    factories.EventFactory(title="Draft conference", status=Event.Status.DRAFT)
    past = factories.EventFactory(title="Old conference")
    Event.objects.filter(pk=past.pk).update(
        start=past.start.replace(year=2020), end=past.end.replace(year=2020)
    )

    html = client.get(reverse("events:home")).content.decode()

    assert "Upcoming conference" in html
    assert "Upcoming webinar" in html
    assert "Draft conference" not in html
    assert "Old conference" not in html
    assert reverse("events:past_events") in html


def test_past_events_page_lists_past_events_with_recordings(client):
    webinar = factories.WebinarFactory(title="Old webinar", recording_url="https://video.example.org/rec1")
    Event.objects.filter(pk=webinar.pk).update(
        start=webinar.start.replace(year=2020), end=webinar.end.replace(year=2020)
    )
    factories.EventFactory(title="Future conference")

    html = client.get(reverse("events:past_events")).content.decode()

    assert "Old webinar" in html
    assert "https://video.example.org/rec1" in html
    assert "Future conference" not in html


def test_home_says_so_when_nothing_is_upcoming(client):
    html = client.get(reverse("events:home")).content.decode()

    assert "No upcoming webinars yet." in html
    assert "No upcoming conferences yet." in html


def test_unknown_event_is_a_friendly_404(client):
    response = client.get("/events/no-such-event/")

    assert response.status_code == 404
    assert "Page not found" in response.content.decode()
