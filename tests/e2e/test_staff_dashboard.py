"""The event dashboard in a browser, on the demo data plus six weeks of realistic registrations:
staff open it from the admin's event list, see the chart, the page fits 390 and 1366 px wide
without sideways scrolling and passes axe-core. Screenshots at both widths go to
test-artifacts/screenshots/ (dashboard-*.png); the 1366 px one is the README's
docs/staff-dashboard.png."""

import datetime as dt
import random
from collections import Counter

import pytest
from django.conf import settings
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone

from events import demo
from events.models import Event, Session
from registrations.models import (
    Mailing,
    Registration,
    RegistrationSettings,
    SessionChoice,
    SessionPlaces,
)
from registrations.outbox.models import OutboxEmail
from tests import checkers, factories
from tests.e2e.test_accessibility import AXE_TAGS, RUN_AXE, describe
from tests.e2e.test_screenshots import SCREENSHOTS, staff_cookie

pytestmark = pytest.mark.browser

WIDTHS = {"390": {"width": 390, "height": 844}, "1366": {"width": 1366, "height": 900}}
S = Registration.Status
# How the registrations of the six weeks end up, by weight: most confirmed, a waiting list, a few
# awaiting approval, cancelled or holding an offer.
STATUSES = [S.CONFIRMED] * 14 + [S.WAITLISTED] * 2 + [S.PENDING, S.CANCELLED, S.CANCELLED, S.OFFERED]
DIETS = ["", "", "", "", "Vegetarian", "vegetarian", "Vegan", "Halal", "No nuts", "Gluten-free"]
LANGUAGES = ["", "", "", "", "none", "es", "es", "fr"]
ACCESS = [""] * 12 + ["Step-free access", "Hearing loop", "A seat near the front"]


def realistic_registrations(event, count=150, seed=2030):
    """`count` registrations made over the last six weeks, faster as the event nears, with sessions,
    needs and a mailing; the counts the services keep (places held) are brought in line."""
    rng = random.Random(seed)  # noqa: S311 (made-up test data, repeatable by its seed)
    for session in Session.objects.filter(event=event).attendable():
        SessionPlaces.objects.get_or_create(session=session, defaults={"capacity": 80})
    sessions = list(Session.objects.filter(event=event).attendable().select_related("places"))
    held = Counter(
        SessionChoice.objects.filter(
            session__event=event, status=SessionChoice.Status.CONFIRMED, registration__status=S.CONFIRMED
        ).values_list("session_id", flat=True)
    )
    now = timezone.now()
    for index in range(count):
        status = rng.choice(STATUSES)
        registration = factories.RegistrationFactory(
            event=event,
            name=f"Demo Registrant {index + 1}",
            email=f"demo-registrant-{index + 1}@example.org",
            status=status,
            dietary_needs=rng.choice(DIETS),
            interpretation_language=rng.choice(LANGUAGES),
            accessibility_needs=rng.choice(ACCESS),
        )
        days_ago = int(42 * (1 - rng.random() ** 0.6))
        Registration.objects.filter(pk=registration.pk).update(
            created=now - dt.timedelta(days=days_ago, minutes=rng.randrange(600))
        )
        for session in rng.sample(sessions, k=rng.randint(1, min(3, len(sessions)))):
            room = session.places.capacity is None or held[session.pk] < session.places.capacity
            holds = status == S.CONFIRMED and room
            held[session.pk] += holds
            SessionChoice.objects.get_or_create(
                registration=registration,
                session=session,
                defaults={
                    "status": SessionChoice.Status.CONFIRMED if holds else SessionChoice.Status.WAITING
                },
            )
    holding = Q(choices__status__in=SessionChoice.HOLDING, choices__registration__status=S.CONFIRMED)
    for session in (
        Session.objects.filter(event=event).attendable().annotate(held=Count("choices", filter=holding))
    ):
        SessionPlaces.objects.filter(session=session).update(confirmed_count=session.held)
    RegistrationSettings.objects.filter(event=event).update(
        confirmed_count=Registration.objects.filter(
            event=event, status__in=Registration.HOLDING_STATUSES
        ).count()
    )
    mailing = Mailing.objects.create(
        event=event,
        subject="Practical information: venue and hotels",
        body="Hello",
        status=Mailing.Status.SENT,
    )
    recipients = Registration.objects.filter(event=event, status=S.CONFIRMED)
    for index, registration in enumerate(recipients):
        OutboxEmail.objects.create(
            mailing=mailing,
            registration=registration,
            to_email=registration.email,
            kind=OutboxEmail.Kind.MAILING,
            subject=mailing.subject,
            body_text="Hello",
            status=OutboxEmail.Status.FAILED if index % 40 == 7 else OutboxEmail.Status.SENT,
            dedupe_key=f"mailing:{mailing.pk}:{registration.pk}",
        )


def test_staff_open_the_dashboard_from_the_admin_event_list_and_it_fits_phone_and_laptop(
    browser, live_server
):
    demo.load_demo(password=factories.DEFAULT_PASSWORD)
    event = Event.objects.get(slug=demo.DEMO_CONFERENCE["slug"])
    realistic_registrations(event)
    dashboard = reverse("registrations:staff_dashboard", args=[event.slug])
    context = browser.new_context(viewport=WIDTHS["1366"])
    context.add_cookies([staff_cookie(live_server)])
    page = context.new_page()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    page.goto(live_server.url + reverse("admin:events_event_changelist"))
    with page.expect_navigation():
        page.locator(f'#result_list a[href="{dashboard}"]').click()

    assert page.get_by_role("heading", level=1).inner_text() == f"Dashboard: {event.title}"
    chart = page.get_by_role("img", name="Registrations over time, by status")
    assert chart.is_visible()
    assert chart.bounding_box()["height"] > 150
    total = Registration.objects.filter(event=event).count()
    assert page.locator("#chart-desc").text_content().startswith(f"{total} registrations from ")
    for width, viewport in WIDTHS.items():
        page.set_viewport_size(viewport)
        page.screenshot(path=SCREENSHOTS / f"dashboard-{width}-first-screen.png")
    # The table is folded away until asked for, and then holds the same total.
    table = page.locator("#over-time-table")
    assert not table.is_visible()
    page.get_by_text("The chart's numbers as a table").click()
    assert table.locator("tbody tr").last.locator("td").last.inner_text() == str(total)

    axe = checkers.axe_script().read_text(encoding="utf-8")
    problems = []
    for width, viewport in WIDTHS.items():
        page.set_viewport_size(viewport)
        page.screenshot(path=SCREENSHOTS / f"dashboard-{width}.png", full_page=True)
        chart.screenshot(path=SCREENSHOTS / f"dashboard-{width}-chart.png")
        pixels = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        if pixels > 0:
            problems.append(f"{width}: {pixels}px of horizontal overflow")
        if not chart.is_visible() or chart.bounding_box()["width"] > viewport["width"]:
            problems.append(f"{width}: the chart is hidden or wider than the window")
        page.evaluate(axe)
        violations = page.evaluate(RUN_AXE, AXE_TAGS)
        if violations:
            problems.append(describe(f"dashboard {width}", violations))
    # In Spanish the words are longer: the page still fits, the chart still says what it shows.
    context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": "es", "url": live_server.url}])
    page.reload()
    assert page.get_by_role("heading", level=1).inner_text().startswith("Panel: ")
    assert page.locator("#chart-desc").text_content().startswith(f"{total} inscripciones del ")
    for width, viewport in WIDTHS.items():
        page.set_viewport_size(viewport)
        page.screenshot(path=SCREENSHOTS / f"dashboard-es-{width}.png", full_page=True)
        pixels = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        if pixels > 0:
            problems.append(f"es {width}: {pixels}px of horizontal overflow")
    context.close()

    assert problems == [], "\n".join(problems)
