import datetime as dt
import threading
from types import SimpleNamespace

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone, translation

from events.models import Session
from registrations.mailings import services as mailings
from registrations.mailings import tasks
from registrations.mailings.services import MailingError
from registrations.models import Mailing, OutboxEmail, Registration
from registrations.outbox import services as outbox_services
from tests import factories
from tests.conftest import shows_staff_only_page

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _site_url(settings):
    settings.SITE_URL = "http://testserver.example"
    settings.MAILING_RATE_PER_MINUTE = 0


def manage_link(registration):
    return "http://testserver.example" + reverse(
        "registrations:manage", kwargs={"token": registration.manage_token}
    )


def make_mailing(event, **fields):
    sessions = fields.pop("sessions", [])
    defaults = {"subject": "News for {{ name }}", "body": "Hello {{ name }}.", "audience": "confirmed"}
    mailing = Mailing.objects.create(event=event, **{**defaults, **fields})
    mailing.sessions.set(sessions)
    return mailing


def audience(mailing):
    return list(mailings.audience_queryset(mailing))


def rows_of(mailing):
    return list(
        mailings.recipient_rows(mailing).order_by("registration_id").values_list("registration_id", flat=True)
    )


def start(mailing, user, capture):
    with capture(execute=True):
        return mailings.start_mailing(mailing=mailing, user=user)


@pytest.fixture
def people(conference_with_mixed_sessions):
    """One event's registrants of every kind, and a confirmed registrant of another event."""
    conf = conference_with_mixed_sessions
    event = conf.event
    reg = factories.RegistrationFactory
    affiliate_user = factories.MembershipFactory().user
    domain = factories.OrganisationDomainFactory()
    people = SimpleNamespace(
        event=event,
        conf=conf,
        anonymous=reg(event=event, name="Anonymous Guest"),
        plain=reg(event=event, name="Plain User", user=factories.UserFactory()),
        unverified=reg(
            event=event,
            name="Unverified Domain",
            user=factories.UserFactory(email=f"u@{domain.domain}", verified_email=False),
        ),
        affiliate=reg(event=event, name="Affiliate Member", user=affiliate_user),
        staff=reg(event=event, name="Staff Member", user=factories.StaffFactory()),
        interpreted=reg(event=event, name="Wants Spanish", interpretation_language="es"),
        no_interpretation=reg(event=event, name="No Interpretation", interpretation_language="none"),
        waiting=reg(event=event, name="Waiting", status=Registration.Status.WAITLISTED),
        pending=reg(event=event, name="Pending", status=Registration.Status.PENDING),
        cancelled=reg(event=event, name="Cancelled", status=Registration.Status.CANCELLED),
        other_event=reg(name="Other Event"),
    )
    people.plain.sessions.set([conf.public])
    people.affiliate.sessions.set([conf.teaser])
    # A guest's registration that somehow holds a restricted session must not let it leak.
    people.anonymous.sessions.set([conf.public, conf.teaser])
    people.staff.sessions.set([conf.hidden])
    people.cancelled.sessions.set([conf.public])
    return people


# --- Rendering -------------------------------------------------------------------------------------


def test_placeholders_are_substituted_in_subject_text_and_html():
    event = factories.EventFactory(title="Procurement & Rights 2030", practical_information="Bring **ID**.")
    registration = factories.RegistrationFactory(event=event, name="Ana Pérez")
    mailing = make_mailing(
        event,
        subject="{{name}}: {{ event }}",
        body="Dear {{ name }},\n\n{{ practical_information }}\n\nManage: {{ manage_link }}\n\n{{ unknown }}",
    )

    email = mailings.render_mailing(mailing=mailing, registration=registration)

    assert email["subject"] == "Ana Pérez: Procurement & Rights 2030"
    assert email["body_text"].startswith(
        f"Dear Ana Pérez,\n\nBring **ID**.\n\nManage: {manage_link(registration)}\n\n{{{{ unknown }}}}\n"
    )
    assert "<p>Dear Ana Pérez,</p>" in email["body_html"]
    assert "<p>Bring <strong>ID</strong>.</p>" in email["body_html"]
    assert f"Manage: {manage_link(registration)}" in email["body_html"]
    assert "<title>Ana Pérez: Procurement &amp; Rights 2030</title>" in email["body_html"]
    assert email["ics"] == ""


def test_html_is_sanitised_and_names_stay_text():
    event = factories.EventFactory()
    registration = factories.RegistrationFactory(event=event, name="<b>Bo</b> *Smith*")
    mailing = make_mailing(
        event,
        body=(
            "Hi {{ name }}\n\n<script>alert('body')</script>\n\n"
            '<img src="x" onerror="alert(1)">\n\n[click](javascript:alert(2)) [site](https://example.org)'
        ),
    )

    html = mailings.render_mailing(mailing=mailing, registration=registration)["body_html"]

    assert "<script" not in html
    assert "alert('body')" not in html
    assert "onerror" not in html
    assert "javascript:" not in html
    assert '<a href="https://example.org" rel="noopener noreferrer">site</a>' in html
    assert "Hi &lt;b&gt;Bo&lt;/b&gt; *Smith*" in html


def test_mailing_renders_in_the_registrants_language():
    event = factories.EventFactory()
    registration = factories.RegistrationFactory(event=event, language="es")

    html = mailings.render_mailing(mailing=make_mailing(event), registration=registration)["body_html"]

    assert '<html lang="es">' in html


def test_every_mailing_row_is_a_rendered_outbox_kind(people, django_capture_on_commit_callbacks, staff_user):
    # Completes tests/registrations/test_invitations.py::test_every_outbox_kind_has_a_rendering.
    mailing = make_mailing(people.event)

    start(mailing, staff_user, django_capture_on_commit_callbacks)

    row = mailings.recipient_rows(mailing).get(registration=people.plain)
    assert row.kind == OutboxEmail.Kind.MAILING
    assert (row.subject, row.to_email, row.language) == ("News for Plain User", people.plain.email, "en")
    assert row.body_text.startswith("Hello Plain User.\n")
    assert manage_link(people.plain) in row.body_text
    assert "<p>Hello Plain User.</p>" in row.body_html


# --- Audiences -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("choice", "expected"),
    [
        (
            "confirmed",
            ["anonymous", "plain", "unverified", "affiliate", "staff", "interpreted", "no_interpretation"],
        ),
        ("guests", ["anonymous", "plain", "unverified", "interpreted", "no_interpretation"]),
        ("affiliates", ["affiliate", "staff"]),
        ("waiting_list", ["waiting"]),
        ("interpretation", ["interpreted"]),
    ],
)
def test_each_audience_selects_exactly_its_registrations(people, choice, expected):
    mailing = make_mailing(people.event, audience=choice)

    assert audience(mailing) == [getattr(people, name) for name in expected]


def test_attendees_of_public_sessions_are_everyone_confirmed_who_chose_them(people):
    mailing = make_mailing(people.event, audience="sessions", sessions=[people.conf.public])

    assert audience(mailing) == [people.anonymous, people.plain]


def test_attendees_of_a_restricted_session_are_only_those_who_may_see_it(people):
    mailing = make_mailing(people.event, audience="sessions", sessions=[people.conf.teaser])

    assert audience(mailing) == [people.affiliate]


def test_with_a_restricted_session_chosen_no_guest_is_included_even_through_a_public_one(people):
    conf = people.conf
    mailing = make_mailing(
        people.event, audience="sessions", sessions=[conf.public, conf.teaser, conf.hidden]
    )

    assert audience(mailing) == [people.affiliate, people.staff]


def test_sessions_of_another_event_select_nobody(people):
    other_session = factories.SessionFactory(event=people.other_event.event)
    people.other_event.sessions.set([other_session])
    mailing = make_mailing(people.event, audience="sessions", sessions=[other_session])

    assert audience(mailing) == []


def test_registered_since_keeps_only_newer_registrations(people):
    Registration.objects.filter(pk=people.plain.pk).update(created=timezone.now() - dt.timedelta(days=3))
    since = timezone.now() - dt.timedelta(days=1)
    mailing = make_mailing(people.event, audience="guests", registered_since=since)

    assert people.plain not in audience(mailing)
    assert people.anonymous in audience(mailing)


# --- Sending ---------------------------------------------------------------------------------------


def test_start_sends_one_message_per_recipient_and_a_second_start_changes_nothing(
    people, staff_user, django_capture_on_commit_callbacks, mailoutbox
):
    mailing = make_mailing(people.event, audience="affiliates")

    start(mailing, staff_user, django_capture_on_commit_callbacks)
    with pytest.raises(MailingError):
        start(mailing, staff_user, django_capture_on_commit_callbacks)

    mailing.refresh_from_db()
    assert mailing.status == Mailing.Status.SENT
    assert mailing.sent_at is not None
    assert rows_of(mailing) == [people.affiliate.pk, people.staff.pk]
    assert sorted(message.to[0] for message in mailoutbox) == sorted(
        [people.affiliate.email, people.staff.email]
    )
    assert {message.subject for message in mailoutbox} == {
        "News for Affiliate Member",
        "News for Staff Member",
    }
    progress = mailings.progress_of(mailing)
    assert (progress.sent, progress.total, progress.failed, progress.pending) == (2, 2, 0, 0)


def test_running_the_task_again_writes_and_sends_nothing_more(
    people, staff_user, django_capture_on_commit_callbacks, mailoutbox
):
    mailing = make_mailing(people.event, audience="interpretation")
    start(mailing, staff_user, django_capture_on_commit_callbacks)
    Mailing.objects.filter(pk=mailing.pk).update(status=Mailing.Status.SENDING)

    tasks.task_send_mailing(mailing_id=mailing.pk)
    tasks.task_send_mailing(mailing_id=mailing.pk)

    assert rows_of(mailing) == [people.interpreted.pk]
    assert len(mailoutbox) == 1


def test_a_mailing_without_recipients_is_refused(people, staff_user, django_capture_on_commit_callbacks):
    mailing = make_mailing(people.event, audience="sessions")

    with pytest.raises(MailingError, match="no recipients"):
        start(mailing, staff_user, django_capture_on_commit_callbacks)

    mailing.refresh_from_db()
    assert mailing.status == Mailing.Status.DRAFT


def test_sends_are_spread_at_the_configured_rate(people, staff_user, settings, monkeypatch):
    settings.MAILING_RATE_PER_MINUTE = 3
    queued = []
    monkeypatch.setattr(outbox_services, "queue_delivery", lambda **kwargs: queued.append(kwargs))
    mailing = make_mailing(people.event)
    Mailing.objects.filter(pk=mailing.pk).update(status=Mailing.Status.SENDING)

    mailings.deliver_mailing(mailing_id=mailing.pk)

    ids = sorted(mailings.recipient_rows(mailing).values_list("pk", flat=True))
    assert queued == [
        {"outbox_id": outbox_id, "countdown": countdown, "queue": "mailings"}
        for outbox_id, countdown in zip(ids, [0, 20, 40, 60, 80, 100, 120], strict=True)
    ]
    # The sweep must not send a row before its turn either.
    send_after = dict(mailings.recipient_rows(mailing).values_list("pk", "send_after"))
    offsets = [round((send_after[pk] - send_after[ids[0]]).total_seconds()) for pk in ids]
    assert offsets == [0, 20, 40, 60, 80, 100, 120]


def test_send_again_to_failed_requeues_only_failed_rows(
    people, staff_user, django_capture_on_commit_callbacks, mailoutbox
):
    mailing = make_mailing(people.event, audience="affiliates")
    start(mailing, staff_user, django_capture_on_commit_callbacks)
    failed = mailings.recipient_rows(mailing).get(registration=people.staff)
    OutboxEmail.objects.filter(pk=failed.pk).update(
        status=OutboxEmail.Status.FAILED, attempts=5, last_error="SMTPServerDisconnected: gone"
    )
    mailoutbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        assert mailings.resend_failed(mailing=mailing) == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert mailings.resend_failed(mailing=mailing) == 0

    assert [message.to for message in mailoutbox] == [[people.staff.email]]
    failed.refresh_from_db()
    assert (failed.status, failed.attempts, failed.last_error) == ("sent", 1, "")
    assert rows_of(mailing) == [people.affiliate.pk, people.staff.pk]


def test_send_to_those_registered_since_reaches_only_new_ones(
    people, staff_user, django_capture_on_commit_callbacks, mailoutbox
):
    mailing = make_mailing(people.event, audience="guests")
    start(mailing, staff_user, django_capture_on_commit_callbacks)
    mailing.refresh_from_db()
    before = len(mailoutbox)
    newcomer = factories.RegistrationFactory(event=people.event, name="Newcomer")

    with django_capture_on_commit_callbacks(execute=True):
        count = mailings.send_to_new_audience(mailing=mailing, user=staff_user, since=mailing.sent_at)
    with pytest.raises(MailingError, match="nobody new"):
        mailings.send_to_new_audience(mailing=mailing, user=staff_user)

    assert count == 1
    assert [message.to for message in mailoutbox[before:]] == [[newcomer.email]]
    assert mailings.recipient_rows(mailing).count() == before + 1
    mailing.refresh_from_db()
    assert mailing.status == Mailing.Status.SENT


def test_send_to_new_without_a_date_skips_everyone_who_had_it(
    people, staff_user, django_capture_on_commit_callbacks, mailoutbox
):
    mailing = make_mailing(people.event, audience="waiting_list")
    start(mailing, staff_user, django_capture_on_commit_callbacks)
    older = factories.RegistrationFactory(event=people.event, status=Registration.Status.WAITLISTED)
    Registration.objects.filter(pk=older.pk).update(created=timezone.now() - dt.timedelta(days=30))

    with django_capture_on_commit_callbacks(execute=True):
        mailings.send_to_new_audience(mailing=mailing, user=staff_user)

    assert [message.to for message in mailoutbox] == [[people.waiting.email], [older.email]]


def test_a_stalled_mailing_is_finished_by_the_periodic_task(people, staff_user, mailoutbox):
    mailing = make_mailing(people.event, audience="waiting_list")
    Mailing.objects.filter(pk=mailing.pk).update(
        status=Mailing.Status.SENDING, sending_started_at=timezone.now() - dt.timedelta(hours=1)
    )

    assert tasks.task_resume_mailings() == 1

    assert [message.to for message in mailoutbox] == [[people.waiting.email]]
    assert tasks.task_resume_mailings() == 0


def test_a_test_goes_to_the_staff_member_and_is_no_recipient(
    people, staff_user, django_capture_on_commit_callbacks, mailoutbox
):
    mailing = make_mailing(people.event, audience="waiting_list")

    with django_capture_on_commit_callbacks(execute=True):
        row = mailings.send_test_mailing(mailing=mailing, user=staff_user, registration=people.waiting)

    assert (row.to_email, row.dedupe_key, row.registration_id) == (staff_user.email, None, None)
    assert [(message.to, message.subject) for message in mailoutbox] == [
        ([staff_user.email], "[Test] News for Waiting")
    ]
    assert mailings.progress_of(mailing).total == 0
    start(mailing, staff_user, django_capture_on_commit_callbacks)
    assert rows_of(mailing) == [people.waiting.pk]


# --- Concurrency on PostgreSQL ---------------------------------------------------------------------


def run_together(count, action):
    barrier = threading.Barrier(count)
    results = []

    def worker():
        try:
            barrier.wait(timeout=30)
            results.append(action())
        except Exception as error:  # reported by the test
            results.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads)
    return results


@pytest.fixture
def crowd(transactional_db):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite cannot lock rows for concurrent writers")
    event = factories.EventFactory()
    registrations = [factories.RegistrationFactory(event=event) for _ in range(30)]
    return SimpleNamespace(event=event, registrations=registrations, staff=factories.StaffFactory())


def test_two_concurrent_starts_send_one_set_of_rows(crowd, mailoutbox):
    mailing = make_mailing(crowd.event)

    results = run_together(2, lambda: mailings.start_mailing(mailing=mailing, user=crowd.staff))

    assert sorted(type(result).__name__ for result in results) == ["Mailing", "MailingError"]
    assert rows_of(mailing) == sorted(registration.pk for registration in crowd.registrations)
    assert len(mailoutbox) == len(crowd.registrations)
    assert len({message.to[0] for message in mailoutbox}) == len(crowd.registrations)


def test_the_task_run_twice_concurrently_writes_one_row_per_person(crowd, mailoutbox, monkeypatch):
    monkeypatch.setattr(mailings, "queue_send_mailing", lambda **kwargs: None)
    mailing = make_mailing(crowd.event)
    mailings.start_mailing(mailing=mailing, user=crowd.staff)

    results = run_together(2, lambda: mailings.deliver_mailing(mailing_id=mailing.pk))

    assert all(isinstance(result, int) for result in results), results
    assert rows_of(mailing) == sorted(registration.pk for registration in crowd.registrations)
    assert sorted(message.to[0] for message in mailoutbox) == sorted(r.email for r in crowd.registrations)


def test_concurrent_resends_to_failed_send_each_once(crowd, mailoutbox, monkeypatch):
    mailing = make_mailing(crowd.event)
    mailings.start_mailing(mailing=mailing, user=crowd.staff)
    mailings.recipient_rows(mailing).update(status=OutboxEmail.Status.FAILED)
    mailoutbox.clear()

    results = run_together(2, lambda: mailings.resend_failed(mailing=mailing))

    assert sorted(results) == [0, len(crowd.registrations)]
    assert sorted(message.to[0] for message in mailoutbox) == sorted(r.email for r in crowd.registrations)


# --- Admin -----------------------------------------------------------------------------------------


def mailing_urls(mailing):
    names = ["change", "preview", "send", "send_test", "resend_failed", "send_to_new"]
    return [
        reverse("admin:registrations_mailing_changelist"),
        reverse("admin:registrations_mailing_add"),
        reverse("admin:registrations_mailing_practical_information"),
        *(reverse(f"admin:registrations_mailing_{name}", args=[mailing.pk]) for name in names),
    ]


@pytest.mark.parametrize("kind", ["anonymous", "plain", "affiliate"])
@pytest.mark.parametrize("method", ["get", "post"])
def test_non_staff_are_refused_every_mailing_page(client, people, kind, method):
    from tests.conftest import make_viewer

    user = make_viewer({"plain": "non_affiliate", "affiliate": "member"}.get(kind, kind))
    if user is not None:
        client.force_login(user)
    mailing = make_mailing(people.event)

    for url in mailing_urls(mailing):
        response = getattr(client, method)(url)
        if user is None:
            assert response.status_code == 302, url
            assert response["Location"].startswith(reverse("admin:login")), url
        else:
            assert shows_staff_only_page(response), url
    assert OutboxEmail.objects.filter(mailing=mailing).count() == 0
    assert Mailing.objects.get(pk=mailing.pk).status == Mailing.Status.DRAFT


def test_staff_see_how_many_people_a_draft_goes_to(admin_client, people):
    mailing = make_mailing(people.event, audience="affiliates")

    change = admin_client.get(reverse("admin:registrations_mailing_change", args=[mailing.pk]))
    confirm = admin_client.get(reverse("admin:registrations_mailing_send", args=[mailing.pk]))

    assert "This mailing will go to 2 people." in change.content.decode()
    assert "This mailing will go to 2 people." in confirm.content.decode()
    assert Mailing.objects.get(pk=mailing.pk).status == Mailing.Status.DRAFT


def test_staff_preview_as_a_named_recipient(admin_client, people):
    mailing = make_mailing(people.event, audience="guests", body="Hello **{{ name }}**.")
    url = reverse("admin:registrations_mailing_preview", args=[mailing.pk])

    search = admin_client.get(url, {"q": "plain"})
    preview = admin_client.get(url, {"registration": people.plain.pk})
    outsider = admin_client.get(url, {"registration": people.affiliate.pk})

    assert [match.pk for match in search.context["matches"]] == [people.plain.pk]
    assert preview.context["registration"] == people.plain
    assert preview.context["rendered"]["subject"] == "News for Plain User"
    assert "<strong>Plain User</strong>" in preview.context["rendered"]["body_html"]
    assert 'sandbox="" srcdoc="' in preview.content.decode()
    assert outsider.status_code == 404


def test_staff_send_a_test_to_themselves_from_admin(
    admin_client, admin_user, people, django_capture_on_commit_callbacks, mailoutbox
):
    mailing = make_mailing(people.event, audience="guests")

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("admin:registrations_mailing_send_test", args=[mailing.pk]),
            {"registration": people.plain.pk},
            follow=True,
        )

    assert [(message.to, message.subject) for message in mailoutbox] == [
        ([admin_user.email], "[Test] News for Plain User")
    ]
    assert f"A test was queued to {admin_user.email}." in [str(m) for m in response.context["messages"]]
    assert mailings.progress_of(mailing).total == 0


def test_staff_send_from_admin_once_and_see_per_recipient_status(
    admin_client, people, django_capture_on_commit_callbacks, mailoutbox
):
    mailing = make_mailing(people.event, audience="affiliates")
    send_url = reverse("admin:registrations_mailing_send", args=[mailing.pk])

    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(send_url)
    with django_capture_on_commit_callbacks(execute=True):
        second = admin_client.post(send_url, follow=True)
    failed = mailings.recipient_rows(mailing).get(registration=people.staff)
    OutboxEmail.objects.filter(pk=failed.pk).update(status="failed", last_error="SMTPDataError: refused")
    page = admin_client.get(reverse("admin:registrations_mailing_change", args=[mailing.pk]))

    assert len(mailoutbox) == 2
    assert "This mailing was already sent or is being sent." in [str(m) for m in second.context["messages"]]
    content = page.content.decode()
    assert "1 of 2 sent, 0 pending, 1 failed" in content
    assert "SMTPDataError: refused" in content
    assert people.affiliate.email in content
    listed = admin_client.get(
        reverse("admin:registrations_outboxemail_changelist"), {"mailing__exact": mailing.pk}
    )
    assert sorted(row.pk for row in listed.context["cl"].result_list) == sorted(
        mailings.recipient_rows(mailing).values_list("pk", flat=True)
    )


def test_staff_send_again_to_failed_from_admin(
    admin_client, people, django_capture_on_commit_callbacks, mailoutbox
):
    mailing = make_mailing(people.event, audience="waiting_list")
    start(mailing, None, django_capture_on_commit_callbacks)
    mailings.recipient_rows(mailing).update(status="failed")
    mailoutbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("admin:registrations_mailing_resend_failed", args=[mailing.pk]), follow=True
        )

    assert [message.to for message in mailoutbox] == [[people.waiting.email]]
    assert "1 failed email was queued again." in [str(m) for m in response.context["messages"]]


def test_staff_send_to_those_registered_since_from_admin(
    admin_client, people, django_capture_on_commit_callbacks, mailoutbox
):
    mailing = make_mailing(people.event, audience="waiting_list")
    start(mailing, None, django_capture_on_commit_callbacks)
    newcomer = factories.RegistrationFactory(event=people.event, status=Registration.Status.WAITLISTED)
    url = reverse("admin:registrations_mailing_send_to_new", args=[mailing.pk])

    form = admin_client.get(url)
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(url, {"since": ""})

    assert "1 person in the audience registered since then and has not had this mailing." in (
        form.content.decode()
    )
    assert [message.to for message in mailoutbox] == [[people.waiting.email], [newcomer.email]]


def test_staff_write_a_mailing_and_it_records_who(admin_client, admin_user, people):
    response = admin_client.post(
        reverse("admin:registrations_mailing_add"),
        {
            "event": people.event.pk,
            "subject": "Lunch",
            "body": "Lunch is served.",
            "audience": "sessions",
            "sessions": [people.conf.public.pk],
            "registered_since_0": "",
            "registered_since_1": "",
        },
    )

    assert response.status_code == 302
    mailing = Mailing.objects.get()
    assert (mailing.created_by, mailing.status, list(mailing.sessions.all())) == (
        admin_user,
        "draft",
        [people.conf.public],
    )


def test_a_sessions_audience_needs_sessions_of_the_event(admin_client, people):
    other = factories.SessionFactory(visibility=Session.Visibility.PUBLIC)
    data = {
        "event": people.event.pk,
        "subject": "Lunch",
        "body": "Lunch is served.",
        "audience": "sessions",
        "registered_since_0": "",
        "registered_since_1": "",
    }

    without = admin_client.post(reverse("admin:registrations_mailing_add"), data)
    elsewhere = admin_client.post(
        reverse("admin:registrations_mailing_add"), {**data, "sessions": [other.pk]}
    )

    assert without.context["adminform"].form.errors == {
        "sessions": ["Choose the sessions whose attendees get this mailing."]
    }
    assert elsewhere.context["adminform"].form.errors == {
        "sessions": ["Choose sessions of this mailing's event."]
    }
    assert Mailing.objects.count() == 0


def test_practical_information_mailing_is_prefilled_from_the_event(admin_client, admin_user):
    venue = factories.VenueFactory(
        name="Herman Tierlinck Building",
        address="Havenlaan 88",
        city="Brussels",
        country="Belgium",
        directions="Ten minutes from Brussels North station.",
    )
    event = factories.EventFactory(venue=venue, practical_information="Lunch is provided on both days.")
    registration = factories.RegistrationFactory(event=event, name="Ana")

    response = admin_client.post(
        reverse("admin:registrations_mailing_practical_information"), {"event": event.pk}
    )

    mailing = Mailing.objects.get()
    assert response["Location"] == reverse("admin:registrations_mailing_change", args=[mailing.pk])
    assert (mailing.status, mailing.audience, mailing.created_by) == ("draft", "confirmed", admin_user)
    for text in [
        "Herman Tierlinck Building",
        "Havenlaan 88",
        "Brussels, Belgium",
        "Ten minutes from Brussels",
    ]:
        assert text in mailing.body
    assert "hotels and transportation" in mailing.body
    email = mailings.render_mailing(mailing=mailing, registration=registration)
    assert email["subject"] == f"Practical information: {event.title}"
    assert "Lunch is provided on both days." in email["body_html"]
    assert "<strong>Herman Tierlinck Building</strong><br" in email["body_html"]
    assert manage_link(registration) in email["body_text"]


def test_a_sent_mailing_can_no_longer_be_edited_or_deleted(
    admin_client, people, django_capture_on_commit_callbacks
):
    mailing = make_mailing(people.event, audience="waiting_list")
    start(mailing, None, django_capture_on_commit_callbacks)

    page = admin_client.get(reverse("admin:registrations_mailing_change", args=[mailing.pk]))
    delete = admin_client.get(reverse("admin:registrations_mailing_delete", args=[mailing.pk]))

    assert "body" not in page.context["adminform"].form.fields
    assert delete.status_code == 403


def test_each_recipient_gets_the_event_title_and_practical_information_in_their_language():
    event = factories.EventFactory(
        title="Annual conference",
        title_es="Conferencia anual",
        practical_information="Bring your badge.",
        practical_information_es="Traiga su acreditación.",
    )
    mailing = make_mailing(event, subject="About {{ event }}", body="{{ practical_information }}")
    prepared = mailings.PreparedMailing(mailing)
    spanish = factories.RegistrationFactory(event=event, language="es")
    english = factories.RegistrationFactory(event=event, language="en")

    with translation.override("en"):  # the worker's language decides nothing
        in_spanish, in_english = prepared.render(spanish), prepared.render(english)

    assert in_spanish["subject"] == "About Conferencia anual"
    assert "Traiga su acreditación." in in_spanish["body_text"]
    assert "Traiga su acreditación." in in_spanish["body_html"]
    assert in_english["subject"] == "About Annual conference"
    assert "Bring your badge." in in_english["body_text"]


# --- Two languages ---------------------------------------------------------------------------------


def test_each_recipient_gets_the_mailing_in_their_own_language(
    staff_user, django_capture_on_commit_callbacks, mailoutbox
):
    event = factories.EventFactory(title="Annual conference", title_es="Conferencia anual")
    english = factories.RegistrationFactory(event=event, name="Ann", language="en")
    spanish = factories.RegistrationFactory(event=event, name="Bea", language="es")
    # Stored before languages were recorded: the site's default language.
    unknown = factories.RegistrationFactory(event=event, name="Cy", language="")
    mailing = make_mailing(
        event,
        subject="News for {{ name }}: {{ event }}",
        body="Hello **{{ name }}**.",
        subject_es="Noticias para {{ name }}: {{ event }}",
        body_es="Hola **{{ name }}**.",
    )

    start(mailing, staff_user, django_capture_on_commit_callbacks)

    rows = {row.registration_id: row for row in mailings.recipient_rows(mailing)}
    assert [(rows[r.pk].language, rows[r.pk].subject) for r in (english, spanish, unknown)] == [
        ("en", "News for Ann: Annual conference"),
        ("es", "Noticias para Bea: Conferencia anual"),
        ("en", "News for Cy: Annual conference"),
    ]
    assert rows[spanish.pk].body_text.startswith("Hola **Bea**.\n")
    assert "<p>Hola <strong>Bea</strong>.</p>" in rows[spanish.pk].body_html
    assert '<html lang="es">' in rows[spanish.pk].body_html
    assert rows[english.pk].body_text.startswith("Hello **Ann**.\n")
    assert sorted(message.subject for message in mailoutbox) == [
        "News for Ann: Annual conference",
        "News for Cy: Annual conference",
        "Noticias para Bea: Conferencia anual",
    ]


def test_spanish_speakers_get_the_english_text_where_the_spanish_one_is_empty():
    event = factories.EventFactory(title="Conf")
    spanish = factories.RegistrationFactory(event=event, name="Bea", language="es")
    no_spanish = make_mailing(event, subject="News", body="Hello {{ name }}.")
    subject_only = make_mailing(event, subject="News", body="Hello {{ name }}.", subject_es="Noticias")

    without = mailings.render_mailing(mailing=no_spanish, registration=spanish)
    with_subject = mailings.render_mailing(mailing=subject_only, registration=spanish)

    assert (without["subject"], without["body_text"].split("\n")[0]) == ("News", "Hello Bea.")
    assert (with_subject["subject"], with_subject["body_text"].split("\n")[0]) == ("Noticias", "Hello Bea.")


def test_staff_write_the_spanish_text_and_preview_and_test_it_in_spanish(
    admin_client, admin_user, people, django_capture_on_commit_callbacks
):
    response = admin_client.post(
        reverse("admin:registrations_mailing_add"),
        {
            "event": people.event.pk,
            "subject": "Lunch",
            "body": "Lunch is served, {{ name }}.",
            "subject_es": "Almuerzo",
            "body_es": "El almuerzo está servido, {{ name }}.",
            "audience": "confirmed",
            "registered_since_0": "",
            "registered_since_1": "",
        },
    )
    mailing = Mailing.objects.get()
    preview_url = reverse("admin:registrations_mailing_preview", args=[mailing.pk])

    in_english = admin_client.get(preview_url, {"registration": people.plain.pk})
    in_spanish = admin_client.get(preview_url, {"registration": people.plain.pk, "language": "es"})
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(
            reverse("admin:registrations_mailing_send_test", args=[mailing.pk]),
            {"registration": people.plain.pk, "language": "es"},
        )

    assert response.status_code == 302
    assert (mailing.subject_es, mailing.body_es) == ("Almuerzo", "El almuerzo está servido, {{ name }}.")
    assert in_english.context["rendered"]["subject"] == "Lunch"
    assert in_spanish.context["rendered"]["subject"] == "Almuerzo"
    assert "El almuerzo está servido, Plain User." in in_spanish.context["rendered"]["body_text"]
    assert 'aria-current="page">In Spanish<' in in_spanish.content.decode()
    test_row = OutboxEmail.objects.get(mailing=mailing)
    assert (test_row.to_email, test_row.language, test_row.subject) == (
        admin_user.email,
        "es",
        "[Test] Almuerzo",
    )


def test_practical_information_mailing_is_prefilled_in_english_and_spanish(staff_user):
    event = factories.EventFactory(practical_information="Lunch is provided.")

    with translation.override("es"):  # whatever the staff member's admin language
        mailing = mailings.create_practical_information_mailing(event=event, user=staff_user)

    assert mailing.subject == "Practical information: {{ event }}"
    assert mailing.body.startswith("Dear {{ name }},\n\nHere is the practical information for {{ event }}.")
    assert mailing.subject_es == "Información práctica: {{ event }}"
    assert mailing.body_es.startswith("Estimado/a {{ name }}:\n")
    assert "{{ practical_information }}" in mailing.body_es
