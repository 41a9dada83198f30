import pytest

from events.models import Session
from tests import factories

pytestmark = pytest.mark.django_db


def test_restricted_coffee_break_is_listed_without_a_restricted_badge_while_a_restricted_panel_has_one(
    client,
):
    event = factories.EventFactory()
    factories.SessionFactory(
        event=event, title="Coffee break", kind=Session.Kind.BREAK, visibility=Session.Visibility.AFFILIATES
    )
    factories.SessionFactory(
        event=event, title="Closed panel", kind=Session.Kind.PANEL, visibility=Session.Visibility.AFFILIATES
    )

    html = client.get(event.get_absolute_url()).content.decode()

    items = html.split('<li class="programme-item')[1:]
    break_item = next(item for item in items if "Coffee break" in item)
    panel_item = next(item for item in items if "Closed panel" in item)
    assert "restricted-badge" not in break_item.split("</li>", 1)[0]
    assert "restricted-badge" in panel_item.split("</li>", 1)[0]
