"""The registrations' demo data, loaded through settings.DEMO_LOADERS (events.demo, `manage.py load_demo`).

Demo guests register for the upcoming demo conference, answering its own two questions
(staff see them in admin, the summary and the exports), so that a new user sees places
and waiting lists at work: the event shows places left, and its lunchtime workshop is
full, with demo guests waiting for it. Everything goes through the services a visitor's
registration and staff's capacity edits go through, so counts, the waiting order and
emails are what the site would make. The emails are queued and sent like any other (to
files in var/mail/ without mail settings): the addresses are under example.org, which
takes no mail, and each email holds its guest's manage link.
"""

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from events.demo import (
    DEMO_CONFERENCE,
    DEMO_WEBINARS,
    DEMO_WORKSHOP,
    PANEL_REGULATORY,
    SEED_CONFERENCE,
    SEED_WEBINARS,
)
from events.models import Event

from .models import Question, QuestionChoice, Registration, RegistrationSettings, SessionChoice, SessionPlaces
from .signup import questions, services, staff_places

EVENT_CAPACITY = 120
WORKSHOP_CAPACITY = 3
# In the order they register: the first three hold the workshop's places, the others wait for it.
GUESTS = [
    ("Demo Guest One", "demo-guest-1@example.org", "Demo City Council (fictional)", "public_buyer"),
    ("Demo Guest Two", "demo-guest-2@example.org", "Demo University (fictional)", "public_buyer"),
    ("Demo Guest Three", "demo-guest-3@example.org", "Demo Union (fictional)", "trade_union"),
    ("Demo Guest Four", "demo-guest-4@example.org", "Demo Regional Government (fictional)", "public_buyer"),
    ("Demo Guest Five", "demo-guest-5@example.org", "Demo Workers' Rights NGO (fictional)", "civil_society"),
]
# The demo conference's own registration questions: (English, Spanish) label and choices.
SECTOR_QUESTION = (
    "Where do you buy or monitor electronics?",
    "¿Dónde compra o supervisa productos electrónicos?",
)
SECTOR_CHOICES = [
    ("Central government", "Gobierno central"),
    ("Regional or local government", "Gobierno regional o local"),
    ("Hospitals or universities", "Hospitales o universidades"),
    ("I do not buy electronics", "No compro productos electrónicos"),
]
TOPICS_QUESTION = ("Which topics should the panels cover?", "¿Qué temas deberían tratar los paneles?")
TOPICS_CHOICES = [
    ("Contract clauses", "Cláusulas contractuales"),
    ("Mining of minerals", "Extracción de minerales"),
    ("Remedy for workers", "Reparación para los trabajadores"),
]


def load_demo_registrations(*, today):
    """Register the demo guests for the demo conference, filling its workshop; return lines to print.

    Opens registration for the demo conference with EVENT_CAPACITY places and gives its
    workshop WORKSHOP_CAPACITY places (never fewer than are held, so a run after staff
    gave more places still passes), gives every demo event the built-in questions it lacks
    (organisation, country, diets...), adds the conference's own two questions if missing, then
    registers each guest in GUESTS who has no active registration, for the workshop and a
    morning panel, answering both questions. Running it again adds nothing.
    Side effects are those of the services: one email per new registration, and the
    "promoted" emails of any places a raised capacity gives. Everything happens at this
    time of day on `today`, load_demo's today, which dates the demo conference.
    """
    offset = today - timezone.localdate()
    event = Event.objects.get(slug=DEMO_CONFERENCE["slug"])
    workshop = event.sessions.get(title=DEMO_WORKSHOP)
    panel = event.sessions.get(title=PANEL_REGULATORY)
    for demo_event in Event.objects.filter(slug__in=_demo_event_slugs()):
        questions.add_default_questions(event=demo_event)
    _open_with_places(event, workshop, now=timezone.now() + offset)
    # After the built-in questions (organisation, country, diets...).
    sector = _question(event, SECTOR_QUESTION, Question.Kind.SINGLE_CHOICE, SECTOR_CHOICES, order=100)
    topics = _question(event, TOPICS_QUESTION, Question.Kind.MULTIPLE_CHOICE, TOPICS_CHOICES, order=110)
    registered = set(
        Registration.objects.filter(event=event, status__in=Registration.ACTIVE_STATUSES).values_list(
            "email", flat=True
        )
    )
    for name, email, organisation, attendee_type in GUESTS:
        if email not in registered:
            answers = {"organisation": organisation, "attendee_type": attendee_type, "time_zone": "UTC"}
            own = {
                sector: str(sector.choices.first().pk),
                topics: [str(pk) for pk in topics.choices.values_list("pk", flat=True)[:2]],
            }
            data = {"name": name, "email": email, "sessions": [panel, workshop], "answers": own, **answers}
            services.register(event=event, data=data, now=timezone.now() + offset)
    return _summary(workshop)


def _demo_event_slugs():
    return [spec["slug"] for spec in (SEED_CONFERENCE, DEMO_CONFERENCE, *SEED_WEBINARS, *DEMO_WEBINARS)]


def _question(event, labels, kind, choices, *, order):
    """The event's optional question with this English label, made with its choices if missing."""
    question, created = Question.objects.get_or_create(
        event=event,
        label_en=labels[0],
        defaults={"label_es": labels[1], "kind": kind, "order": order},
    )
    if created:
        QuestionChoice.objects.bulk_create(
            QuestionChoice(question=question, label_en=english, label_es=spanish, order=position)
            for position, (english, spanish) in enumerate(choices)
        )
    return question


def _open_with_places(event, workshop, *, now):
    registration_settings, _created = RegistrationSettings.objects.get_or_create(event=event)
    registration_settings.mode = RegistrationSettings.Mode.OPEN
    registration_settings.opens_at = registration_settings.closes_at = None
    registration_settings.save(update_fields=["mode", "opens_at", "closes_at"])
    held = registration_settings.confirmed_count
    staff_places.set_event_capacity(event=event, capacity_value=max(EVENT_CAPACITY, held), now=now)
    places, _created = SessionPlaces.objects.get_or_create(session=workshop)
    capacity = max(WORKSHOP_CAPACITY, places.confirmed_count)
    staff_places.set_session_capacity(session=workshop, capacity_value=capacity, now=now)


def _summary(workshop):
    """'<workshop>: 3 of 3 places taken, 2 waiting', then the manage link of each guest waiting, in order."""
    places = SessionPlaces.objects.get(session=workshop)
    waiting = list(
        SessionChoice.objects.filter(
            session=workshop,
            status=SessionChoice.Status.WAITING,
            registration__status=Registration.Status.CONFIRMED,
        )
        .select_related("registration")
        .order_by("waiting_since", "pk")
    )
    lines = [
        f"Waiting list: {workshop.title}: {places.confirmed_count} of {places.capacity} places taken, "
        f"{len(waiting)} waiting"
    ]
    for position, choice in enumerate(waiting, start=1):
        url = settings.SITE_URL + reverse("registrations:manage", args=[choice.registration.manage_token])
        lines.append(f"  {position}. {choice.registration.name}: {url}")
    return lines
