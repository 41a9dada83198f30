"""The benchmark's data: a large conference, a webinar series and the events guests register for.

Run in a process configured for the benchmark's database (bench/site.py does so):

    python -m bench.dataset load POST_CAPACITY BURST_CAPACITY  # all of it; prints what bench.run needs
    python -m bench.dataset event SLUG CAPACITY    # an open webinar with a capacity, for guests
    python -m bench.dataset counts SLUG            # its registrations and outbox emails
    python -m bench.dataset mailing SLUG COUNT     # COUNT confirmed guests, a draft mailing to them
    python -m bench.dataset start-mailing ID       # start sending mailing ID, as staff's "Send" does

Rows are written with bulk_create, so 5,000 registrations take seconds, not minutes.
"""

import datetime
import json
import os
import sys
import zoneinfo
from collections import Counter

CONFERENCE = "bench-conference"
SERIES = "bench-webinars"
POST_EVENT = "bench-register"
BURST_EVENT = "bench-burst"

CONFERENCE_DAYS = 3
SESSIONS = 40
SPEAKERS = 30
REGISTRATIONS = 5000
WEBINARS = 60
REGISTRATIONS_PER_WEBINAR = 40

BRUSSELS = zoneinfo.ZoneInfo("Europe/Brussels")
LONDON = zoneinfo.ZoneInfo("Europe/London")
LONG_TEXT = (
    "Public buyers, monitoring partners and workers' organisations compare what they learned "
    "about working conditions in electronics factories this year: forced overtime, recruitment "
    "fees, freedom of association and what contract clauses changed. "
) * 4


def _day(offset_days, hour, minute, tz):
    today = datetime.datetime.now(tz).date() + datetime.timedelta(days=offset_days)
    return datetime.datetime.combine(today, datetime.time(hour, minute), tzinfo=tz)


def _affiliate_cookie():
    """A logged-in affiliate's session, created in the database, and a CSRF cookie: the cookies wrk sends."""
    from allauth.account.models import EmailAddress
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
    from django.contrib.sessions.backends.db import SessionStore
    from django.middleware.csrf import CSRF_ALLOWED_CHARS, CSRF_SECRET_LENGTH
    from django.utils.crypto import get_random_string

    from events.models import Membership, Organisation

    user = get_user_model().objects.create_user(
        username="bench-affiliate", email="affiliate@bench.example.org", password=None
    )
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    organisation = Organisation.objects.create(name="Bench Monitoring Partner")
    Membership.objects.create(organisation=organisation, user=user)
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    # A browser keeps the CSRF cookie its first page set; without it every page would set a new one.
    csrf_secret = get_random_string(CSRF_SECRET_LENGTH, allowed_chars=CSRF_ALLOWED_CHARS)
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}; {settings.CSRF_COOKIE_NAME}={csrf_secret}"


def _personal_feed(event, sessions):
    """The affiliate's registration for `event` with six of `sessions`; the path of their personal feed."""
    from django.contrib.auth import get_user_model
    from django.db.models import F

    from registrations.models import CalendarFeedToken, Registration, RegistrationSettings, SessionPlaces

    user = get_user_model().objects.get(username="bench-affiliate")
    chosen = list(sessions)[:6]
    registration = Registration.objects.create(
        event=event,
        user=user,
        name="Bench Affiliate",
        email=user.email,
        privacy_consent_at=datetime.datetime.now(datetime.UTC),
        privacy_notice_version="2026-11",
        status=Registration.Status.CONFIRMED,
    )
    registration.sessions.set(chosen)
    # What registrations.signup.capacity would have counted.
    RegistrationSettings.objects.filter(event=event).update(confirmed_count=F("confirmed_count") + 1)
    for session in chosen:
        places, _created = SessionPlaces.objects.get_or_create(session=session)
        SessionPlaces.objects.filter(pk=places.pk).update(confirmed_count=F("confirmed_count") + 1)
    return f"/calendar/{CalendarFeedToken.objects.create(user=user).token}.ics"


def _conference():
    """40 sessions over 3 days with 30 speakers; mornings public, afternoons for affiliates."""
    from events.models import Event, Session, SessionSpeaker, Speaker, Venue

    venue = Venue.objects.create(name="International Trade Union House", city="Brussels", country="Belgium")
    event = Event.objects.create(
        title="Bench Annual Conference",
        slug=CONFERENCE,
        kind=Event.Kind.CONFERENCE,
        status=Event.Status.PUBLISHED,
        time_zone="Europe/Brussels",
        start=_day(45, 9, 0, BRUSSELS),
        end=_day(45 + CONFERENCE_DAYS - 1, 17, 30, BRUSSELS),
        venue=venue,
        summary="Three days on labour rights in electronics supply chains.",
        description=LONG_TEXT,
        practical_information=LONG_TEXT,
        interpretation_languages=["es"],
    )
    kinds = [Session.Kind.PLENARY, Session.Kind.PANEL, Session.Kind.TALK, Session.Kind.WORKSHOP]
    sessions = []
    per_day = -(-SESSIONS // CONFERENCE_DAYS)
    for number in range(SESSIONS):
        day, slot = divmod(number, per_day)
        start = _day(45 + day, 9, 0, BRUSSELS) + datetime.timedelta(minutes=35 * slot)
        if slot in (3, 8):
            kind = Session.Kind.BREAK if slot == 3 else Session.Kind.MEAL
        else:
            kind = kinds[number % len(kinds)]
        if start.hour < 12:
            visibility = Session.Visibility.PUBLIC
        else:
            visibility = Session.Visibility.HIDDEN if number % 7 == 0 else Session.Visibility.AFFILIATES
        sessions.append(
            Session(
                event=event,
                title=f"Session {number + 1}: supply chain due diligence, part {slot + 1}",
                kind=kind,
                start=start,
                end=start + datetime.timedelta(minutes=30),
                room=f"Room {'ABC'[number % 3]}",
                description=LONG_TEXT,
                visibility=visibility,
            )
        )
    sessions = Session.objects.bulk_create(sessions)
    speakers = Speaker.objects.bulk_create(
        Speaker(
            name=f"Speaker {n}",
            slug=f"bench-speaker-{n}",
            role="Researcher",
            organisation="A monitoring partner",
            bio=LONG_TEXT,
        )
        for n in range(SPEAKERS)
    )
    attendable = [s for s in sessions if s.kind not in Session.NOT_ATTENDABLE]
    SessionSpeaker.objects.bulk_create(
        SessionSpeaker(session=session, speaker=speakers[(i * 3 + k) % SPEAKERS], order=k)
        for i, session in enumerate(attendable)
        for k in range(1 + i % 3)
    )
    return event, attendable


def _registrations(event, count, sessions=(), *, tag, waitlist_every=10, spanish_every=0):
    """`count` confirmed guests (every `waitlist_every`th waitlisted, none if 0; every
    `spanish_every`th reading Spanish, none if 0), each attending up to four sessions."""

    from registrations.models import Registration, RegistrationSettings, SessionPlaces

    now = datetime.datetime.now(datetime.UTC)
    types = list(Registration.AttendeeType.values)
    waitlisted = Registration.Status.WAITLISTED

    def nth(n, every):
        return every > 0 and n % every == every - 1

    rows = Registration.objects.bulk_create(
        Registration(
            event=event,
            name=f"Registrant {n}",
            email=f"{tag}-{n}@example.com",
            organisation="A public buyer",
            country="Belgium",
            attendee_type=types[n % len(types)],
            privacy_consent_at=now,
            privacy_notice_version="2026-11",
            status=waitlisted if nth(n, waitlist_every) else Registration.Status.CONFIRMED,
            waitlisted_at=now if nth(n, waitlist_every) else None,
            language="es" if nth(n, spanish_every) else "en",
        )
        for n in range(count)
    )
    if sessions:
        through = Registration.sessions.through
        links = [
            through(registration_id=row.pk, session_id=sessions[(n + k) % len(sessions)].pk)
            for n, row in enumerate(rows)
            for k in range(4)
        ]
        through.objects.bulk_create(links)
        # What registrations.signup.capacity would have counted: each session's confirmed registrations.
        confirmed_pks = {row.pk for row in rows if row.status == Registration.Status.CONFIRMED}
        per_session = Counter(link.session_id for link in links if link.registration_id in confirmed_pks)
        SessionPlaces.objects.bulk_create(
            [
                SessionPlaces(session_id=session_id, confirmed_count=taken)
                for session_id, taken in per_session.items()
            ]
        )
    confirmed = sum(row.status == Registration.Status.CONFIRMED for row in rows)
    RegistrationSettings.objects.update_or_create(event=event, defaults={"confirmed_count": confirmed})


def _series():
    """60 webinars a week apart, half of them past with recordings, under five topics."""
    from events.models import Event, Topic, WebinarSeries

    series = WebinarSeries.objects.create(
        title="Bench Webinars for Public Buyers",
        slug=SERIES,
        summary="Free webinars for public sector buyers.",
        description=LONG_TEXT,
        recordings_url="https://example.org/recordings/",
        secondary_time_zones=["Europe/Amsterdam"],
    )
    topics = Topic.objects.bulk_create(Topic(name=f"Topic {n}", slug=f"bench-topic-{n}") for n in range(5))
    webinars = []
    for n in range(WEBINARS):
        start = _day(7 * (n - WEBINARS // 2), 10, 0, LONDON)
        past = n < WEBINARS // 2
        webinars.append(
            Event(
                title=f"Webinar {n + 1}: responsible purchasing of ICT hardware",
                slug=f"bench-webinar-{n + 1}",
                kind=Event.Kind.WEBINAR,
                status=Event.Status.PUBLISHED,
                series=series,
                time_zone="Europe/London",
                secondary_time_zones=["Europe/Amsterdam"],
                start=start,
                end=start + datetime.timedelta(minutes=90),
                summary="What public buyers can ask of their suppliers.",
                highlights="- Contract clauses\n- Monitoring findings\n- Remediation",
                description=LONG_TEXT,
                recording_url=f"https://example.org/recordings/{n + 1}" if past else "",
            )
        )
    webinars = Event.objects.bulk_create(webinars)
    through = Event.topics.through
    through.objects.bulk_create(
        through(event_id=webinar.pk, topic_id=topics[(n + k) % len(topics)].pk)
        for n, webinar in enumerate(webinars)
        for k in range(2)
    )
    for n, webinar in enumerate(webinars):
        _registrations(webinar, REGISTRATIONS_PER_WEBINAR, tag=f"webinar{n}")
    return series


def create_registration_event(slug, capacity):
    """An upcoming webinar (in no series) open to guests, with `capacity` places."""
    from events.models import Event
    from registrations.models import RegistrationSettings

    start = _day(30, 10, 0, LONDON)
    event = Event.objects.create(
        title=f"Bench registration {slug}",
        slug=slug,
        kind=Event.Kind.WEBINAR,
        status=Event.Status.PUBLISHED,
        time_zone="Europe/London",
        start=start,
        end=start + datetime.timedelta(hours=1),
        summary="Guests register here during the benchmark.",
    )
    RegistrationSettings.objects.create(event=event, capacity=capacity)
    return event


def load(*, post_capacity, burst_capacity):
    """Write the whole data set; return the paths and cookie the benchmark requests."""
    from django.db import transaction

    from events.models import Session

    with transaction.atomic():
        conference, attendable = _conference()
        _registrations(conference, REGISTRATIONS, attendable, tag="conference")
        series = _series()
        create_registration_event(POST_EVENT, post_capacity)
        create_registration_event(BURST_EVENT, burst_capacity)
        cookie = _affiliate_cookie()
        personal_feed = _personal_feed(conference, attendable)
    session = Session.objects.filter(event=conference, visibility=Session.Visibility.PUBLIC)
    session = session.exclude(kind__in=Session.NOT_ATTENDABLE).filter(speakers__isnull=False).first()
    restricted = Session.objects.filter(event=conference, visibility=Session.Visibility.HIDDEN).first()
    return {
        "conference": conference.get_absolute_url(),
        "session": session.get_absolute_url(),
        "ics": f"/events/{conference.slug}/calendar.ics",
        "series": series.get_absolute_url(),
        "post_event": POST_EVENT,
        "burst_event": BURST_EVENT,
        "affiliate_cookie": cookie,
        "personal_feed": personal_feed,
        "restricted_title": restricted.title,
    }


def create_mailing(slug, count):
    """An upcoming event with `count` confirmed guests (every fourth reading Spanish) and staff's
    draft practical-information mailing to all of them (the real service writes it)."""
    from django.db import transaction

    from registrations.mailings.services import create_practical_information_mailing

    with transaction.atomic():
        event = create_registration_event(slug, count)
        event.practical_information = LONG_TEXT
        event.save(update_fields=["practical_information"])
        _registrations(event, count, tag=slug, waitlist_every=0, spanish_every=4)
        mailing = create_practical_information_mailing(event=event, user=None)
    return {"mailing_id": mailing.pk, "recipients": count}


def start_mailing(mailing_id):
    """Send mailing `mailing_id` as staff's "Send" button does: registrations.mailings.services.start_mailing
    moves it to sending and, on commit, queues the task that writes its outbox rows."""
    from registrations.mailings.services import start_mailing
    from registrations.models import Mailing

    mailing = start_mailing(mailing=Mailing.objects.get(pk=mailing_id), user=None)
    return {"sending_started_at": mailing.sending_started_at.isoformat()}


def counts(slug):
    """Registrations of event `slug` by status, its confirmed_count and capacity, outbox rows by kind."""
    from django.db.models import Count

    from registrations.models import OutboxEmail, Registration, RegistrationSettings

    settings = RegistrationSettings.objects.get(event__slug=slug)
    statuses = Registration.objects.filter(event__slug=slug).values_list("status").annotate(n=Count("pk"))
    kinds = (
        OutboxEmail.objects.filter(registration__event__slug=slug).values_list("kind").annotate(n=Count("pk"))
    )
    return {
        "capacity": settings.capacity,
        "confirmed_count": settings.confirmed_count,
        "statuses": dict(statuses),
        "outbox": dict(kinds),
    }


def main(argv):
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ewevents.settings")
    django.setup()
    command, *args = argv
    if command == "load":
        result = load(post_capacity=int(args[0]), burst_capacity=int(args[1]))
    elif command == "event":
        result = {"path": f"/events/{create_registration_event(args[0], int(args[1])).slug}/register/"}
    elif command == "counts":
        result = counts(args[0])
    elif command == "mailing":
        result = create_mailing(args[0], int(args[1]))
    elif command == "start-mailing":
        result = start_mailing(int(args[0]))
    else:
        raise SystemExit(f"unknown command {command!r}")
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1:])
