"""What the event dashboard shows, read in a fixed number of queries however many people registered.

Every selector counts in the database and merges groups in Python (as many as distinct
answers or days, never as many as people). Staff see every session, restricted ones included.
"""

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass

from django.db.models import Count, Q
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _

from events.models import LANGUAGE_NAMES, Session
from registrations.models import Mailing, Registration, SessionChoice
from registrations.outbox.models import OutboxEmail
from registrations.signup import capacity
from registrations.signup.forms import NO_INTERPRETATION

from .. import checkin
from ..reports import _normalised

# The order statuses are stacked in the chart and listed in its legend and table: places held
# first, then the waiting, then those who hold nothing.
STATUS_ORDER = (
    Registration.Status.CONFIRMED,
    Registration.Status.OFFERED,
    Registration.Status.WAITLISTED,
    Registration.Status.PENDING,
    Registration.Status.CANCELLED,
    Registration.Status.REJECTED,
)


@dataclass(frozen=True)
class StatusSeries:
    """Registrations now in `status`, counted cumulatively by the day they registered."""

    status: str
    label: str
    cumulative: list

    @property
    def total(self):
        return self.cumulative[-1] if self.cumulative else 0


@dataclass(frozen=True)
class RegistrationsOverTime:
    """Registrations of an event by the day they were made (in the event's zone) and their status now.

    `series` holds the statuses with at least one registration, in STATUS_ORDER.
    """

    days: list
    series: list

    @property
    def total(self):
        return sum(series.total for series in self.series)

    def rows(self):
        """(day, [cumulative count per series], cumulative total) for each day: the chart's table."""
        return [
            (day, counts, sum(counts))
            for day, counts in zip(
                self.days, zip(*(s.cumulative for s in self.series), strict=True), strict=True
            )
        ]

    def count_of(self, status):
        return next((series.total for series in self.series if series.status == status), 0)


def registrations_over_time(event, today=None):
    """Return `event`'s RegistrationsOverTime; one query.

    Days run from the first registration to the last, or on to `today` (default: today in the
    event's zone) while the event has not ended, so a quiet week shows as a flat line.
    """
    tz = event.tz
    groups = list(
        Registration.objects.filter(event=event)
        .order_by()
        .annotate(day=TruncDate("created", tzinfo=tz))
        .values("day", "status")
        .annotate(n=Count("pk"))
        .values_list("day", "status", "n")
    )
    if not groups:
        return RegistrationsOverTime(days=[], series=[])
    per_day = defaultdict(Counter)  # status -> {day: registrations made that day}
    for day, status, n in groups:
        per_day[status][day] += n
    first = min(day for day, _status, _n in groups)
    last = max(day for day, _status, _n in groups)
    today = today or checkin.today_at(event)
    last = max(last, min(today, checkin.event_days(event)[-1]))
    days = [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]

    labels = dict(Registration.Status.choices)
    series = []
    for status in STATUS_ORDER:
        if status not in per_day:
            continue
        running, cumulative = 0, []
        for day in days:
            running += per_day[status][day]
            cumulative.append(running)
        series.append(StatusSeries(status=status, label=str(labels[status]), cumulative=cumulative))
    return RegistrationsOverTime(days=days, series=series)


@dataclass(frozen=True)
class SessionFill:
    """A session people sign up for: places held (confirmed, offered) of its capacity, its waiting list."""

    session: Session
    start: dt.datetime  # in the event's zone
    confirmed: int
    offered: int
    waiting: int
    capacity: int | None

    @property
    def taken(self):
        return self.confirmed + self.offered

    @property
    def is_full(self):
        return self.capacity is not None and self.taken >= self.capacity


def session_fill(event):
    """A SessionFill for each session of `event` people sign up for (breaks and meals left out), in
    programme order, restricted and hidden sessions included; one query.

    Confirmed and offered count the confirmed registrations holding or offered a place in the
    session; waiting counts its waiting list as the summary does (reports.session_table).
    """
    holding = Q(choices__registration__status=Registration.Status.CONFIRMED)
    waits = (holding & Q(choices__status=SessionChoice.Status.WAITING)) | Q(
        choices__registration__status=Registration.Status.WAITLISTED
    )
    sessions = (
        Session.objects.filter(event=event)
        .attendable()
        .select_related("places")
        .annotate(
            n_confirmed=Count("choices", filter=holding & Q(choices__status=SessionChoice.Status.CONFIRMED)),
            n_offered=Count("choices", filter=holding & Q(choices__status=SessionChoice.Status.OFFERED)),
            n_waiting=Count("choices", filter=waits),
        )
        .order_by("start", "end", "pk")
    )
    tz = event.tz
    return [
        SessionFill(
            session=session,
            start=timezone.localtime(session.start, tz),
            confirmed=session.n_confirmed,
            offered=session.n_offered,
            waiting=session.n_waiting,
            capacity=capacity.session_capacity(session),
        )
        for session in sessions
    ]


@dataclass(frozen=True)
class MailingState:
    """A mailing of the event and where its emails to recipients stand (test emails to staff left out)."""

    mailing: Mailing
    queued: int
    sent: int
    failed: int
    withdrawn: int

    @property
    def total(self):
        return self.queued + self.sent + self.failed + self.withdrawn


def mailing_states(event):
    """A MailingState for every mailing of `event`, newest first; one query.

    A recipient's email is an outbox row with a dedupe key, as registrations.mailings.services.recipient_rows
    counts them (which eventday may not import).
    """
    recipient = Q(emails__dedupe_key__isnull=False)

    def count(status):
        return Count("emails", filter=recipient & Q(emails__status=status))

    mailings = (
        Mailing.objects.filter(event=event)
        .annotate(
            n_queued=count(OutboxEmail.Status.PENDING),
            n_sent=count(OutboxEmail.Status.SENT),
            n_failed=count(OutboxEmail.Status.FAILED),
            n_withdrawn=count(OutboxEmail.Status.WITHDRAWN),
        )
        .order_by("-created", "-pk")
    )
    return [
        MailingState(
            mailing=mailing,
            queued=mailing.n_queued,
            sent=mailing.n_sent,
            failed=mailing.n_failed,
            withdrawn=mailing.n_withdrawn,
        )
        for mailing in mailings
    ]


@dataclass(frozen=True)
class Needs:
    """What confirmed registrants asked for: diets and interpretation languages as (label, count),
    most asked first, and how many stated accessibility needs."""

    diets: list
    languages: list
    accessibility: int


def needs_at_a_glance(event):
    """`event`'s Needs; three queries.

    Diets differing only in case or spacing count together under their most frequent spelling,
    as the summary's catering table counts them; empty answers are left out.
    """
    confirmed = Registration.objects.filter(event=event, status=Registration.Status.CONFIRMED).order_by()

    counts, spellings = Counter(), defaultdict(Counter)
    answers = (
        confirmed.exclude(dietary_needs="")
        .values("dietary_needs")
        .annotate(n=Count("pk"))
        .values_list("dietary_needs", "n")
    )
    for need, n in answers:
        key = _normalised(need)
        if key:
            counts[key] += n
            spellings[key][" ".join(need.split())] += n

    def spelling(key):
        return min(spellings[key].items(), key=lambda item: (-item[1], item[0]))[0]

    diets = sorted(
        ((spelling(key), n) for key, n in counts.items()), key=lambda row: (-row[1], row[0].casefold())
    )

    codes = Counter()
    asked = (
        confirmed.exclude(interpretation_language__in=["", NO_INTERPRETATION])
        .values("interpretation_language")
        .annotate(n=Count("pk"))
        .values_list("interpretation_language", "n")
    )
    for code, n in asked:
        code = code.strip().lower()
        if code and code != NO_INTERPRETATION:
            codes[code] += n
    languages = [
        (f"{_(LANGUAGE_NAMES[code])} ({code})" if code in LANGUAGE_NAMES else code, n)
        for code, n in sorted(codes.items(), key=lambda item: (-item[1], item[0]))
    ]

    accessibility = confirmed.exclude(accessibility_needs__regex=r"^\s*$").count()
    return Needs(diets=diets, languages=languages, accessibility=accessibility)
