"""The admin's index is the staff home: named as the site, what needs action first, the coming
events with their places, and the admin's models grouped by task (registrations/admin/home.py)."""

import datetime as dt
import tomllib

import pytest
from django.conf import settings
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone, translation

import ewevents
from operations.models import Heartbeat
from registrations.models import Mailing, OutboxEmail, Registration
from tests import factories

pytestmark = pytest.mark.django_db

HOME = reverse("admin:index")
PENDING = Registration.Status.PENDING


def _outbox(status, n=1):
    for i in range(n):
        OutboxEmail.objects.create(
            to_email=f"{status}{i}@example.org", kind="registered", subject="s", status=status
        )


def _world(events=1):
    """`events` coming events, each with two registrations awaiting approval, one confirmed and
    one waitlisted, its settings and a draft mailing; two failed emails and a sent one."""
    made = []
    for n in range(events):
        event = factories.EventFactory(title=f"Conference {n}")
        factories.RegistrationSettingsFactory(event=event, capacity=50, confirmed_count=1)
        factories.RegistrationFactory.create_batch(2, event=event, status=PENDING)
        factories.RegistrationFactory(event=event)
        factories.RegistrationFactory(event=event, status=Registration.Status.WAITLISTED)
        Mailing.objects.create(event=event, subject=f"Practical information {n}", body="Hello")
        made.append(event)
    _outbox(OutboxEmail.Status.FAILED, 2)
    _outbox(OutboxEmail.Status.SENT)
    return made


def test_the_home_lists_what_needs_action_with_links_to_the_filtered_lists(admin_client):
    soon = factories.EventFactory(
        title="Webinar on remedy", start=factories.EventFactory().start.replace(year=2029)
    )
    later = factories.EventFactory(title="Annual Conference")
    factories.RegistrationFactory.create_batch(2, event=later, status=PENDING)
    factories.RegistrationFactory(event=soon, status=PENDING)
    factories.RegistrationFactory(event=soon, status=Registration.Status.CONFIRMED)  # needs nothing
    _outbox(OutboxEmail.Status.FAILED, 2)
    _outbox(OutboxEmail.Status.SENT)
    draft = Mailing.objects.create(event=later, subject="Hotels nearby", body="Hello")
    Mailing.objects.create(event=later, subject="Sent before", body="Hello", status=Mailing.Status.SENT)

    response = admin_client.get(HOME)
    content = response.content.decode()

    assert [(row.event.title, row.count) for row in response.context["pending_approvals"]] == [
        ("Webinar on remedy", 1),
        ("Annual Conference", 2),
    ]
    pending_link = (
        reverse("admin:registrations_registration_changelist")
        + f"?event__id__exact={later.pk}&amp;status__exact=pending"
    )
    assert f'<a href="{pending_link}">2 registrations await approval for Annual Conference</a>' in content
    assert response.context["failed_emails"] == 2
    failed_link = reverse("admin:registrations_outboxemail_changelist") + "?status__exact=failed"
    assert f'<a href="{failed_link}">2 emails failed to send</a>' in content
    assert (response.context["draft_mailings"], response.context["draft_mailing_count"]) == ([draft], 1)
    assert "1 mailing in draft" in content
    assert reverse("admin:registrations_mailing_change", args=[draft.pk]) in content


def test_the_home_says_when_nothing_needs_action(admin_client):
    content = admin_client.get(HOME).content.decode()

    assert "No registration awaits approval." in content
    assert "No email failed to send." in content
    assert "No mailing in draft." in content
    assert "No coming events." in content


def test_coming_events_show_places_taken_of_capacity_and_who_waits(admin_client):
    conference = factories.EventFactory(title="Annual Conference")
    factories.RegistrationSettingsFactory(event=conference, capacity=120, confirmed_count=85)
    factories.RegistrationFactory.create_batch(3, event=conference, status=Registration.Status.WAITLISTED)
    webinar = factories.WebinarFactory(title="Webinar without registration")
    past = factories.EventFactory(
        title="Last year", start=conference.start.replace(year=2020), end=conference.end.replace(year=2020)
    )

    response = admin_client.get(HOME)

    rows = [
        (row.event.title, row.has_settings, row.taken, row.capacity, row.waiting)
        for row in response.context["coming_events"]
    ]
    assert rows == [
        ("Webinar without registration", False, 0, None, 0),
        ("Annual Conference", True, 85, 120, 3),
    ]
    assert response.context["coming_events"][1].when == "Wed 6 Nov, 09:00 – Thu 7 Nov, 16:30"
    content = response.content.decode()
    assert "85 of 120" in content
    assert "Registration not set up" in content
    assert past.title not in content
    assert webinar.get_absolute_url() not in content  # staff go to the admin's page of the event
    assert reverse("admin:events_event_change", args=[conference.pk]) in content


def test_the_home_is_named_as_the_site_in_english_and_spanish(admin_client):
    english = admin_client.get(HOME).content.decode()
    with translation.override("es"):
        spanish = admin_client.get(HOME, headers={"accept-language": "es"}).content.decode()

    assert "<title>Staff home | Electronics Watch events</title>" in english
    assert "Django administration" not in english
    assert "Eventos de Electronics Watch" in spanish
    assert "Django" not in spanish.split("<body", 1)[1].split("</header>", 1)[0]


def test_the_models_are_grouped_by_task(admin_client):
    groups = admin_client.get(HOME).context["model_groups"]

    names = [(str(group["name"]), [model["object_name"] for model in group["models"]]) for group in groups]
    assert names[:3] == [
        ("Events and programme", ["Event", "Session", "Speaker", "Venue", "WebinarSeries", "Topic"]),
        ("Registrations and guest lists", ["Registration", "RegistrationSettings", "Invitation"]),
        ("Emails", ["Mailing", "OutboxEmail"]),
    ]
    every_model = [model for _name, models in names for model in models]
    assert sorted(every_model) == sorted(model.__name__ for model in admin.site._registry)  # each once


def test_staff_see_only_the_sections_they_may_view(client):
    _world()
    staff = factories.StaffFactory(is_superuser=False)
    staff.user_permissions.add(Permission.objects.get(codename="view_mailing"))
    client.force_login(staff)

    response = client.get(HOME)
    content = response.content.decode()

    assert (response.context["pending_approvals"], response.context["coming_events"]) == (None, None)
    assert "failed_emails" not in response.context
    assert "await approval" not in content
    assert "1 mailing in draft" in content
    assert [str(group["name"]) for group in response.context["model_groups"]] == ["Emails"]


@pytest.mark.parametrize("events", [1, 4])
def test_the_home_reads_the_same_number_of_queries_for_one_event_or_several(
    admin_client, django_assert_num_queries, events
):
    _world(events)
    admin_client.get(HOME)  # the session and the user's first reads

    with django_assert_num_queries(QUERIES):
        response = admin_client.get(HOME)

    assert len(response.context["coming_events"]) == events
    assert sum(row.count for row in response.context["pending_approvals"]) == 2 * events


def test_the_home_says_which_release_is_running_in_english_and_spanish(admin_client):
    released = tomllib.loads((settings.BASE_DIR / "pyproject.toml").read_text())["project"]["version"]
    assert ewevents.__version__ == released == "0.2.0"

    english = admin_client.get(HOME).content.decode()
    with translation.override("es"):
        spanish = admin_client.get(HOME, headers={"accept-language": "es"}).content.decode()

    assert '<footer class="staff-home-footer">\n  <p>ewevents version 0.2.0</p>' in english
    assert "<p>ewevents, versión 0.2.0</p>" in spanish


QUERIES = 9  # the session, the user, the recent actions; six for the home whatever the events and jobs


# --- The periodic jobs and stuck emails (operations) ------------------------------------------


def _email_waiting(minutes, *, send_after_minutes=None):
    email = OutboxEmail.objects.create(to_email="guest@example.org", kind="registered", subject="s")
    now = timezone.now()
    send_after = None if send_after_minutes is None else now + dt.timedelta(minutes=send_after_minutes)
    OutboxEmail.objects.filter(pk=email.pk).update(
        created=now - dt.timedelta(minutes=minutes), send_after=send_after
    )


def test_the_home_lists_each_periodic_job_with_its_last_run_and_the_late_ones(admin_client, heartbeats):
    heartbeats(default=1, expire_offers=11, anonymise_expired_registrations=None)
    Heartbeat.objects.filter(name="resume-mailings").update(
        last_outcome=Heartbeat.Outcome.FAILED, last_error="OperationalError"
    )

    response = admin_client.get(HOME)
    content = response.content.decode()

    jobs = response.context["periodic_jobs"]["jobs"]
    assert [(job.name, job.late, job.never_ran) for job in jobs] == [
        ("expire-offers", True, False),
        ("requeue-pending-emails", False, False),
        ("queue-due-reminders", False, False),
        ("resume-mailings", False, False),
        ("anonymise-expired-registrations", False, True),
        ("backup-database", False, False),
        ("check-heartbeats", False, False),
    ]
    assert '<a href="#periodic-jobs">1 periodic job is late</a>: <code>expire-offers</code>' in content
    assert '<code>expire-offers</code> <span class="home-badge">late</span>' in content
    assert content.count('class="home-badge">late<') == 1
    assert "11\xa0minutes ago" in content
    assert 'Failed <span class="quiet">(OperationalError)</span>' in content
    assert "Never run" in content
    assert "No backup job is scheduled" not in content


def test_the_home_says_so_when_no_backup_job_is_scheduled(admin_client, heartbeats, settings):
    settings.CELERY_BEAT_SCHEDULE = {
        name: job for name, job in settings.CELERY_BEAT_SCHEDULE.items() if name != "backup-database"
    }
    heartbeats(default=1)

    assert "No backup job is scheduled" in admin_client.get(HOME).content.decode()


def test_the_home_says_when_every_job_runs_on_time(admin_client, heartbeats):
    heartbeats(default=1)

    content = admin_client.get(HOME).content.decode()

    assert "Every periodic job runs on time." in content
    assert 'home-badge">late' not in content


def test_the_backup_job_shows_its_last_run_or_no_backup_yet(admin_client, heartbeats, settings):
    settings.CELERY_BEAT_SCHEDULE = settings.CELERY_BEAT_SCHEDULE | {
        "backup-database": {"task": "operations.backup_database", "schedule": 24 * 60 * 60.0}
    }
    heartbeats(default=1, backup_database=None)

    never = admin_client.get(HOME).content.decode()
    Heartbeat.objects.filter(name="backup-database").update(
        last_started=timezone.now() - dt.timedelta(hours=3), last_outcome=Heartbeat.Outcome.OK
    )
    done = admin_client.get(HOME).content.decode()

    assert "No backup yet" in never
    assert "No backup job is scheduled" not in never
    assert "No backup yet" not in done
    assert "3\xa0hours ago" in done


def test_the_home_counts_emails_waiting_over_an_hour_with_a_link(admin_client, heartbeats):
    _email_waiting(61)
    _email_waiting(90)
    _email_waiting(20)  # slow, not stuck
    _email_waiting(120, send_after_minutes=30)  # a mailing's row, waiting for its turn
    _outbox(OutboxEmail.Status.FAILED)

    response = admin_client.get(HOME)
    content = response.content.decode()

    assert (response.context["failed_emails"], response.context["stuck_emails"]) == (1, 2)
    assert "2 emails have waited over an hour to be sent</a>" in content
    link = response.context["stuck_emails_url"]
    assert link.startswith(reverse("admin:registrations_outboxemail_changelist") + "?status__exact=pending&")
    listed = admin_client.get(link)
    assert listed.status_code == 200
    assert (
        listed.context["cl"].result_count == 3
    )  # the two stuck and the mailing's (created over an hour ago)


def test_the_home_says_when_no_email_is_stuck(admin_client):
    _email_waiting(5)

    assert "No email has waited over an hour." in admin_client.get(HOME).content.decode()


def test_staff_without_the_heartbeat_permission_do_not_see_the_jobs(client, heartbeats):
    heartbeats(default=30)
    staff = factories.StaffFactory(is_superuser=False)
    staff.user_permissions.add(Permission.objects.get(codename="view_outboxemail"))
    client.force_login(staff)

    response = client.get(HOME)

    assert response.context["periodic_jobs"] is None
    assert "Periodic jobs" not in response.content.decode()
    assert response.context["stuck_emails"] == 0


@pytest.mark.parametrize("extra_jobs", [0, 5])
def test_the_home_reads_the_same_number_of_queries_however_many_jobs_and_emails(
    admin_client, django_assert_num_queries, heartbeats, settings, extra_jobs
):
    settings.CELERY_BEAT_SCHEDULE = settings.CELERY_BEAT_SCHEDULE | {
        f"extra-{n}": {"task": f"tests.extra_{n}", "schedule": 60.0} for n in range(extra_jobs)
    }
    heartbeats(default=30)
    for minutes in range(61, 61 + extra_jobs):
        _email_waiting(minutes)
    admin_client.get(HOME)

    with django_assert_num_queries(QUERIES):
        response = admin_client.get(HOME)

    assert len(response.context["periodic_jobs"]["late_jobs"]) == 6 + extra_jobs - 1  # all but the daily one
    assert response.context["stuck_emails"] == extra_jobs
