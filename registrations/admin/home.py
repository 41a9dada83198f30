"""The staff home, the admin's index (settings.STAFF_HOME, called by ewevents.staff_only's site).

What staff come for first: the coming events with their places taken and waiting lists, what needs
action (registrations awaiting approval, emails that failed or have waited over an hour, mailings
still in draft, periodic jobs late), the periodic jobs' last runs and the last backup
(operations), then every part of the admin grouped by task rather than by app. Each section is shown
to staff who may view its rows; the reads are a fixed number of queries however many events there are.
"""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from events.models import Event
from events.times import short_span
from operations.heartbeats import BACKUP_JOB
from operations.selectors import job_statuses
from registrations.models import Mailing, OutboxEmail, Registration, RegistrationSettings

UPCOMING_SHOWN = 8
DRAFTS_SHOWN = 8
# An email still pending this long after it was written (or after its turn) is stuck, not slow.
EMAIL_STUCK_AFTER = dt.timedelta(hours=1)

# The admin's models by what staff do with them; those not named here follow under "Other".
MODEL_GROUPS = (
    (
        _("Events and programme"),
        (
            "events.Event",
            "events.Session",
            "events.Speaker",
            "events.Venue",
            "events.WebinarSeries",
            "events.Topic",
        ),
    ),
    (
        _("Registrations and guest lists"),
        ("registrations.Registration", "registrations.RegistrationSettings", "registrations.Invitation"),
    ),
    (_("Emails"), ("registrations.Mailing", "registrations.OutboxEmail")),
    (
        _("Organisations and accounts"),
        ("events.Organisation", "events.Membership", "auth.User", "auth.Group", "account.EmailAddress"),
    ),
    (_("Security and records"), ("mfa.Authenticator", "registrations.AccessRecord")),
)


def _changelist(model_name, **filters):
    url = reverse(f"admin:{model_name}_changelist")
    return f"{url}?{urlencode(filters)}" if filters else url


@dataclass(frozen=True)
class EventFill:
    """One coming event: when, its places taken of its capacity, who waits and who awaits approval."""

    event: Event
    when: str
    has_settings: bool
    taken: int
    capacity: int | None
    waiting: int
    pending: int

    @property
    def change_url(self):
        return reverse("admin:events_event_change", args=[self.event.pk])

    @property
    def waiting_url(self):
        return _registrations(self.event, Registration.Status.WAITLISTED)

    @property
    def pending_url(self):
        return _registrations(self.event, Registration.Status.PENDING)

    @property
    def is_draft(self):
        return self.event.status == Event.Status.DRAFT


@dataclass(frozen=True)
class PendingApprovals:
    event: Event
    count: int

    @property
    def url(self):
        return _registrations(self.event, Registration.Status.PENDING)


def _registrations(event, status):
    return _changelist("registrations_registration", event__id__exact=event.pk, status__exact=status)


def coming_events(*, now, limit=UPCOMING_SHOWN):
    """The next `limit` events not yet over, with their fill; one query whatever the limit."""
    events = (
        Event.objects.upcoming(now)
        .select_related("registration_settings")
        .annotate(
            waiting=Count("registrations", filter=Q(registrations__status=Registration.Status.WAITLISTED)),
            pending=Count("registrations", filter=Q(registrations__status=Registration.Status.PENDING)),
        )
        .order_by("start", "pk")[:limit]
    )
    return [_fill(event) for event in events]


def _fill(event):
    try:
        settings = event.registration_settings
    except RegistrationSettings.DoesNotExist:  # remembered by select_related: no query
        settings = None
    return EventFill(
        event=event,
        when=short_span(event.start, event.end, event.tz),
        has_settings=settings is not None,
        taken=settings.confirmed_count if settings else 0,
        capacity=settings.capacity if settings else None,
        waiting=event.waiting,
        pending=event.pending,
    )


def pending_approvals():
    """Every event with registrations awaiting approval, soonest first, with how many; one query."""
    events = (
        Event.objects.annotate(
            pending=Count("registrations", filter=Q(registrations__status=Registration.Status.PENDING))
        )
        .filter(pending__gt=0)
        .order_by("start", "pk")
    )
    return [PendingApprovals(event=event, count=event.pending) for event in events]


def email_problems(*, now):
    """(emails failed, emails pending for over EMAIL_STUCK_AFTER past their turn); one query."""
    stuck_before = now - EMAIL_STUCK_AFTER
    counts = OutboxEmail.objects.aggregate(
        failed=Count("pk", filter=Q(status=OutboxEmail.Status.FAILED)),
        stuck=Count(
            "pk",
            filter=Q(status=OutboxEmail.Status.PENDING, created__lt=stuck_before)
            & (Q(send_after__isnull=True) | Q(send_after__lt=stuck_before)),
        ),
    )
    return counts["failed"], counts["stuck"]


def periodic_jobs(*, now):
    """The context of the periodic jobs' panel: each job's last run, the late ones, the backup; one query."""
    jobs = job_statuses(now=now)
    return {
        "jobs": jobs,
        "late_jobs": [job for job in jobs if job.late],
        "backup_scheduled": any(job.name == BACKUP_JOB for job in jobs),
    }


def draft_mailings(*, limit=DRAFTS_SHOWN):
    """The newest draft mailings with their events, and how many drafts there are; two queries."""
    drafts = Mailing.objects.filter(status=Mailing.Status.DRAFT)
    return list(drafts.select_related("event").order_by("-created", "-pk")[:limit]), drafts.count()


def model_groups(app_list):
    """The admin's models (Django's app_list, already limited to what the user may see) in MODEL_GROUPS."""
    models = {model["model"]._meta.label: model for app in app_list for model in app["models"]}
    groups = []
    for name, labels in MODEL_GROUPS:
        members = [models.pop(label) for label in labels if label in models]
        if members:
            groups.append({"name": name, "models": members})
    if models:
        groups.append(
            {"name": _("Other"), "models": sorted(models.values(), key=lambda model: str(model["name"]))}
        )
    return groups


def staff_home(request, app_list):
    """The context of templates/admin/staff_home.html for `request`'s staff member."""
    user, now = request.user, timezone.now()
    context = {
        "model_groups": model_groups(app_list),
        "coming_events": None,
        "pending_approvals": None,
        "periodic_jobs": None,
    }
    if user.has_perm("events.view_event"):
        context["coming_events"] = coming_events(now=now)
    if user.has_perm("registrations.view_registration"):
        context["pending_approvals"] = pending_approvals()
    if user.has_perm("registrations.view_outboxemail"):
        context["failed_emails"], context["stuck_emails"] = email_problems(now=now)
        context["failed_emails_url"] = _changelist(
            "registrations_outboxemail", status__exact=OutboxEmail.Status.FAILED
        )
        context["stuck_emails_url"] = _changelist(
            "registrations_outboxemail",
            status__exact=OutboxEmail.Status.PENDING,
            created__lt=(now - EMAIL_STUCK_AFTER).replace(second=0, microsecond=0).isoformat(),
        )
    if user.has_perm("registrations.view_mailing"):
        context["draft_mailings"], context["draft_mailing_count"] = draft_mailings()
        context["draft_mailings_url"] = _changelist(
            "registrations_mailing", status__exact=Mailing.Status.DRAFT
        )
    if user.has_perm("operations.view_heartbeat"):
        context["periodic_jobs"] = periodic_jobs(now=now)
    context["registrations_url"] = _changelist("registrations_registration")
    return context
