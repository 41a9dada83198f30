"""The staff home's periodic jobs panel in a browser, at 1366 px (a laptop) and 390 px (a phone): a late
job is flagged, the backup that never ran says so, stuck emails are counted; the page fits the screen
and axe-core finds no serious problem. Screenshots: test-artifacts/screenshots/staff-home-health-*.png."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from operations.models import Heartbeat
from registrations.models import OutboxEmail
from tests.e2e.test_accessibility import axe_violations, describe
from tests.e2e.test_admin_layout import LAPTOP, PHONE, _serious
from tests.e2e.test_admin_layout import axe as axe  # a fixture
from tests.e2e.test_screenshots import SCREENSHOTS, overflow, staff_cookie

pytestmark = pytest.mark.browser


def screenshots(page, name):
    """Screenshot the page and its jobs panel at 1366 and 390 px; the page must not scroll sideways."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    problems = []
    for width, viewport in (("1366", LAPTOP), ("390", PHONE)):
        page.set_viewport_size(viewport)
        page.screenshot(path=SCREENSHOTS / f"{name}-{width}.png", full_page=True)
        page.locator("#periodic-jobs").screenshot(path=SCREENSHOTS / f"{name}-panel-{width}.png")
        problems += overflow(page, f"{name} at {width}")
    return problems


def test_staff_see_late_jobs_the_missing_backup_and_stuck_emails(
    browser, live_server, heartbeats, settings, axe
):
    settings.CELERY_BEAT_SCHEDULE = settings.CELERY_BEAT_SCHEDULE | {
        "backup-database": {"task": "operations.backup_database", "schedule": 24 * 60 * 60.0}
    }
    heartbeats(default=1, expire_offers=14, backup_database=None)
    Heartbeat.objects.filter(name="resume-mailings").update(
        last_outcome=Heartbeat.Outcome.FAILED, last_error="OperationalError"
    )
    email = OutboxEmail.objects.create(to_email="guest@example.org", kind="registered", subject="You are in")
    OutboxEmail.objects.filter(pk=email.pk).update(created=timezone.now() - dt.timedelta(hours=2))
    context = browser.new_context(viewport=LAPTOP)
    context.add_cookies([staff_cookie(live_server)])
    page = context.new_page()

    page.goto(live_server.url + reverse("admin:index"))

    panel = page.get_by_role("region", name="Periodic jobs")
    late_row = panel.get_by_role("row").filter(has_text="expire-offers")
    assert late_row.get_by_text("late", exact=True).is_visible()
    backup_row = panel.get_by_role("row").filter(has_text="backup-database")
    assert backup_row.get_by_text("No backup yet").is_visible()
    assert page.get_by_role("link", name="1 periodic job is late").is_visible()
    assert page.get_by_role("link", name="1 email has waited over an hour to be sent").is_visible()
    problems = screenshots(page, "staff-home-health")
    page.set_viewport_size(PHONE)
    assert late_row.get_by_text("Last run:").is_visible()  # on a phone each row names its columns
    violations = _serious(axe_violations(page, axe))
    if violations:
        problems.append(describe("staff home at 390", violations))
    context.close()

    assert problems == [], "\n".join(problems)
