import email

import pytest
from django.urls import reverse
from django.utils import timezone

from registrations import door_code
from registrations.eventday import checkin
from registrations.models import OutboxEmail, Registration
from registrations.outbox.delivery import build_message
from registrations.signup import emails
from tests import factories
from tests.conftest import shows_staff_only_page

pytestmark = pytest.mark.django_db

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def event():
    return factories.EventFactory(title="Door Conference", slug="door-conference")


@pytest.fixture
def people(event):
    """Three confirmed registrants, one waitlisted, one cancelled, and a confirmed one at another event."""
    return {
        "ana": factories.RegistrationFactory(
            event=event, name="Ana Pérez", email="ana@union.example.org", organisation="Metalworkers Union"
        ),
        "bo": factories.RegistrationFactory(
            event=event, name="Bo Lindqvist", email="bo@city.example.se", organisation="City of Malmö"
        ),
        "chen": factories.RegistrationFactory(
            event=event, name="Chen Wu", email="chen@buyers.example.net", organisation="Procurement Office"
        ),
        "dara": factories.RegistrationFactory(
            event=event,
            name="Dara Waitlisted",
            email="dara@example.com",
            organisation="Union Aid",
            status=Registration.Status.WAITLISTED,
        ),
        "eve": factories.RegistrationFactory(
            event=event, name="Eve Cancelled", email="eve@example.com", status=Registration.Status.CANCELLED
        ),
        "other": factories.RegistrationFactory(name="Olga Elsewhere", email="olga@example.com"),
    }


def page_url(event, query=None):
    url = reverse("registrations:checkin", kwargs={"slug": event.slug})
    return f"{url}?q={query}" if query is not None else url


def names(queryset):
    return [registration.name for registration in queryset]


# Services and selectors


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("péREZ", ["Ana Pérez"]),  # name, any case, partial
        ("metalWORK", ["Ana Pérez"]),  # organisation
        ("CITY.example", ["Bo Lindqvist"]),  # email
        ("union", ["Ana Pérez", "Dara Waitlisted"]),  # waitlisted listed too
        ("elsewhere", []),  # another event's registrant
        ("cancelled", []),  # a cancelled registration is not listed
        ("", ["Ana Pérez", "Bo Lindqvist", "Chen Wu", "Dara Waitlisted"]),
    ],
)
def test_checkin_search_matches_name_organisation_or_email(event, people, query, expected):
    assert names(checkin.checkin_search(event, query)) == expected


def test_check_in_sets_attended_at_once_and_undo_clears_it(event, people, staff_user):
    ana = people["ana"]

    checkin.check_in(registration=ana, by=staff_user)
    first = Registration.objects.get(pk=ana.pk).attended_at
    checkin.check_in(registration=ana, by=staff_user)

    assert first is not None
    assert abs(timezone.now() - first).total_seconds() < 60
    assert Registration.objects.get(pk=ana.pk).attended_at == first

    checkin.undo_check_in(registration=ana)

    assert Registration.objects.get(pk=ana.pk).attended_at is None


@pytest.mark.parametrize("who", ["dara", "eve"])
def test_only_a_confirmed_registration_can_be_checked_in(people, staff_user, who):
    with pytest.raises(checkin.CheckInRefused, match="not confirmed"):
        checkin.check_in(registration=people[who], by=staff_user)

    assert Registration.objects.get(pk=people[who].pk).attended_at is None


def test_counts_are_checked_in_of_confirmed(event, people, staff_user):
    checkin.check_in(registration=people["ana"], by=staff_user)
    checkin.check_in(registration=people["other"], by=staff_user)

    assert checkin.checkin_counts(event) == {"checked_in": 1, "confirmed": 3}


# The page


def test_page_lists_confirmed_with_buttons_and_waitlisted_without(client, staff_user, event, people):
    client.force_login(staff_user)
    checkin.check_in(registration=people["bo"], by=staff_user)

    response = client.get(page_url(event))

    html = response.content.decode()
    assert response.status_code == 200
    assert [r.name for r in response.context["results"]] == [
        "Ana Pérez",
        "Bo Lindqvist",
        "Chen Wu",
        "Dara Waitlisted",
    ]
    assert response.context["counts"] == {"checked_in": 1, "confirmed": 3}
    assert html.count(">Mark present<") == 2
    assert html.count(">Undo<") == 1
    assert (
        reverse("registrations:checkin_present", kwargs={"slug": event.slug, "pk": people["dara"].pk})
        not in html
    )
    assert "checkin-item-inactive" in html
    assert "Waitlisted" in html
    assert 'name="csrfmiddlewaretoken"' in html
    assert '<label for="checkin-search"' in html
    assert '<label for="checkin-code"' in html


def test_page_search_shows_only_matches(client, staff_user, event, people):
    client.force_login(staff_user)

    response = client.get(page_url(event, "procurement"))

    assert [r.name for r in response.context["results"]] == ["Chen Wu"]
    assert 'value="procurement"' in response.content.decode()


def test_mark_present_and_undo_redirect_back_keeping_the_query(client, staff_user, event, people):
    client.force_login(staff_user)
    ana = people["ana"]
    present = reverse("registrations:checkin_present", kwargs={"slug": event.slug, "pk": ana.pk})
    undo = reverse("registrations:checkin_undo", kwargs={"slug": event.slug, "pk": ana.pk})

    response = client.post(present, {"q": "ana pé"})

    assert response.status_code == 302
    assert response.url == page_url(event, "ana+p%C3%A9")
    assert Registration.objects.get(pk=ana.pk).attended_at is not None
    page = client.get(response.url)
    assert "Ana Pérez is checked in." in page.content.decode()
    assert page.context["counts"] == {"checked_in": 1, "confirmed": 3}

    response = client.post(undo, {"q": ""})

    assert response.url == page_url(event)
    assert Registration.objects.get(pk=ana.pk).attended_at is None


def test_waitlisted_cannot_be_marked_present_through_the_page(client, staff_user, event, people):
    client.force_login(staff_user)
    dara = people["dara"]

    response = client.post(
        reverse("registrations:checkin_present", kwargs={"slug": event.slug, "pk": dara.pk}), follow=True
    )

    assert Registration.objects.get(pk=dara.pk).attended_at is None
    assert "Dara Waitlisted can&#x27;t be checked in: the registration is waitlisted" in (
        response.content.decode()
    )


def test_mark_present_refuses_a_registration_of_another_event(client, staff_user, event, people):
    client.force_login(staff_user)
    other = people["other"]

    response = client.post(
        reverse("registrations:checkin_present", kwargs={"slug": event.slug, "pk": other.pk})
    )

    assert response.status_code == 404
    assert Registration.objects.get(pk=other.pk).attended_at is None


# The code field


def post_code(client, event, code):
    return client.post(
        reverse("registrations:checkin_code", kwargs={"slug": event.slug}), {"code": code}, follow=True
    )


def attended(people):
    return {key for key, registration in people.items() if registration_attended(registration)}


def registration_attended(registration):
    return Registration.objects.get(pk=registration.pk).attended_at is not None


def test_code_of_this_event_checks_in_and_names_the_person(client, staff_user, event, people):
    client.force_login(staff_user)

    response = post_code(client, event, f"  {people['chen'].manage_token}\n")

    assert attended(people) == {"chen"}
    assert "Chen Wu is checked in." in response.content.decode()
    assert response.context["counts"] == {"checked_in": 1, "confirmed": 3}

    response = post_code(client, event, people["chen"].manage_token)

    assert "Chen Wu was already checked in." in response.content.decode()


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("other", "This code is not for this event."),
        ("unknown", "Code not found."),
        ("", "Code not found."),
        ("dara", "Dara Waitlisted can&#x27;t be checked in"),
    ],
)
def test_refused_code_says_why_and_changes_nothing(client, staff_user, event, people, code, message):
    client.force_login(staff_user)
    token = people[code].manage_token if code in people else {"unknown": "no-such-token", "": ""}[code]

    response = post_code(client, event, token)

    assert attended(people) == set()
    assert message in response.content.decode()


# Access


def checkin_urls(event, registration):
    kwargs = {"slug": event.slug, "pk": registration.pk}
    return [
        ("get", page_url(event)),
        ("post", reverse("registrations:checkin_code", kwargs={"slug": event.slug})),
        ("post", reverse("registrations:checkin_present", kwargs=kwargs)),
        ("post", reverse("registrations:checkin_undo", kwargs=kwargs)),
    ]


@pytest.mark.parametrize("kind", ["anonymous", "guest", "affiliate"])
def test_every_checkin_url_sends_non_staff_to_log_in_or_refuses_them(client, event, people, kind):
    users = {
        "anonymous": None,
        "guest": factories.UserFactory(),
        "affiliate": factories.MembershipFactory().user,
    }
    if users[kind] is not None:
        client.force_login(users[kind])
    ana = people["ana"]

    for method, url in checkin_urls(event, ana):
        response = getattr(client, method)(url, {"code": ana.manage_token} if method == "post" else {})

        if users[kind] is None:
            assert response.status_code == 302, url
            assert response.url.startswith(reverse("account_login") + "?next="), url
        else:
            assert shows_staff_only_page(response), url
    assert attended(people) == set()


def test_every_checkin_url_works_for_staff(client, staff_user, event, people):
    client.force_login(staff_user)
    ana = people["ana"]

    statuses = [
        getattr(client, method)(url, {"code": ana.manage_token} if method == "post" else {}).status_code
        for method, url in checkin_urls(event, ana)
    ]

    assert statuses == [200, 302, 302, 302]


# Query counts


@pytest.mark.parametrize("size", [3, 20])
def test_page_query_count_does_not_grow_with_registrations(
    client, staff_user, event, django_assert_num_queries, size
):
    factories.RegistrationFactory.create_batch(size, event=event)
    factories.RegistrationFactory.create_batch(size, event=event, status=Registration.Status.WAITLISTED)
    factories.RegistrationFactory.create_batch(size, event=event, attended_at=timezone.now())
    client.force_login(staff_user)

    # Session, user, event, the search, the counts.
    with django_assert_num_queries(5):
        response = client.get(page_url(event))

    # Past RESULTS_SHOWN (50), the page lists the first ones and asks for a narrower search.
    assert (len(response.context["results"]), response.context["more_results"]) == (
        min(3 * size, 50),
        3 * size > 50,
    )
    assert response.context["counts"] == {"checked_in": size, "confirmed": 2 * size}


# The QR code in confirmation emails


@pytest.fixture
def _site_url(settings):
    settings.SITE_URL = "http://testserver.example"


def outbox_row(registration, kind):
    emails.queue_registration_email(registration=registration, kind=kind)
    return OutboxEmail.objects.filter(registration=registration, kind=kind).latest("pk")


def inline_images(message):
    return [part for part in message.message().walk() if part.get_content_maintype() == "image"]


@pytest.mark.usefixtures("_site_url")
@pytest.mark.parametrize(
    "kind", [OutboxEmail.Kind.REGISTERED, OutboxEmail.Kind.APPROVED, OutboxEmail.Kind.PROMOTED]
)
def test_confirmation_email_carries_the_code_as_an_inline_qr_png(
    event, kind, django_capture_on_commit_callbacks
):
    registration = factories.RegistrationFactory(event=event, name="Ana Pérez")
    with django_capture_on_commit_callbacks(execute=False):
        row = outbox_row(registration, kind)

    message = build_message(row)

    [image] = inline_images(message)
    content_id = image["Content-ID"]
    assert content_id == f"<{door_code.CHECKIN_QR_CID}>"
    assert image.get_content_type() == "image/png"
    assert image.get_payload(decode=True).startswith(PNG_SIGNATURE)
    assert image.get_payload(decode=True) == door_code.checkin_qr_png(registration.manage_token)
    assert f'src="cid:{content_id.strip("<>")}"' in row.body_html
    assert f"<code>{registration.manage_token}</code>" in row.body_html
    assert f"shows it as a QR code):\n{registration.manage_token}\n" in row.body_text
    # The image sits with the HTML in a multipart/related; the .ics stays an attachment.
    parsed = email.message_from_bytes(message.message().as_bytes())
    assert [part.get_content_type() for part in parsed.walk()] == [
        "multipart/mixed",
        "multipart/related",
        "multipart/alternative",
        "text/plain",
        "text/html",
        "image/png",
        "text/calendar",
    ]


@pytest.mark.usefixtures("_site_url")
def test_waitlisted_and_other_emails_carry_no_code(event, django_capture_on_commit_callbacks):
    waitlisted = factories.RegistrationFactory(event=event, status=Registration.Status.WAITLISTED)
    confirmed = factories.RegistrationFactory(event=event)
    with django_capture_on_commit_callbacks(execute=False):
        rows = [
            outbox_row(waitlisted, OutboxEmail.Kind.WAITLISTED),
            # A registered email for someone not confirmed (resent, say) has no code either.
            outbox_row(waitlisted, OutboxEmail.Kind.REGISTERED),
            outbox_row(confirmed, OutboxEmail.Kind.CHANGED),
            outbox_row(confirmed, OutboxEmail.Kind.REMINDER),
        ]

    for row in rows:
        assert inline_images(build_message(row)) == [], row.kind
        assert "cid:" not in row.body_html, row.kind
        assert "registration code" not in row.body_text + row.body_html, row.kind


@pytest.mark.usefixtures("_site_url")
def test_no_qr_when_the_registration_is_no_longer_confirmed_at_send_time(
    event, django_capture_on_commit_callbacks
):
    registration = factories.RegistrationFactory(event=event)
    with django_capture_on_commit_callbacks(execute=False):
        row = outbox_row(registration, OutboxEmail.Kind.REGISTERED)
    Registration.objects.filter(pk=registration.pk).update(status=Registration.Status.CANCELLED)

    assert inline_images(build_message(row)) == []


@pytest.mark.usefixtures("_site_url")
def test_webinar_confirmation_has_no_door_code(django_capture_on_commit_callbacks):
    registration = factories.RegistrationFactory(event=factories.WebinarFactory())
    with django_capture_on_commit_callbacks(execute=False):
        row = outbox_row(registration, OutboxEmail.Kind.REGISTERED)

    assert inline_images(build_message(row)) == []
    assert "registration code" not in row.body_text + row.body_html
