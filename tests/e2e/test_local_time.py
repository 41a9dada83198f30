import datetime as dt
import zoneinfo

import pytest

from tests import factories

pytestmark = pytest.mark.browser


def _page_in_zone(browser, timezone_id):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, timezone_id=timezone_id)
    return context, context.new_page()


def _local_range(event, zone_name):
    event.refresh_from_db()
    zone = zoneinfo.ZoneInfo(zone_name)
    return f"{event.start.astimezone(zone):%H:%M}–{event.end.astimezone(zone):%H:%M}"


def test_webinar_shows_the_visitors_own_time_computed_from_the_stored_instants(browser, live_server):
    webinar = factories.WebinarFactory(title="Cobalt webinar")
    session = factories.SessionFactory(event=webinar, title="Questions and answers")
    context, page = _page_in_zone(browser, "America/Mexico_City")
    expected = f"Your time: {_local_range(webinar, 'America/Mexico_City')} (America/Mexico_City)"

    page.goto(live_server.url + webinar.get_absolute_url())
    local = page.locator(".event-header [data-local-range]")

    assert expected == "Your time: 03:00–04:00 (America/Mexico_City)"
    assert local.is_visible()
    assert local.inner_text() == expected

    page.goto(live_server.url + webinar.series.get_absolute_url())
    assert page.locator(".webinar [data-local-range]").inner_text() == expected

    page.goto(live_server.url + session.get_absolute_url())
    session.refresh_from_db()
    zone = zoneinfo.ZoneInfo("America/Mexico_City")
    assert page.locator("[data-local-range]").inner_text() == (
        f"Your time: {session.start.astimezone(zone):%H:%M}–{session.end.astimezone(zone):%H:%M}"
        " (America/Mexico_City)"
    )
    context.close()


def test_visitors_date_is_named_when_it_differs_from_the_organisers(browser, live_server):
    london = zoneinfo.ZoneInfo("Europe/London")
    webinar = factories.WebinarFactory(
        start=dt.datetime(2030, 6, 17, 20, 0, tzinfo=london),
        end=dt.datetime(2030, 6, 17, 21, 0, tzinfo=london),
    )
    context, page = _page_in_zone(browser, "Asia/Tokyo")

    page.goto(live_server.url + webinar.get_absolute_url())

    assert (
        page.locator("[data-local-range]").inner_text()
        == "Your time: Tuesday, June 18, 04:00–05:00 (Asia/Tokyo)"
    )
    context.close()


@pytest.mark.parametrize("timezone_id", ["Europe/London", "Europe/Amsterdam"], ids=["organiser", "secondary"])
def test_local_time_stays_hidden_in_a_zone_the_page_already_shows(browser, live_server, timezone_id):
    webinar = factories.WebinarFactory(secondary_time_zones=["Europe/Amsterdam"])
    context, page = _page_in_zone(browser, timezone_id)

    page.goto(live_server.url + webinar.get_absolute_url())
    page.wait_for_load_state("load")
    local = page.locator("[data-local-range]")

    assert page.evaluate("Intl.DateTimeFormat().resolvedOptions().timeZone") == timezone_id
    assert local.count() == 1
    assert local.is_hidden()
    assert local.inner_text() == ""
    context.close()
