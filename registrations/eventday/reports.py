"""Staff summaries of an event's registrations: counts, sessions, catering, interpretation, access.

Each summary is a Table of plain values that the staff pages render as HTML and
exports.table_csv writes as CSV. Every selector runs a fixed number of queries,
however many registrations the event has: the counting happens in the database,
and Python only merges groups (there are as many as distinct answers, not people).
"""

from collections import Counter, defaultdict
from dataclasses import dataclass

from django.db.models import Count, Q
from django.db.models.functions import Lower, TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _

from events.models import LANGUAGE_NAMES, Session
from registrations.models import Answer, Question, Registration, SessionChoice, places_left
from registrations.signup import capacity
from registrations.signup.forms import NO_INTERPRETATION


@dataclass(frozen=True)
class Table:
    """A summary table: `rows` are lists of str, int or None (no value, such as no capacity)."""

    key: str
    title: str
    headers: list
    rows: list


def status_table(event):
    """Registrations of `event` per status, every status listed, then the total."""
    counts = dict(
        Registration.objects.filter(event=event)
        .order_by()
        .values("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    rows = [[label, counts.get(status, 0)] for status, label in Registration.Status.choices]
    rows.append([_("Total"), sum(counts.values())])
    return Table("statuses", _("Registrations by status"), [_("Status"), _("Registrations")], rows)


def attendee_type_table(event):
    """Confirmed registrations of `event` per attendee type, every type listed, then the total."""
    counts = dict(
        _confirmed(event).values("attendee_type").annotate(n=Count("pk")).values_list("attendee_type", "n")
    )
    rows = [[label, counts.get(value, 0)] for value, label in Registration.AttendeeType.choices]
    known = set(Registration.AttendeeType.values)
    rows.append([_("Not stated"), sum(n for value, n in counts.items() if value not in known)])
    rows.append([_("Total"), sum(counts.values())])
    return Table(
        "attendee-types",
        _("Confirmed registrations by attendee type"),
        [_("Attendee type"), _("Confirmed")],
        rows,
    )


def session_table(event):
    """Each session of `event` that people sign up for, restricted ones included.

    Chosen counts the confirmed registrations holding a place in the session; waiting,
    those on its waiting list (confirmed registrations waiting for a place in it, and
    registrations waitlisted for the event that chose it); attended counts the holders
    that were checked in (attended_at set), so it never exceeds chosen: a registration
    cancelled after check-in no longer counts.
    """
    confirmed = Q(choices__registration__status=Registration.Status.CONFIRMED)
    holds = confirmed & Q(choices__status=SessionChoice.Status.CONFIRMED)
    waits = (confirmed & Q(choices__status=SessionChoice.Status.WAITING)) | Q(
        choices__registration__status=Registration.Status.WAITLISTED
    )
    sessions = (
        Session.objects.filter(event=event)
        .select_related("places")
        .attendable()
        .annotate(
            chosen=Count("choices", filter=holds),
            waitlisted=Count("choices", filter=waits),
            attended=Count("choices", filter=holds & Q(choices__registration__attended_at__isnull=False)),
        )
        .order_by("start", "end", "pk")
    )
    tz = event.tz
    rows = [
        [
            session.title,
            timezone.localtime(session.start, tz).strftime("%Y-%m-%d %H:%M"),
            session.chosen,
            session.waitlisted,
            capacity.session_capacity(session),
            places_left(capacity.session_capacity(session), session.chosen),
            session.attended,
        ]
        for session in sessions
    ]
    headers = [
        _("Session"),
        _("Starts (%(zone)s)") % {"zone": event.time_zone},
        _("Chosen (confirmed)"),
        _("Waitlisted"),
        _("Capacity"),
        _("Places left"),
        _("Attended"),
    ]
    return Table("sessions", _("Sessions"), headers, rows)


def _normalised(text):
    """'  Vegetarian ' and 'vegetarian' are the same need: compare without case or extra spaces."""
    return " ".join(text.split()).casefold()


def catering_table(event):
    """Dietary needs of confirmed registrants per day on which `event` serves meals or breaks.

    A day is a date in the event's zone with a meal or break session. A registrant
    eats on a day when they chose a session that day, or on every day when they
    chose no session. Needs differing only in case or spacing are counted together
    under their most frequent spelling; an empty answer counts as "None stated".
    Columns are the days, rows the needs (most frequent first, "None stated" last),
    then the total of people per day.
    """
    tz = event.tz
    days = sorted(
        Session.objects.filter(event=event, kind__in=Session.NOT_ATTENDABLE)
        .annotate(day=TruncDate("start", tzinfo=tz))
        .order_by()
        .values_list("day", flat=True)
        .distinct()
    )
    # (day, raw answer) -> people; day None means "chose no session": every day.
    per_day = (
        _confirmed(event)
        .filter(sessions__isnull=False)
        .annotate(day=TruncDate("sessions__start", tzinfo=tz))
        .values("day", "dietary_needs")
        .annotate(n=Count("pk", distinct=True))
        .values_list("day", "dietary_needs", "n")
    )
    every_day = (
        _confirmed(event)
        .filter(sessions__isnull=True)
        .values("dietary_needs")
        .annotate(n=Count("pk"))
        .values_list("dietary_needs", "n")
    )
    groups = [(day, need, n) for day, need, n in per_day] + [(None, need, n) for need, n in every_day]

    counts = defaultdict(Counter)  # normalised need -> {day: people}
    spellings = defaultdict(Counter)  # normalised need -> {spelling: people}
    for day, need, n in groups:
        key = _normalised(need)
        for counted_day in days if day is None else [day]:
            if counted_day in days:
                counts[key][counted_day] += n
        spellings[key][" ".join(need.split())] += n

    def label(key):
        return min(spellings[key].items(), key=lambda item: (-item[1], item[0]))[0]

    stated = sorted(
        (key for key in counts if key),
        key=lambda key: (-sum(counts[key].values()), label(key).casefold()),
    )
    rows = [[label(key), *(counts[key][day] for day in days)] for key in stated]
    rows.append([_("None stated"), *(counts[""][day] for day in days)])
    rows.append([_("Total"), *(sum(counts[key][day] for key in counts) for day in days)])
    headers = [_("Dietary need"), *(day.isoformat() for day in days)]
    return Table("catering", _("Catering: confirmed registrants per day"), headers, rows if days else [])


def interpretation_table(event):
    """Confirmed registrants of `event` per interpretation language asked for, most asked first."""
    counts = Counter()
    answers = (
        _confirmed(event)
        .exclude(interpretation_language__in=["", NO_INTERPRETATION])
        .values("interpretation_language")
        .annotate(n=Count("pk"))
        .values_list("interpretation_language", "n")
    )
    for code, n in answers:
        counts[code.strip().lower()] += n
    counts.pop(NO_INTERPRETATION, None)
    counts.pop("", None)

    def name(code):
        return f"{_(LANGUAGE_NAMES[code])} ({code})" if code in LANGUAGE_NAMES else code

    rows = [[name(code), n] for code, n in sorted(counts.items(), key=lambda item: (-item[1], item[0]))]
    rows.append([_("Total"), sum(counts.values())])
    return Table("interpretation", _("Interpretation requests"), [_("Language"), _("Requests")], rows)


def accessibility_table(event):
    """Confirmed registrants of `event` who stated accessibility needs, by name. For organisers only."""
    registrations = (
        _confirmed(event)
        .exclude(accessibility_needs__regex=r"^\s*$")
        .order_by(Lower("name"), "pk")
        .values_list("name", "accessibility_needs")
    )
    rows = [[name, needs.strip()] for name, needs in registrations]
    return Table(
        "accessibility",
        _("Accessibility needs of confirmed registrants"),
        [_("Name"), _("Accessibility needs")],
        rows,
    )


def questions_table(event):
    """Confirmed registrants of `event` per answer to each of its choice, checkbox and country questions.

    A choice question lists every current choice, chosen or not (a multiple-choice answer
    counts once per choice in it); answers naming a choice since removed count under the text
    they were given with. A checkbox counts its ticks, a country question each country named.
    Two queries when the event has such questions, one when it has none.
    """
    counted = [*Question.CHOICE_KINDS, Question.Kind.CHECKBOX, Question.Kind.COUNTRY]
    questions = list(
        Question.objects.own()
        .filter(event=event, kind__in=counted)
        .prefetch_related("choices")
        .order_by("order", "pk")
    )
    headers = [_("Question"), _("Answer"), _("Confirmed")]
    if not questions:
        return Table("questions", _("Answers to the event's questions"), headers, [])
    groups = (
        Answer.objects.filter(
            question__in=questions,
            registration__event=event,
            registration__status=Registration.Status.CONFIRMED,
        )
        .order_by()
        .values("question", "value", "text")
        .annotate(n=Count("pk"))
        .values_list("question", "value", "text", "n")
    )
    by_choice = defaultdict(Counter)  # question id -> {choice id (str) or ("text", text): people}
    for question_id, value, text, n in groups:
        by_choice[question_id][(value, text)] += n
    rows = []
    for question in questions:
        answers = by_choice[question.pk]
        if question.has_choices:
            rows += _choice_rows(question, answers)
        elif question.kind == Question.Kind.CHECKBOX:
            rows.append([question.label, _("yes"), sum(answers.values())])
        else:
            per_text = Counter()
            for (_value, text), n in answers.items():
                per_text[text] += n
            rows += [
                [question.label, text, n] for text, n in sorted(per_text.items(), key=lambda i: (-i[1], i[0]))
            ]
    return Table("questions", _("Answers to the event's questions"), headers, rows)


def _choice_rows(question, answers):
    choices = list(question.choices.all())
    current = {str(choice.pk) for choice in choices}
    per_choice = Counter()
    removed = Counter()  # the text of answers naming a removed choice
    for (value, text), n in answers.items():
        ids = [pk for pk in value.split(",") if pk]
        for pk in ids:
            if pk in current:
                per_choice[pk] += n
        if any(pk not in current for pk in ids):
            removed[text] += n
    rows = [[question.label, choice.label, per_choice[str(choice.pk)]] for choice in choices]
    rows += [
        [question.label, _("%(answer)s (a choice since changed)") % {"answer": text}, n]
        for text, n in sorted(removed.items())
    ]
    return rows


# The summaries in the order the page shows them; the key names each one's CSV.
SUMMARIES = {
    "statuses": status_table,
    "attendee-types": attendee_type_table,
    "sessions": session_table,
    "catering": catering_table,
    "interpretation": interpretation_table,
    "accessibility": accessibility_table,
    "questions": questions_table,
}


def summary_tables(event):
    """Every summary of `event`, in page order: one query each (the questions' table two at most)."""
    return [summary(event) for summary in SUMMARIES.values()]


def participants_for_print(event):
    """Confirmed registrants of `event` who agreed to appear on the participant list, by name.

    The participant list and the name badges show exactly these people.
    """
    return (
        _confirmed(event)
        .filter(participant_list_consent=True)
        .order_by(Lower("name"), "pk")
        .only("name", "organisation")
    )


def _confirmed(event):
    return Registration.objects.filter(event=event, status=Registration.Status.CONFIRMED).order_by()
