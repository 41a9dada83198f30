"""Content typed or uploaded by anyone (a registrant's answers, a guest list, staff's titles and
descriptions) is escaped on every page and in every email that shows it: markup arrives as text.
"""

import pytest
from django.urls import reverse

from registrations.following import emails as follower_emails
from registrations.models import OutboxEmail, Registration, RegistrationSettings, SeriesFollower
from registrations.signup import emails, services
from tests import factories

pytestmark = pytest.mark.django_db

PAYLOADS = [
    '<script>alert("ewx")</script>',
    '"><img src=x onerror=alert("ewx")>',
    "<svg onload=alert('ewx')>",
    "javascript:alert('ewx')//",
]
# What must never reach a page or an email as markup.
DANGEROUS = ["<script>alert", "<img src=x onerror", "<svg onload", 'href="javascript:']


def assert_inert(text, where):
    for marker in DANGEROUS:
        assert marker not in text, f"{where}: {marker!r} came through as markup"


@pytest.fixture
def hostile_world():
    event = factories.EventFactory(
        title=f"Conference {PAYLOADS[0]}",
        summary=PAYLOADS[1],
        description=f"Intro\n\n{PAYLOADS[0]}\n\n{PAYLOADS[1]}\n\n[link](javascript:alert('ewx'))",
        practical_information=PAYLOADS[2],
    )
    factories.RegistrationSettingsFactory(event=event, mode=RegistrationSettings.Mode.OPEN)
    session = factories.SessionFactory(
        event=event, title=f"Panel {PAYLOADS[2]}", description=PAYLOADS[0], room=PAYLOADS[1]
    )
    factories.SessionSpeakerFactory(session=session, speaker__name=PAYLOADS[1], speaker__bio=PAYLOADS[0])
    registration = services.register(
        event=event,
        data={
            "name": f"Ana {PAYLOADS[0]}",
            "email": "ana@example.com",
            "organisation": PAYLOADS[1],
            "role": PAYLOADS[2],
            "dietary_needs": PAYLOADS[0],
            "accessibility_needs": PAYLOADS[1],
            "participant_list_consent": True,
            "sessions": [session],
        },
        user=None,
    )
    # A guest list uploaded by staff, with markup in its names.
    factories.InvitationFactory(event=event, name=PAYLOADS[1], email="guest@example.com")
    return event, session, registration


def test_every_page_shows_hostile_content_as_text(client, hostile_world):
    event, session, registration = hostile_world
    public = [
        reverse("events:home"),
        event.get_absolute_url(),
        reverse("events:programme_print", kwargs={"slug": event.slug}),
        reverse("events:speakers", kwargs={"slug": event.slug}),
        reverse("events:session_detail", kwargs={"slug": event.slug, "pk": session.pk}),
        reverse("registrations:register", kwargs={"slug": event.slug}),
        reverse("registrations:manage", kwargs={"token": registration.manage_token}),
        reverse("registrations:cancel", kwargs={"token": registration.manage_token}),
    ]
    for url in public:
        response = client.get(url)
        assert response.status_code == 200, url
        assert_inert(response.content.decode(), url)

    client.force_login(factories.StaffFactory())
    staff = [
        reverse("registrations:staff_summary", kwargs={"slug": event.slug}),
        reverse("registrations:staff_participant_list", kwargs={"slug": event.slug}),
        reverse("registrations:staff_badges", kwargs={"slug": event.slug}),
        reverse("registrations:checkin", kwargs={"slug": event.slug}) + "?q=Ana",
        reverse("admin:registrations_registration_changelist"),
        reverse("admin:registrations_registration_change", args=[registration.pk]),
        reverse("admin:registrations_invitation_changelist"),
        reverse("admin:events_event_change", args=[event.pk]),
    ]
    for url in staff:
        response = client.get(url)
        assert response.status_code == 200, url
        assert_inert(response.content.decode(), url)
    # The text itself is still there for people to read.
    assert "&lt;script&gt;alert" in client.get(staff[1]).content.decode()


def test_every_email_shows_hostile_content_as_text(hostile_world):
    event, _session, registration = hostile_world
    for kind in OutboxEmail.Kind:
        if kind in (OutboxEmail.Kind.INVITATION, OutboxEmail.Kind.MAILING):
            continue
        if kind in (OutboxEmail.Kind.LOGIN_ATTEMPTS, OutboxEmail.Kind.ACCOUNT):
            continue  # to an account's owner: nothing a registrant wrote is in them
        if kind == OutboxEmail.Kind.FOLLOW_CONFIRM:
            # To a series follower: the series' title, which staff write.
            series = factories.WebinarSeriesFactory(title=f"Series {PAYLOADS[0]}")
            follower = SeriesFollower.objects.create(series=series, email="ana@example.com")
            assert_inert(follower_emails.queue_confirmation(follower).body_html, f"{kind} email")
            continue
        context = {"old_times": [], "new_times": [], "attended": True, "recording_url": "https://v.example/r"}
        rendered = emails.render_email(registration=registration, kind=kind, context=context)
        assert_inert(rendered["body_html"], f"{kind} email")
    invitation = event.invitations.get()
    assert_inert(emails.render_invitation_email(invitation=invitation)["body_html"], "invitation email")


def test_the_csv_exports_neutralise_formulas(client):
    event = factories.EventFactory()
    factories.RegistrationFactory(event=event, name='=HYPERLINK("https://evil.example")', organisation="+1+1")
    client.force_login(factories.StaffFactory())

    content = client.get(reverse("registrations:staff_registrations_csv", kwargs={"slug": event.slug}))
    text = b"".join(content.streaming_content).decode() if content.streaming else content.content.decode()

    assert "'=HYPERLINK" in text
    assert "'+1+1" in text
    assert Registration.objects.count() == 1
