import datetime as dt
import re

import pytest

from tests import factories

pytestmark = pytest.mark.django_db


def test_day_links_of_a_two_day_programme_point_at_each_day_heading(client):
    event = factories.EventFactory(title="Two Day Conference")
    factories.SessionFactory(event=event, title="First morning", start=event.start)
    factories.SessionFactory(event=event, title="Second morning", start=event.start + dt.timedelta(days=1))

    html = client.get(event.get_absolute_url()).content.decode()

    nav = html.split('class="programme-days"', 1)[1].split("</nav>", 1)[0]
    targets = re.findall(r'href="#([^"]+)"', nav)
    assert targets == ["day-1", "day-2"]
    for target in targets:
        assert f'<h3 id="{target}" class="programme-date">' in html


def test_one_day_programme_has_no_day_links(client):
    event = factories.EventFactory()
    factories.SessionFactory(event=event, start=event.start)

    html = client.get(event.get_absolute_url()).content.decode()

    assert 'class="programme-days"' not in html
