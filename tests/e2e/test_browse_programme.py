import pytest

from tests import factories
from tests.factories import DEFAULT_PASSWORD

pytestmark = pytest.mark.browser


def test_visitor_browses_programme_and_affiliate_logs_in_to_see_restricted_details(
    page, live_server, conference_with_mixed_sessions
):
    c = conference_with_mixed_sessions
    affiliate = factories.MembershipFactory(user__email="ana@union.example.org").user

    page.goto(live_server.url + "/")
    page.get_by_role("link", name="Mixed Conference").click()

    assert page.get_by_role("heading", level=1).inner_text() == "Mixed Conference"
    assert page.get_by_text("Open panel description.").is_visible()
    assert page.get_by_text("SECRET teaser description").count() == 0
    assert page.get_by_text("Hidden closed meeting").count() == 0

    page.get_by_role("link", name="Log in to see the details").first.click()
    page.get_by_label("Email").fill(affiliate.email)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Log in").click()

    assert page.url == live_server.url + c.event.get_absolute_url()
    assert page.get_by_text("SECRET teaser description").is_visible()
    assert page.get_by_text("Hidden closed meeting").is_visible()
    assert page.get_by_text("Secret Speaker").is_visible()
