"""Demo data: the seed conference and webinars, upcoming demo material and demo logins.

The data lives in plain Python structures below; ``load_demo`` writes it. Texts
marked "seed" are copied word for word from ``/work/shared/seeds`` (000: the
2024 Annual Conference, 003: the webinar series), typography included.
Everything else is clearly marked as demo text. The Spanish texts (the `_es`
keys) are the demo's own translations; the seed 2024 conference has none, so its
Spanish page shows the English texts.
"""

import datetime
import os
import secrets
import zoneinfo
from collections import defaultdict

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone, translation

from .models import (
    Event,
    EventPartner,
    Membership,
    Organisation,
    Session,
    SessionSpeaker,
    Speaker,
    Venue,
    WebinarSeries,
)

LOGIN_URL = "http://127.0.0.1:8000/accounts/login/"
STAFF_EMAIL = "staff@example.org"
AFFILIATE_EMAIL = "affiliate@example.org"
DEMO_ORGANISATION = "Demo Affiliate Organisation"

BRUSSELS = "Europe/Brussels"
LONDON = "Europe/London"
AMSTERDAM = "Europe/Amsterdam"

K = Session.Kind
PUBLIC = Session.Visibility.PUBLIC
AFFILIATES = Session.Visibility.AFFILIATES
HIDDEN = Session.Visibility.HIDDEN

# --- The conference (seed 000) ----------------------------------------------

VENUE = {"name": "Herman Tierlinck Building", "city": "Brussels", "country": "Belgium"}

CONFERENCE_SUMMARY = (
    "The 2024 Electronics Watch Annual Conference, Public Procurement and the Evolving Due Diligence "
    "Landscape, will take place from 6-7 November in Brussels, Belgium. It is generously co-hosted by "
    "the Flemish Agency for Facility Operations (Het Facilitair Bedrijf), with support from the Flemish "
    "Government."
)
CONFERENCE_DESCRIPTION = (
    "The Annual Conference facilitates learning and exchange at the intersection of socially responsible "
    "public procurement and labour rights, and provides a unique opportunity for Electronics Watch "
    "affiliates and monitoring partners to meet face-to-face. It will raise awareness about the issues "
    "workers are facing, and how they can be addressed through the public procurement process."
)
PRACTICAL_INFORMATION = (
    "This in-person event will take place in the Herman Tierlinck Building. Simultaneous interpretation "
    "will be provided into Spanish.\n\n"
    "Entry is free of charge and catering will be provided during the event. Unless otherwise agreed, "
    "participants are responsible for covering other costs associated with their participation (e.g., "
    "flights, accommodation and other meals). Information about local hotels and transportation to and "
    "from the venue will be provided to registered participants."
)

PARTNERS = [
    ("Flemish Agency for Facility Operations (Het Facilitair Bedrijf)", EventPartner.Role.CO_HOST),
    ("Flemish Government", EventPartner.Role.SUPPORTER),
]

PANEL_REGULATORY = "The evolving regulatory landscape and the practice of due diligence"
PANEL_ACCOUNTABILITY = (
    "Accountability for business harms: stories from workers' rights defenders from the mines to the "
    "factories"
)
COLLECTIVE_LEVERAGE = "Collective leverage in action"

# (day 0 or 1, local start, local end, title, kind, visibility, description)
PROGRAMME = [
    (0, "9:00", "9:30", "Welcome", K.WELCOME, PUBLIC, ""),
    (
        0,
        "9:30",
        "11:00",
        PANEL_REGULATORY,
        K.PANEL,
        PUBLIC,
        "This panel will explore recent developments on human rights and environmental due diligence "
        "(HREDD) impacting public buyers' obligations and practices. Speakers will focus on how HREDD "
        "regulation can be leveraged in public procurement to promote and protect workers' rights. They "
        "will highlight successes and challenges in the practice of due diligence. The panel will include "
        "perspectives from public buyers, monitoring partners, trade union representatives, European "
        "policymakers, and industry representatives.",
    ),
    (0, "11:00", "11:30", "Coffee break", K.BREAK, PUBLIC, ""),
    (
        0,
        "11:30",
        "13:00",
        PANEL_ACCOUNTABILITY,
        K.PANEL,
        PUBLIC,
        "In this session, a panel of Electronics Watch monitoring partners will discuss how they navigate "
        "and overcome the challenges in monitoring and defending workers' rights in repressive "
        "environments. They will spotlight occupational health and safety risks, and present the context "
        "of labour rights organising in mines and factories in their countries, highlighting key "
        "strategies and successes.",
    ),
    (0, "13:00", "14:00", "Networking lunch", K.MEAL, PUBLIC, ""),
    # "The remainder of the agenda is restricted to affiliates and monitoring partners"
    (
        0,
        "14:00",
        "15:30",
        "Expectations, realities, and trade-offs: conversations with monitoring partners and public buyers",
        K.PANEL,
        AFFILIATES,
        "",
    ),
    (0, "15:30", "16:00", "Coffee break", K.BREAK, AFFILIATES, ""),
    (0, "16:00", "17:30", COLLECTIVE_LEVERAGE, K.PLENARY, AFFILIATES, ""),
    (0, "17:30", "19:30", "Drinks reception with light snacks", K.SOCIAL, AFFILIATES, ""),
    (1, "9:00", "10:30", "Public procurement innovation: updates from affiliates", K.PLENARY, AFFILIATES, ""),
    (1, "10:30", "11:00", "Coffee break", K.BREAK, AFFILIATES, ""),
    (1, "11:00", "12:30", "Simulation game", K.WORKSHOP, AFFILIATES, ""),
    (1, "12:30", "14:00", "Networking lunch", K.MEAL, AFFILIATES, ""),
    (
        1,
        "14:00",
        "15:30",
        "Obtaining credible evidence with limited access: updates from monitoring partners",
        K.PLENARY,
        AFFILIATES,
        "",
    ),
    (1, "15:30", "15:45", "Coffee break", K.BREAK, AFFILIATES, ""),
    (1, "15:45", "16:30", "Wrap-up and thanks", K.PLENARY, AFFILIATES, ""),
]

SEED_CONFERENCE = {
    "slug": "annual-conference-2024",
    "title": "Electronics Watch Annual Conference 2024",
    "subtitle": "Public Procurement and the Evolving Due Diligence Landscape",
    "first_day": datetime.date(2024, 11, 6),
    "start": (0, "9:00"),
    "end": (1, "16:30"),
    "summary": CONFERENCE_SUMMARY,
    "description": CONFERENCE_DESCRIPTION,
}

# --- The demo edition of the conference --------------------------------------

DEMO_MARK = "Demo text: "

DEMO_CONFERENCE = {
    "slug": "annual-conference-demo",
    "title": "Electronics Watch Annual Conference (demo edition)",
    "subtitle": "Public Procurement and the Evolving Due Diligence Landscape",
    "start": (0, "9:00"),
    "end": (1, "16:30"),
    "summary": (
        "Demo edition of the Annual Conference, always dated in the future so that registration, "
        "restricted sessions and calendars can be tried. The programme follows the 2024 conference."
    ),
    "description": CONFERENCE_DESCRIPTION
    + "\n\nThis is demo data: the dates, the speakers and the descriptions of the sessions restricted "
    "to affiliates are fictional.",
    "title_es": "Conferencia Anual de Electronics Watch (edición de demostración)",
    "subtitle_es": "La contratación pública y la evolución del panorama de la diligencia debida",
    "summary_es": (
        "Edición de demostración de la Conferencia Anual, siempre con fechas futuras para poder probar la "
        "inscripción, las sesiones restringidas y los calendarios. El programa sigue el de la conferencia "
        "de 2024."
    ),
    "description_es": (
        "La Conferencia Anual facilita el aprendizaje y el intercambio en la intersección entre la "
        "contratación pública socialmente responsable y los derechos laborales, y ofrece a los afiliados "
        "y socios de monitoreo de Electronics Watch una oportunidad única de reunirse en persona. Dará a "
        "conocer los problemas a los que se enfrentan los trabajadores y cómo pueden abordarse a través "
        "del proceso de contratación pública.\n\n"
        "Estos son datos de demostración: las fechas, los ponentes y las descripciones de las sesiones "
        "restringidas a los afiliados son ficticios."
    ),
}

# Descriptions for the restricted sessions of the demo edition, by title.
DEMO_RESTRICTED_DESCRIPTIONS = {
    "Expectations, realities, and trade-offs: conversations with monitoring partners and public buyers": (
        "Monitoring partners and public buyers compare what each expects from the other when a "
        "violation is found, and what is realistic within a contract's term."
    ),
    COLLECTIVE_LEVERAGE: (
        "Affiliates describe how buying together and speaking with one voice helped move a supplier "
        "to remedy violations."
    ),
    "Drinks reception with light snacks": "An informal reception for affiliates and monitoring partners.",
    "Public procurement innovation: updates from affiliates": (
        "Short updates from affiliates on contract clauses, market engagement and contract management."
    ),
    "Simulation game": (
        "In small groups, participants play a buyer, a supplier and a monitor through a fictional "
        "remediation case."
    ),
    "Obtaining credible evidence with limited access: updates from monitoring partners": (
        "Monitoring partners explain how they gather and check worker testimony where factory access "
        "is limited."
    ),
    "Wrap-up and thanks": "A summary of the two days and the next steps.",
}

HIDDEN_SESSION_TITLE = "Closed meeting of monitoring partners"
DEMO_HIDDEN_SESSION = (
    1,
    "8:00",
    "8:50",
    HIDDEN_SESSION_TITLE,
    K.PLENARY,
    HIDDEN,
    DEMO_MARK + "A closed meeting of monitoring partners before the second day. It is not listed publicly; "
    "only affiliates and staff see it.",
)
DEMO_HIDDEN_SESSION_ROOM = "Meeting room 2 (demo)"

# Spanish titles of the demo edition's sessions, by English title.
DEMO_SESSION_TITLES_ES = {
    "Welcome": "Bienvenida",
    PANEL_REGULATORY: "La evolución del marco normativo y la práctica de la diligencia debida",
    "Coffee break": "Pausa para el café",
    PANEL_ACCOUNTABILITY: (
        "Rendición de cuentas por los daños causados por las empresas: testimonios de defensores de los "
        "derechos de los trabajadores, de las minas a las fábricas"
    ),
    "Networking lunch": "Almuerzo de networking",
    "Expectations, realities, and trade-offs: conversations with monitoring partners and public buyers": (
        "Expectativas, realidades y concesiones: conversaciones con socios de monitoreo y compradores "
        "públicos"
    ),
    COLLECTIVE_LEVERAGE: "La influencia colectiva en acción",
    "Drinks reception with light snacks": "Recepción con bebidas y aperitivos",
    "Public procurement innovation: updates from affiliates": (
        "Innovación en la contratación pública: novedades de los afiliados"
    ),
    "Simulation game": "Juego de simulación",
    "Obtaining credible evidence with limited access: updates from monitoring partners": (
        "Obtener pruebas creíbles con acceso limitado: novedades de los socios de monitoreo"
    ),
    "Wrap-up and thanks": "Conclusiones y agradecimientos",
    HIDDEN_SESSION_TITLE: "Reunión a puerta cerrada de los socios de monitoreo",
}

DEMO_SPEAKERS = [
    {
        "slug": "demo-speaker-one",
        "name": "Demo Speaker One",
        "role": "Procurement officer (fictional)",
        "organisation": "Demo City Council (fictional)",
        "bio": "Demo speaker for trying the site.",
    },
    {
        "slug": "demo-speaker-two",
        "name": "Demo Speaker Two",
        "role": "Labour rights researcher (fictional)",
        "organisation": "Demo Monitoring Partner (fictional)",
        "bio": "Demo speaker for trying the site.",
    },
    {
        "slug": "demo-speaker-three",
        "name": "Demo Speaker Three",
        "role": "Trade union representative (fictional)",
        "organisation": "Demo Union (fictional)",
        "bio": "Demo speaker for trying the site.",
    },
]

# Session title -> [(speaker slug, role)], in order; only on the demo edition.
DEMO_SESSION_SPEAKERS = {
    PANEL_REGULATORY: [
        ("demo-speaker-one", SessionSpeaker.Role.MODERATOR),
        ("demo-speaker-two", SessionSpeaker.Role.SPEAKER),
        ("demo-speaker-three", SessionSpeaker.Role.SPEAKER),
    ],
    COLLECTIVE_LEVERAGE: [
        ("demo-speaker-two", SessionSpeaker.Role.MODERATOR),
        ("demo-speaker-one", SessionSpeaker.Role.SPEAKER),
    ],
}

# --- The webinar series (seed 003) ------------------------------------------

SERIES = {
    "slug": "electronics-watch-webinars",
    "title": "Electronics Watch Webinars",
    "summary": (
        "Electronics Watch is pleased to offer a series of free webinars on socially responsible public "
        "procurement, intended primarily for public sector buyers."
    ),
    "secondary_time_zones": [AMSTERDAM],
    "title_es": "Seminarios web de Electronics Watch",
    "summary_es": (
        "Electronics Watch se complace en ofrecer una serie de seminarios web gratuitos sobre contratación "
        "pública socialmente responsable, dirigidos principalmente a compradores del sector público."
    ),
}

# The seed gives "10am till 11am (11:00-12:30 Netherlands time)" for the first
# webinar: two different lengths. We store London times; other zones are computed.
SEED_WEBINARS = [
    {
        "slug": "webinar-2020-06-17-company-performance-tracker",
        "title": (
            "The Electronics Watch Company Performance Tracker (CPT). What it is and how affiliates can "
            "use it"
        ),
        "date": datetime.date(2020, 6, 17),
        "start": "10:00",
        "end": "11:00",
        "summary": "",
        "highlights": (
            "The CPT is a tool to evaluate, score and track companies’ performance of their contractual "
            "obligations to protect the rights of workers in electronics supply chains."
        ),
        "description": (
            "The CPT scores support affiliates to drive better performance and better conditions for "
            "workers. They can inform both the pre-tender market engagement and the contract management "
            "process and help set manageable expectations for improvements. Those companies that are "
            "more transparent and engage more fully to remedy violations in their supply chains will see "
            "that reflected in their scores. In this webinar we will give you the first demonstration of "
            "this new tool, with detailed explanations of the Supply Chain Transparency scores and the "
            "Factory Improvement scores, what exactly these mean, and how affiliates can use them in "
            "their procurement processes."
        ),
        "title_es": (
            "El Company Performance Tracker (CPT) de Electronics Watch: qué es y cómo pueden usarlo los "
            "afiliados"
        ),
        "highlights_es": (
            "El CPT es una herramienta para evaluar, puntuar y seguir el cumplimiento por parte de las "
            "empresas de sus obligaciones contractuales de proteger los derechos de los trabajadores en las "
            "cadenas de suministro de la electrónica."
        ),
    },
    {
        "slug": "webinar-2020-06-23-impact-of-covid-19",
        "title": "The Impact of Covid-19 on Electronics",
        "date": datetime.date(2020, 6, 23),
        "start": "10:00",
        "end": "11:30",
        "summary": "",
        "highlights": (
            "From mining, to manufacturing and public procurement. How are workers and communities "
            "coping and how can public procurement support?"
        ),
        "description": (
            "This webinar takes you behind the headlines of the Corona crisis to shine a spotlight on the "
            "impact on workers in different parts of the electronics supply chain, from miners and mining "
            "communities in Latin America to manufacturing workers across Asia. We will take you from the "
            "struggles of workers to the challenges public buyers face in Europe and how they are trying "
            "to engage their ICT supply chains to protect workers’ rights and safety."
        ),
        "title_es": "El impacto de la COVID-19 en la electrónica",
        "highlights_es": (
            "De la minería a la fabricación y la contratación pública. ¿Cómo lo están afrontando los "
            "trabajadores y las comunidades, y cómo puede ayudar la contratación pública?"
        ),
    },
]

# Upcoming demo webinars, on the first Tuesday at least `days_ahead` after today.
DEMO_WEBINARS = [
    {
        "slug": "demo-webinar-labour-rights-criteria-in-ict-tenders",
        "title": "Labour rights criteria in ICT tenders (demo)",
        "days_ahead": 21,
        "start": "10:00",
        "end": "11:00",
        "summary": (
            "How public buyers can include labour rights conditions when they tender for ICT hardware."
        ),
        "highlights": "Contract conditions, market engagement and supply chain disclosure.",
        "description": (
            "Demo webinar for trying the site. We look at how public buyers can include labour rights "
            "conditions in tenders for ICT hardware, how to discuss them with suppliers before the "
            "tender, and what supply chain disclosure to ask for."
        ),
        "title_es": "Criterios de derechos laborales en las licitaciones de TIC (demostración)",
        "summary_es": (
            "Cómo pueden los compradores públicos incluir condiciones de derechos laborales cuando licitan "
            "equipos informáticos."
        ),
        "highlights_es": (
            "Condiciones contractuales, consultas al mercado y transparencia de la cadena de suministro."
        ),
        "description_es": (
            "Seminario web de demostración para probar el sitio. Veremos cómo los compradores públicos "
            "pueden incluir condiciones de derechos laborales en las licitaciones de equipos informáticos, "
            "cómo hablar de ellas con los proveedores antes de la licitación y qué información sobre la "
            "cadena de suministro conviene exigir."
        ),
    },
    {
        "slug": "demo-webinar-contract-management-and-remedy",
        "title": "Contract management and remedy for workers (demo)",
        "days_ahead": 42,
        "start": "10:00",
        "end": "11:00",
        "summary": (
            "What public buyers can do during a contract when violations of workers' rights are found."
        ),
        "highlights": "Monitoring findings, remediation plans and working with suppliers.",
        "description": (
            "Demo webinar for trying the site. We discuss how public buyers can follow up monitoring "
            "findings during a contract, agree remediation plans with suppliers, and track progress "
            "towards remedy for workers."
        ),
        "title_es": "Gestión de contratos y reparación para los trabajadores (demostración)",
        "summary_es": (
            "Qué pueden hacer los compradores públicos durante la vigencia de un contrato cuando se detectan "
            "violaciones de los derechos de los trabajadores."
        ),
        "highlights_es": "Resultados del monitoreo, planes de reparación y trabajo con los proveedores.",
        "description_es": (
            "Seminario web de demostración para probar el sitio. Analizamos cómo los compradores públicos "
            "pueden dar seguimiento a los resultados del monitoreo durante un contrato, acordar planes de "
            "reparación con los proveedores y seguir los avances hacia la reparación para los trabajadores."
        ),
    },
]

# --- Demo accounts -----------------------------------------------------------

USERS = [
    {
        "email": STAFF_EMAIL,
        "first_name": "Demo",
        "last_name": "Staff",
        "is_staff": True,
        "is_superuser": True,
    },
    {
        "email": AFFILIATE_EMAIL,
        "first_name": "Demo",
        "last_name": "Affiliate",
        "is_staff": False,
        "is_superuser": False,
    },
]


# --- Writing ------------------------------------------------------------------


def resolve_password(password=None):
    """Return `password`, else $DEMO_PASSWORD, else a new random one."""
    return password or os.environ.get("DEMO_PASSWORD") or secrets.token_urlsafe(12)


def first_weekday_after(today, *, days, weekday):
    """Return the first `weekday` (0 is Monday) at least `days` days after `today`."""
    day = today + datetime.timedelta(days=days)
    return day + datetime.timedelta(days=(weekday - day.weekday()) % 7)


def first_wednesday_after(today, *, days=60):
    """Return the first Wednesday at least `days` days after `today`."""
    return first_weekday_after(today, days=days, weekday=2)


def _at(day, hhmm, tz):
    hour, minute = (int(part) for part in hhmm.split(":"))
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=zoneinfo.ZoneInfo(tz))


def _programme_order(item):
    day, start = item[0], item[1]
    return (day, *(int(part) for part in start.split(":")))


def _spanish(spec, *names):
    """The Spanish texts `spec` gives for `names`; empty ones show the English text."""
    return {f"{name}_es": spec.get(f"{name}_es", "") for name in names}


def _sync_sessions(event, first_day, items, *, room_for=None, spanish_titles=None):
    """Make `event`'s sessions exactly `items`, updating existing rows in place.

    A session is matched by its title and the occurrence of that title in the
    programme (the second "Coffee break" is the second one), so primary keys
    survive reruns and a moved date. Sessions not in `items` are deleted.
    """
    room_for = room_for or {}
    spanish_titles = spanish_titles or {}
    existing = defaultdict(list)
    for session in event.sessions.order_by("start", "end", "pk"):
        existing[session.title].append(session)
    seen = defaultdict(int)
    sessions = {}
    for day, start, end, title, kind, visibility, description in sorted(items, key=_programme_order):
        fields = {
            "kind": kind,
            "start": _at(first_day + datetime.timedelta(days=day), start, event.time_zone),
            "end": _at(first_day + datetime.timedelta(days=day), end, event.time_zone),
            "room": room_for.get(title, ""),
            "description": description,
            "title_es": spanish_titles.get(title, ""),
            "visibility": visibility,
            "language": "",
            "interpretation_languages": None,
        }
        index = seen[title]
        seen[title] += 1
        if index < len(existing[title]):
            session = existing[title][index]
            for name, value in fields.items():
                setattr(session, name, value)
            session.save()
        else:
            session = Session.objects.create(event=event, title=title, **fields)
        sessions.setdefault(title, []).append(session)
    keep = [session.pk for group in sessions.values() for session in group]
    event.sessions.exclude(pk__in=keep).delete()
    return sessions


def _sync_partners(event, partners):
    keep = []
    for order, (name, role) in enumerate(partners):
        partner, _ = EventPartner.objects.update_or_create(
            event=event, name=name, defaults={"role": role, "order": order, "website": ""}
        )
        keep.append(partner.pk)
    event.partners.exclude(pk__in=keep).delete()


def _sync_session_speakers(event, speakers_by_title, sessions):
    keep = []
    for title, entries in speakers_by_title.items():
        session = sessions[title][0]
        for order, (slug, role) in enumerate(entries):
            link, _ = SessionSpeaker.objects.update_or_create(
                session=session,
                speaker=Speaker.objects.get(slug=slug),
                defaults={"role": role, "order": order},
            )
            keep.append(link.pk)
    SessionSpeaker.objects.filter(session__event=event).exclude(pk__in=keep).delete()


def _conference(spec, *, first_day, venue, programme, speakers=None, room_for=None, spanish_titles=None):
    event, _ = Event.objects.update_or_create(
        slug=spec["slug"],
        defaults={
            "title": spec["title"],
            "subtitle": spec["subtitle"],
            "kind": Event.Kind.CONFERENCE,
            "status": Event.Status.PUBLISHED,
            "series": None,
            "time_zone": BRUSSELS,
            "secondary_time_zones": [],
            "start": _at(first_day + datetime.timedelta(days=spec["start"][0]), spec["start"][1], BRUSSELS),
            "end": _at(first_day + datetime.timedelta(days=spec["end"][0]), spec["end"][1], BRUSSELS),
            "venue": venue,
            "summary": spec["summary"],
            "description": spec["description"],
            "highlights": "",
            "practical_information": PRACTICAL_INFORMATION,
            "language": "en",
            "interpretation_languages": ["es"],
            "recording_url": "",
            **_spanish(spec, "title", "subtitle", "summary", "description"),
        },
    )
    _sync_partners(event, PARTNERS)
    sessions = _sync_sessions(event, first_day, programme, room_for=room_for, spanish_titles=spanish_titles)
    _sync_session_speakers(event, speakers or {}, sessions)
    return event


def _webinar(spec, *, series, day):
    event, _ = Event.objects.update_or_create(
        slug=spec["slug"],
        defaults={
            "title": spec["title"],
            "subtitle": "",
            "kind": Event.Kind.WEBINAR,
            "status": Event.Status.PUBLISHED,
            "series": series,
            "time_zone": LONDON,
            "secondary_time_zones": [AMSTERDAM],
            "start": _at(day, spec["start"], LONDON),
            "end": _at(day, spec["end"], LONDON),
            "venue": None,
            "summary": spec["summary"],
            "description": spec["description"],
            "highlights": spec["highlights"],
            "practical_information": "",
            "language": "en",
            "interpretation_languages": [],
            "recording_url": "",
            **_spanish(spec, "title", "summary", "highlights", "description"),
        },
    )
    event.sessions.all().delete()
    event.partners.all().delete()
    return event


def _demo_programme():
    items = []
    for day, start, end, title, kind, visibility, description in PROGRAMME:
        if visibility != PUBLIC and title in DEMO_RESTRICTED_DESCRIPTIONS:
            description = DEMO_MARK + DEMO_RESTRICTED_DESCRIPTIONS[title]
        items.append((day, start, end, title, kind, visibility, description))
    items.append(DEMO_HIDDEN_SESSION)
    return items


def _users(password):
    User = get_user_model()
    users = {}
    for spec in USERS:
        email = spec["email"]
        user = (
            User.objects.filter(username=email).first()
            or User.objects.filter(email__iexact=email).order_by("pk").first()
            or User(username=email)
        )
        if user.username != email and not User.objects.filter(username=email).exists():
            user.username = email
        user.email = email
        for name in ("first_name", "last_name", "is_staff", "is_superuser"):
            setattr(user, name, spec[name])
        user.is_active = True
        # Set on every run, so the printed login works.
        user.set_password(password)
        user.save()
        # Login requires a verified address; take it over from anyone else holding it.
        EmailAddress.objects.filter(email__iexact=email).exclude(user=user).delete()
        EmailAddress.objects.filter(user=user).exclude(email=email).update(primary=False)
        EmailAddress.objects.update_or_create(
            user=user, email=email, defaults={"verified": True, "primary": True}
        )
        users[email] = user
    organisation, _ = Organisation.objects.update_or_create(
        name=DEMO_ORGANISATION, defaults={"kind": Organisation.Kind.AFFILIATE, "is_active": True}
    )
    Membership.objects.get_or_create(organisation=organisation, user=users[AFFILIATE_EMAIL])
    return users


def load_demo(*, password, today=None, stdout=None):
    """Write the demo data; running it again gives the same rows.

    Creates the seed 2024 conference and the seed 2020 webinars exactly as the
    seeds give them, a demo edition of the conference and two demo webinars
    dated relative to `today` (default: today's local date), a demo staff user
    and a demo affiliate, both with `password`. All in one transaction. Writes
    what it did and the logins to `stdout` when given. Returns the events.
    """
    today = today or timezone.localdate()
    # In English: `title` and the other translated fields then write the English columns.
    with transaction.atomic(), translation.override("en"):
        venue, _ = Venue.objects.update_or_create(
            name=VENUE["name"], city=VENUE["city"], defaults={"country": VENUE["country"]}
        )
        for spec in DEMO_SPEAKERS:
            Speaker.objects.update_or_create(
                slug=spec["slug"], defaults={key: value for key, value in spec.items() if key != "slug"}
            )
        events = [
            _conference(
                SEED_CONFERENCE, first_day=SEED_CONFERENCE["first_day"], venue=venue, programme=PROGRAMME
            ),
            _conference(
                DEMO_CONFERENCE,
                first_day=first_wednesday_after(today),
                venue=venue,
                programme=_demo_programme(),
                speakers=DEMO_SESSION_SPEAKERS,
                room_for={HIDDEN_SESSION_TITLE: DEMO_HIDDEN_SESSION_ROOM},
                spanish_titles=DEMO_SESSION_TITLES_ES,
            ),
        ]
        series, _ = WebinarSeries.objects.update_or_create(
            slug=SERIES["slug"], defaults={key: value for key, value in SERIES.items() if key != "slug"}
        )
        events += [_webinar(spec, series=series, day=spec["date"]) for spec in SEED_WEBINARS]
        events += [
            _webinar(spec, series=series, day=first_weekday_after(today, days=spec["days_ahead"], weekday=1))
            for spec in DEMO_WEBINARS
        ]
        _users(password)

    if stdout is not None:
        lines = [
            f"{timezone.localtime(event.start, event.tz):%Y-%m-%d %H:%M} {event.time_zone}  {event.title}"
            for event in events
        ]
        lines += [
            "",
            f"Log in at {LOGIN_URL}",
            f"  staff:     {STAFF_EMAIL}",
            f"  affiliate: {AFFILIATE_EMAIL}",
            f"  password:  {password}",
        ]
        for line in lines:
            stdout.write(line + "\n")
    return events
