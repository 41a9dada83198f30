import datetime as dt
import email
import zoneinfo

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from registrations import door_code
from registrations.eventday import checkin
from registrations.models import CheckIn, OutboxEmail, Registration
from registrations.outbox.delivery import build_message
from registrations.signup import emails
from tests import factories
from tests.conftest import shows_staff_only_page

pytestmark = pytest.mark.django_db

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
BRUSSELS = zoneinfo.ZoneInfo("Europe/Brussels")
DAY_1, DAY_2 = dt.date(2030, 11, 6), dt.date(2030, 11, 7)


@pytest.fixture
def event():
    """A one-day event: the page checks in for its day without naming it in messages."""
    return factories.EventFactory(
        title="Door Conference",
        slug="door-conference",
        start=dt.datetime(2030, 11, 6, 9, 0, tzinfo=BRUSSELS),
        end=dt.datetime(2030, 11, 6, 17, 30, tzinfo=BRUSSELS),
    )


@pytest.fixture
def two_days():
    """A conference on 6 and 7 November 2030 (the factory's), with two confirmed registrants."""
    event = factories.EventFactory(title="Two-Day Conference", slug="two-days")
    return {
        "event": event,
        "ana": factories.RegistrationFactory(event=event, name="Ana Pérez"),
        "bo": factories.RegistrationFactory(event=event, name="Bo Lindqvist"),
    }


@pytest.fixture
def running_now():
    """A two-day conference whose first day is today in its zone, with one confirmed registrant."""
    today = timezone.localtime(timezone.now(), BRUSSELS).date()
    event = factories.EventFactory(
        slug="running-now",
        start=dt.datetime.combine(today, dt.time(0, 0), tzinfo=BRUSSELS),
        end=dt.datetime.combine(today + dt.timedelta(days=1), dt.time(23, 0), tzinfo=BRUSSELS),
    )
    return event, factories.RegistrationFactory(event=event, name="Ana Pérez")


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

    assert checkin.checkin_counts(event) == (3, [(DAY_1, 1, 1)])


# Days


def test_event_days_are_the_dates_it_spans_in_its_own_zone():
    evening_in_los_angeles = factories.EventFactory(
        time_zone="America/Los_Angeles",
        start=dt.datetime(2030, 11, 7, 2, 0, tzinfo=dt.UTC),  # 6 November, 18:00 there
        end=dt.datetime(2030, 11, 8, 7, 0, tzinfo=dt.UTC),  # 7 November, 23:00 there
    )
    until_midnight = factories.EventFactory(
        start=dt.datetime(2030, 11, 6, 18, 0, tzinfo=BRUSSELS),
        end=dt.datetime(2030, 11, 7, 0, 0, tzinfo=BRUSSELS),
    )

    assert checkin.event_days(evening_in_los_angeles) == [DAY_1, DAY_2]
    assert checkin.event_days(until_midnight) == [DAY_1]
    assert checkin.event_days(factories.EventFactory()) == [DAY_1, DAY_2]


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (dt.datetime(2030, 11, 5, 20, 0, tzinfo=BRUSSELS), DAY_1),  # the evening before: day 1
        (dt.datetime(2030, 11, 7, 0, 30, tzinfo=BRUSSELS), DAY_2),  # just past midnight in Brussels
        (dt.datetime(2030, 11, 6, 23, 30, tzinfo=dt.UTC), DAY_2),  # 00:30 on the 7th in Brussels
        (dt.datetime(2030, 12, 1, 9, 0, tzinfo=BRUSSELS), DAY_2),  # after the event: its last day
    ],
)
def test_current_day_is_today_in_the_events_zone_else_the_nearest_day(two_days, now, expected):
    assert checkin.current_day(two_days["event"], now) == expected


def test_checking_in_on_day_two_after_day_one_records_both_days(two_days, staff_user):
    ana = two_days["ana"]
    first = dt.datetime(2030, 11, 6, 8, 50, tzinfo=BRUSSELS)
    second = dt.datetime(2030, 11, 7, 9, 5, tzinfo=BRUSSELS)

    day_1 = checkin.check_in(registration=ana, by=staff_user, day=DAY_1, now=first)
    day_2 = checkin.check_in(registration=ana, by=staff_user, day=DAY_2, now=second)

    assert (day_1.created, day_2.created) == (True, True)
    assert list(
        CheckIn.objects.filter(registration=ana).values_list("day", "checked_in_at", "checked_in_by")
    ) == [
        (DAY_1, first, staff_user.pk),
        (DAY_2, second, staff_user.pk),
    ]
    # Attended at least once: since the first check-in.
    assert Registration.objects.get(pk=ana.pk).attended_at == first


def test_checking_in_twice_on_the_same_day_changes_nothing(two_days, staff_user):
    ana = two_days["ana"]
    first = dt.datetime(2030, 11, 6, 8, 50, tzinfo=BRUSSELS)
    checkin.check_in(registration=ana, by=staff_user, day=DAY_1, now=first)

    again = checkin.check_in(
        registration=ana, by=factories.StaffFactory(), day=DAY_1, now=first + dt.timedelta(hours=3)
    )

    assert (again.created, again.check_in.checked_in_at) == (False, first)
    assert list(CheckIn.objects.values_list("registration", "day", "checked_in_at", "checked_in_by")) == [
        (ana.pk, DAY_1, first, staff_user.pk)
    ]
    assert Registration.objects.get(pk=ana.pk).attended_at == first


def test_a_day_outside_the_event_is_refused_and_changes_nothing(two_days, staff_user):
    with pytest.raises(checkin.CheckInRefused, match="Friday 8 November is not a day of this event"):
        checkin.check_in(registration=two_days["ana"], by=staff_user, day=dt.date(2030, 11, 8))

    assert CheckIn.objects.count() == 0
    assert Registration.objects.get(pk=two_days["ana"].pk).attended_at is None


def test_undo_removes_one_day_and_attended_at_follows_the_check_ins_left(two_days, staff_user):
    ana = two_days["ana"]
    first = dt.datetime(2030, 11, 6, 8, 50, tzinfo=BRUSSELS)
    second = dt.datetime(2030, 11, 7, 9, 5, tzinfo=BRUSSELS)
    checkin.check_in(registration=ana, by=staff_user, day=DAY_1, now=first)
    checkin.check_in(registration=ana, by=staff_user, day=DAY_2, now=second)

    assert checkin.undo_check_in(registration=ana, day=DAY_1) is True
    assert list(CheckIn.objects.values_list("day", flat=True)) == [DAY_2]
    assert Registration.objects.get(pk=ana.pk).attended_at == second

    assert checkin.undo_check_in(registration=ana, day=DAY_1) is False
    assert checkin.undo_check_in(registration=ana, day=DAY_2) is True
    assert CheckIn.objects.count() == 0
    assert Registration.objects.get(pk=ana.pk).attended_at is None


def test_counts_per_day_are_checked_in_of_confirmed(two_days, staff_user):
    event, ana, bo = two_days["event"], two_days["ana"], two_days["bo"]
    checkin.check_in(registration=ana, by=staff_user, day=DAY_1)
    checkin.check_in(registration=bo, by=staff_user, day=DAY_1)
    checkin.check_in(registration=ana, by=staff_user, day=DAY_2)
    factories.RegistrationFactory(event=event, status=Registration.Status.WAITLISTED)
    # Checked in, then cancelled: no longer counted, like everywhere else.
    checkin.check_in(registration=factories.RegistrationFactory(event=event), by=staff_user, day=DAY_2)
    Registration.objects.filter(event=event, status="confirmed").exclude(pk__in=[ana.pk, bo.pk]).update(
        status=Registration.Status.CANCELLED
    )

    counts = checkin.checkin_counts(event)

    assert counts == (2, [(DAY_1, 1, 2), (DAY_2, 2, 1)])
    assert (counts.checked_in_on(DAY_1), counts.checked_in_on(DAY_2)) == (2, 1)


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


def test_door_code_of_this_event_checks_in_and_names_the_person(client, staff_user, event, people):
    client.force_login(staff_user)

    response = post_code(client, event, f"  {door_code.grouped(people['chen'].door_code)}\n")

    assert attended(people) == {"chen"}
    assert "Chen Wu is checked in." in response.content.decode()
    assert response.context["counts"] == {"checked_in": 1, "confirmed": 3}
    first = CheckIn.objects.get().checked_in_at

    response = post_code(client, event, people["chen"].door_code.lower())

    time = timezone.localtime(first, BRUSSELS).strftime("%H:%M")
    assert f"Chen Wu was already checked in on Wednesday 6 November at {time}." in response.content.decode()
    assert CheckIn.objects.get().checked_in_at == first


def test_typed_door_code_may_use_o_i_and_l_for_the_digits(client, staff_user, event, people):
    client.force_login(staff_user)
    people["chen"].door_code = "0112ABCDEFGH"
    people["chen"].save(update_fields=["door_code"])

    post_code(client, event, "oIl2 abcd-efgh")

    assert attended(people) == {"chen"}


def page_messages(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("other", "This code is not for this event."),
        ("unknown", "Code not found. Check it, or search by name."),
        ("", "Code not found. Check it, or search by name."),
        ("dara", "Dara Waitlisted can't be checked in: the registration is waitlisted, not confirmed."),
        # The manage token opens the registration: at the door it is just an unknown code.
        ("chen manage token", "Code not found. Check it, or search by name."),
        ("chen manage token, as typed", "Code not found. Check it, or search by name."),
    ],
)
def test_refused_code_says_why_and_changes_nothing(client, staff_user, event, people, code, message):
    client.force_login(staff_user)
    typed = {
        "unknown": "ZZZZ-ZZZZ-ZZZZ",
        "": "",
        "chen manage token": people["chen"].manage_token,
        "chen manage token, as typed": people["chen"].manage_token.upper()[:12],
    }
    code = people[code].door_code if code in people else typed[code]

    response = post_code(client, event, code)

    assert attended(people) == set()
    assert CheckIn.objects.count() == 0
    assert page_messages(response) == [message]


def test_a_manage_token_is_refused_exactly_like_an_unknown_code(client, staff_user, event, people):
    client.force_login(staff_user)

    token = post_code(client, event, people["ana"].manage_token)
    unknown = post_code(client, event, "x" * len(people["ana"].manage_token))

    assert page_messages(token) == page_messages(unknown) == ["Code not found. Check it, or search by name."]
    assert token.status_code == unknown.status_code == 200
    assert attended(people) == set()


def test_check_in_page_never_shows_a_manage_token_or_door_code(client, staff_user, event, people):
    client.force_login(staff_user)
    checkin.check_in(registration=people["ana"], by=staff_user)

    html = client.get(page_url(event)).content.decode()

    for registration in people.values():
        assert registration.manage_token not in html
        assert registration.door_code not in html


# Several days


def two_day_url(query=""):
    url = reverse("registrations:checkin", kwargs={"slug": "two-days"})
    return f"{url}?{query}" if query else url


def post_two_day_code(client, registration, day=""):
    return client.post(
        reverse("registrations:checkin_code", kwargs={"slug": "two-days"}),
        {"code": registration.door_code, "day": day},
        follow=True,
    )


def test_page_names_the_day_and_shows_counts_for_each_day(client, staff_user, two_days):
    client.force_login(staff_user)
    checkin.check_in(registration=two_days["ana"], by=staff_user, day=DAY_1)
    checkin.check_in(registration=two_days["bo"], by=staff_user, day=DAY_1)
    checkin.check_in(registration=two_days["ana"], by=staff_user, day=DAY_2)

    day_1 = client.get(two_day_url())
    day_2 = client.get(two_day_url("day=2030-11-07"))

    # Before the event, the page checks in for its first day, and says it is not today.
    assert (day_1.context["day"], day_1.context["counts"]) == (DAY_1, {"checked_in": 2, "confirmed": 2})
    assert (day_2.context["day"], day_2.context["counts"]) == (DAY_2, {"checked_in": 1, "confirmed": 2})
    html = " ".join(day_2.content.decode().split())
    assert "Checking in for <strong>Thursday 7 November</strong>" in html
    assert "(not today)" in html
    assert 'href="?day=2030-11-06">' in html
    assert 'href="?day=2030-11-07" aria-current="page">' in html
    assert 'Day 1, Wed 6 Nov</span> <span class="checkin-day-count">2 of 2</span>' in html
    assert 'Day 2, Thu 7 Nov</span> <span class="checkin-day-count">1 of 2</span>' in html
    # The chosen day goes with every form; on day 2 only Ana is present.
    # The code form, the search and one form per confirmed registrant.
    assert html.count('<input type="hidden" name="day" value="2030-11-07">') == 4
    assert html.count(">Undo<") == 1
    assert html.count(">Mark present<") == 1


def test_a_one_day_event_lists_no_days(client, staff_user, event, people):
    client.force_login(staff_user)

    response = client.get(page_url(event))

    assert response.context["days"] == []
    assert 'id="checkin-days"' not in response.content.decode()


def test_staff_check_in_with_the_door_code_on_day_one_then_day_two(client, staff_user, two_days):
    client.force_login(staff_user)
    ana = two_days["ana"]

    day_1 = post_two_day_code(client, ana, "2030-11-06")
    day_2 = post_two_day_code(client, ana, "2030-11-07")

    assert page_messages(day_1) == ["Ana Pérez is checked in for Wednesday 6 November."]
    assert page_messages(day_2) == ["Ana Pérez is checked in for Thursday 7 November."]
    assert day_2.redirect_chain == [(two_day_url("day=2030-11-07"), 302)]
    assert sorted(CheckIn.objects.filter(registration=ana).values_list("day", flat=True)) == [DAY_1, DAY_2]
    assert day_2.context["days"] == [(DAY_1, 1, 1), (DAY_2, 2, 1)]


def test_twice_on_the_same_day_says_already_checked_in_today_at_the_time(client, staff_user, running_now):
    event, ana = running_now
    client.force_login(staff_user)
    url = reverse("registrations:checkin_code", kwargs={"slug": event.slug})
    client.post(url, {"code": ana.door_code}, follow=True)
    first = CheckIn.objects.get()

    response = client.post(url, {"code": ana.door_code}, follow=True)

    time = timezone.localtime(first.checked_in_at, BRUSSELS).strftime("%H:%M")
    assert page_messages(response) == [f"Ana Pérez was already checked in today at {time}."]
    assert list(CheckIn.objects.values_list("pk", "checked_in_at")) == [(first.pk, first.checked_in_at)]
    assert first.day == timezone.localtime(timezone.now(), BRUSSELS).date()
    assert "Checking in for today" in " ".join(response.content.decode().split())


def test_mark_present_and_undo_for_the_chosen_day(client, staff_user, two_days):
    client.force_login(staff_user)
    ana = two_days["ana"]
    kwargs = {"slug": "two-days", "pk": ana.pk}
    present = reverse("registrations:checkin_present", kwargs=kwargs)
    undo = reverse("registrations:checkin_undo", kwargs=kwargs)
    client.post(present, {"day": "2030-11-06"}, follow=True)

    response = client.post(present, {"day": "2030-11-07", "q": "ana"}, follow=True)

    assert response.redirect_chain == [(two_day_url("day=2030-11-07&q=ana"), 302)]
    assert sorted(CheckIn.objects.values_list("day", flat=True)) == [DAY_1, DAY_2]

    response = client.post(undo, {"day": "2030-11-06"}, follow=True)

    assert page_messages(response) == ["Ana Pérez is no longer checked in for Wednesday 6 November."]
    assert list(CheckIn.objects.values_list("day", flat=True)) == [DAY_2]
    assert Registration.objects.get(pk=ana.pk).attended_at is not None


@pytest.mark.parametrize("day", ["2030-11-08", "2030-13-01", "tomorrow"])
def test_a_day_that_is_not_the_events_is_refused_and_changes_nothing(client, staff_user, two_days, day):
    client.force_login(staff_user)
    ana = two_days["ana"]

    responses = [
        post_two_day_code(client, ana, day),
        client.post(
            reverse("registrations:checkin_present", kwargs={"slug": "two-days", "pk": ana.pk}),
            {"day": day},
            follow=True,
        ),
    ]
    page = client.get(two_day_url(f"day={day}"))

    for response in [*responses, page]:
        assert page_messages(response) == ["Choose one of the event's days."]
        assert response.status_code == 200
    assert page.context["day"] == DAY_1
    assert CheckIn.objects.count() == 0
    assert Registration.objects.get(pk=ana.pk).attended_at is None


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
    for registration in factories.RegistrationFactory.create_batch(size, event=event):
        checkin.check_in(registration=registration, by=staff_user)
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
    assert image.get_payload(decode=True) == door_code.checkin_qr_png(registration.door_code)
    assert image.get_payload(decode=True) != door_code.checkin_qr_png(registration.manage_token)
    assert f'src="cid:{content_id.strip("<>")}"' in row.body_html
    shown = door_code.grouped(registration.door_code)
    assert f"<code>{shown}</code>" in row.body_html
    assert f"shows it as a QR code):\n{shown}\n" in row.body_text
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
        assert "code for the door" not in row.body_text + row.body_html, row.kind


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
    assert "code for the door" not in row.body_text + row.body_html
