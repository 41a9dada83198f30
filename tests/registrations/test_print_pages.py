from html.parser import HTMLParser

import pytest
from django.urls import reverse

from registrations.eventday import reports
from registrations.models import Registration
from tests import factories

pytestmark = pytest.mark.django_db


class _TextOf(HTMLParser):
    """Collect the text of every element with the given class, in document order."""

    def __init__(self, css_class):
        super().__init__()
        self.css_class = css_class
        self.depth = 0
        self.texts = []

    def handle_starttag(self, tag, attrs):
        if self.depth:
            self.depth += 1
        elif self.css_class in (dict(attrs).get("class") or "").split():
            self.depth = 1
            self.texts.append("")

    def handle_endtag(self, tag):
        if self.depth:
            self.depth -= 1

    def handle_data(self, data):
        if self.depth:
            self.texts[-1] += data


def texts_of(response, css_class):
    parser = _TextOf(css_class)
    parser.feed(response.content.decode())
    return [" ".join(text.split()) for text in parser.texts]


@pytest.fixture
def event_with_registrants():
    """Consenting confirmed: Zoë, ana (lower case), Bo. Everyone else must not be printed."""
    event = factories.EventFactory(title="Annual Conference 2030", slug="annual-2030")
    confirmed = Registration.Status.CONFIRMED
    for name, organisation, status, consent in [
        ("Zoë Zimmer", "Textile Union", confirmed, True),
        ("ana Alves", "University of Ghent", confirmed, True),
        ("Bo Berg", "", confirmed, True),
        ("Cy Private", "Hidden Org", confirmed, False),
        ("Di Waiting", "Waiting Org", Registration.Status.WAITLISTED, True),
        ("Ed Pending", "Pending Org", Registration.Status.PENDING, True),
        ("Fay Cancelled", "Cancelled Org", Registration.Status.CANCELLED, True),
    ]:
        factories.RegistrationFactory(
            event=event, name=name, organisation=organisation, status=status, participant_list_consent=consent
        )
    factories.RegistrationFactory(name="Other Event", participant_list_consent=True)
    return event


def test_participants_for_print_are_consenting_confirmed_registrants_by_name(event_with_registrants):
    participants = reports.participants_for_print(event_with_registrants)

    assert [(p.name, p.organisation) for p in participants] == [
        ("ana Alves", "University of Ghent"),
        ("Bo Berg", ""),
        ("Zoë Zimmer", "Textile Union"),
    ]


def test_participant_list_shows_exactly_the_consenting_confirmed_registrants(
    admin_client, event_with_registrants
):
    response = admin_client.get(reverse("registrations:staff_participant_list", args=["annual-2030"]))

    assert response.status_code == 200
    parser = _Rows()
    parser.feed(response.content.decode())
    assert parser.rows == [
        ["Name", "Organisation"],
        ["ana Alves", "University of Ghent"],
        ["Bo Berg", ""],
        ["Zoë Zimmer", "Textile Union"],
    ]
    content = response.content.decode()
    for name in ("Cy Private", "Hidden Org", "Di Waiting", "Ed Pending", "Fay Cancelled", "Other Event"):
        assert name not in content
    assert "css/print.css" in content


def test_badges_show_name_organisation_and_event_for_exactly_the_same_people(
    admin_client, event_with_registrants
):
    response = admin_client.get(reverse("registrations:staff_badges", args=["annual-2030"]))

    assert response.status_code == 200
    assert texts_of(response, "name-badge") == [
        "ana Alves University of Ghent Annual Conference 2030",
        "Bo Berg Annual Conference 2030",
        "Zoë Zimmer Textile Union Annual Conference 2030",
    ]
    assert texts_of(response, "name-badge-name") == ["ana Alves", "Bo Berg", "Zoë Zimmer"]
    content = response.content.decode()
    for name in ("Cy Private", "Hidden Org", "Di Waiting", "Ed Pending", "Fay Cancelled", "Other Event"):
        assert name not in content
    assert "css/print-badges.css" in content


def test_badges_are_printed_eight_to_an_a4_sheet(admin_client):
    event = factories.EventFactory(slug="big")
    for index in range(17):
        factories.RegistrationFactory(event=event, name=f"Person {index:02}", participant_list_consent=True)

    response = admin_client.get(reverse("registrations:staff_badges", args=["big"]))

    assert [len(sheet) for sheet in response.context["sheets"]] == [8, 8, 1]
    assert len(texts_of(response, "badge-sheet")) == 3
    assert texts_of(response, "name-badge-name")[0] == "Person 00"
    assert texts_of(response, "name-badge-name")[-1] == "Person 16"


def test_print_pages_say_so_when_nobody_consented(admin_client):
    event = factories.EventFactory(slug="quiet")
    factories.RegistrationFactory(event=event, name="Shy Person", participant_list_consent=False)

    for name in ("registrations:staff_participant_list", "registrations:staff_badges"):
        content = admin_client.get(reverse(name, args=["quiet"])).content.decode()
        assert "No confirmed registrant has agreed to appear on the list yet." in content
        assert "Shy Person" not in content


def test_print_pages_are_linked_from_the_summary(admin_client, event_with_registrants):
    content = admin_client.get(reverse("registrations:staff_summary", args=["annual-2030"])).content.decode()

    assert reverse("registrations:staff_participant_list", args=["annual-2030"]) in content
    assert reverse("registrations:staff_badges", args=["annual-2030"]) in content


class _Rows(HTMLParser):
    """The cells of the first table, row by row."""

    def __init__(self):
        super().__init__()
        self.rows = []
        self.cell = None
        self.done = False

    def handle_starttag(self, tag, attrs):
        if self.done:
            return
        if tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th"):
            self.cell = ""

    def handle_endtag(self, tag):
        if tag == "table":
            self.done = True
        elif tag in ("td", "th") and self.cell is not None and not self.done:
            self.rows[-1].append(self.cell.strip())
            self.cell = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell += data
