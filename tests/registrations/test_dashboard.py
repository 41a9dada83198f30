"""The event dashboard (/staff/events/<slug>/dashboard/): its numbers, chart and table, who may open it."""

import datetime as dt
import re

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from events.models import Session
from registrations.eventday import checkin
from registrations.eventday.dashboard import charts, selectors
from registrations.models import Mailing, Registration, SessionChoice
from registrations.outbox.models import OutboxEmail
from tests import factories
from tests.conftest import shows_staff_only_page
from tests.factories import BRUSSELS

pytestmark = pytest.mark.django_db

S = Registration.Status
DAY_1 = dt.date(2030, 11, 6)
DAY_2 = dt.date(2030, 11, 7)


def at(day, hour, minute=0):
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=BRUSSELS)


def registered_on(registration, when):
    """Registration.created is set on insert; move it to `when`, as if they had registered then."""
    Registration.objects.filter(pk=registration.pk).update(created=when)
    return registration


def waiting_for(registration, session):
    SessionChoice.objects.create(
        registration=registration, session=session, status=SessionChoice.Status.WAITING
    )


@pytest.fixture
def conference():
    """A two-day conference: registrations over three days in October, two sessions with places
    (one restricted), two coffee breaks sharing a title, a mailing, check-ins and needs.

    Hand count by the day they registered (Brussels) and their status now:
    - 1 Oct: Ana confirmed, Bo confirmed, Cy pending;
    - 2 Oct: nobody;
    - 3 Oct: Di waitlisted, Ed cancelled;
    - 4 Oct: Fe confirmed (00:30 in Brussels, 22:30 on the 3rd in UTC), Gil offered.
    """
    event = factories.EventFactory(title="Annual Conference 2030", slug="annual-2030")
    factories.RegistrationSettingsFactory(event=event, capacity=4)
    panel = factories.SessionFactory(event=event, title="Morning panel", start=at(DAY_1, 9, 30), capacity=3)
    factories.SessionFactory(event=event, title="Coffee break", kind=Session.Kind.BREAK, start=at(DAY_1, 11))
    workshop = factories.SessionFactory(
        event=event,
        title="Restricted workshop",
        kind=Session.Kind.WORKSHOP,
        start=at(DAY_2, 14),
        capacity=2,
        visibility=Session.Visibility.HIDDEN,
    )
    factories.SessionFactory(event=event, title="Coffee break", kind=Session.Kind.BREAK, start=at(DAY_2, 11))
    open_panel = factories.SessionFactory(event=event, title="Closing panel", start=at(DAY_2, 15))

    def person(name, status, when, **fields):
        registration = factories.RegistrationFactory(event=event, name=name, status=status, **fields)
        return registered_on(registration, when)

    ana = person("Ana", S.CONFIRMED, at(dt.date(2030, 10, 1), 9), dietary_needs="Vegetarian")
    bo = person("Bo", S.CONFIRMED, at(dt.date(2030, 10, 1), 18), dietary_needs=" vegetarian ")
    person("Cy", S.PENDING, at(dt.date(2030, 10, 1), 20), dietary_needs="Vegan")
    di = person("Di", S.WAITLISTED, at(dt.date(2030, 10, 3), 8))
    person("Ed", S.CANCELLED, at(dt.date(2030, 10, 3), 9), interpretation_language="es")
    fe = person(
        "Fe",
        S.CONFIRMED,
        at(dt.date(2030, 10, 4), 0, 30),
        dietary_needs="Halal",
        interpretation_language="es",
        accessibility_needs="Wheelchair access",
    )
    person("Gil", S.OFFERED, at(dt.date(2030, 10, 4), 12))
    # The panel: Ana and Bo hold places, Fe is offered one; Di (waitlisted for the event) waits.
    for registration in (ana, bo):
        SessionChoice.objects.create(registration=registration, session=panel)
    SessionChoice.objects.create(registration=fe, session=panel, status=SessionChoice.Status.OFFERED)
    waiting_for(di, panel)
    # The workshop: Ana holds a place, Bo waits for one.
    SessionChoice.objects.create(registration=ana, session=workshop)
    waiting_for(bo, workshop)
    # Interpretation asked for by confirmed Fe only counts (Ed cancelled); "none" is no request.
    Registration.objects.filter(pk=bo.pk).update(interpretation_language="none", accessibility_needs="  ")

    mailing = Mailing.objects.create(event=event, subject="Practical information", body="Hello")
    for index, (registration, status) in enumerate(
        [(ana, OutboxEmail.Status.SENT), (bo, OutboxEmail.Status.FAILED), (fe, OutboxEmail.Status.PENDING)]
    ):
        OutboxEmail.objects.create(
            mailing=mailing,
            registration=registration,
            to_email=registration.email,
            kind=OutboxEmail.Kind.MAILING,
            subject="Practical information",
            body_text="Hello",
            status=status,
            dedupe_key=f"mailing:{mailing.pk}:{index}",
        )
    # A test sent to staff: no dedupe key, not a recipient.
    OutboxEmail.objects.create(
        mailing=mailing,
        to_email="staff@example.org",
        kind=OutboxEmail.Kind.MAILING,
        subject="x",
        body_text="x",
    )
    checkin.check_in(registration=ana, by=None, day=DAY_1)
    checkin.check_in(registration=fe, by=None, day=DAY_1)
    checkin.check_in(registration=ana, by=None, day=DAY_2)
    return event, {"panel": panel, "workshop": workshop, "closing": open_panel, "mailing": mailing}


def dashboard_url(event):
    return reverse("registrations:staff_dashboard", args=[event.slug])


# --- The numbers ----------------------------------------------------------------------------------


def test_registrations_are_counted_by_the_day_they_registered_in_the_event_zone_and_their_status_now(
    conference,
):
    event, _ = conference

    over_time = selectors.registrations_over_time(event, today=dt.date(2030, 10, 4))

    assert over_time.days == [dt.date(2030, 10, day) for day in (1, 2, 3, 4)]
    assert [(series.status, series.cumulative) for series in over_time.series] == [
        (S.CONFIRMED, [2, 2, 2, 3]),
        (S.OFFERED, [0, 0, 0, 1]),
        (S.WAITLISTED, [0, 0, 1, 1]),
        (S.PENDING, [1, 1, 1, 1]),
        (S.CANCELLED, [0, 0, 1, 1]),
    ]
    assert over_time.total == 7
    assert over_time.rows()[2] == (dt.date(2030, 10, 3), (2, 0, 1, 1, 1), 5)


def test_the_days_run_on_to_today_while_the_event_is_on_and_stop_at_its_last_day(conference):
    event, _ = conference

    mid_october = selectors.registrations_over_time(event, today=dt.date(2030, 10, 10))
    long_after = selectors.registrations_over_time(event, today=dt.date(2031, 1, 1))

    assert (mid_october.days[-1], mid_october.rows()[-1][2]) == (dt.date(2030, 10, 10), 7)
    assert long_after.days[-1] == DAY_2
    assert len(long_after.days) == 38


def test_an_event_without_registrations_has_no_days_and_no_chart(conference):
    event = factories.EventFactory()

    over_time = selectors.registrations_over_time(event)

    assert (over_time.days, over_time.series, charts.registrations_chart(over_time)) == ([], [], None)


def test_sessions_show_places_held_offered_and_waiting_without_breaks_restricted_included(conference):
    event, _ = conference

    fills = selectors.session_fill(event)

    assert [
        (fill.session.title, fill.confirmed, fill.offered, fill.waiting, fill.capacity, fill.is_full)
        for fill in fills
    ] == [
        ("Morning panel", 2, 1, 1, 3, True),
        ("Restricted workshop", 1, 0, 1, 2, False),
        ("Closing panel", 0, 0, 0, None, False),
    ]
    assert fills[0].start.isoformat() == "2030-11-06T09:30:00+01:00"


def test_a_session_bar_is_the_share_of_its_capacity_and_a_session_without_limit_has_none(conference):
    event, _ = conference

    bars = [charts.fill_bar(fill) for fill in selectors.session_fill(event)]

    assert bars == [charts.FillBar(66.67, 33.33), charts.FillBar(50.0, 0.0), None]


def test_mailings_count_recipients_emails_by_state_leaving_tests_to_staff_out(conference):
    event, objects = conference

    states = selectors.mailing_states(event)

    assert [(s.mailing, s.queued, s.sent, s.failed, s.total) for s in states] == [
        (objects["mailing"], 1, 1, 1, 3)
    ]


def test_needs_count_confirmed_registrants_diets_merged_by_spelling(conference):
    event, _ = conference

    needs = selectors.needs_at_a_glance(event)

    # Cy (pending) asked for vegan food and Ed (cancelled) for Spanish: neither counts.
    assert needs.diets == [("Vegetarian", 2), ("Halal", 1)]
    assert needs.languages == [("Spanish (es)", 1)]
    assert needs.accessibility == 1


def _over_time(days, **cumulative):
    first = dt.date(2030, 10, 1)
    return selectors.RegistrationsOverTime(
        days=[first + dt.timedelta(days=n) for n in range(days)],
        series=[
            selectors.StatusSeries(status, status.title(), counts) for status, counts in cumulative.items()
        ],
    )


@pytest.mark.parametrize(
    ("total", "labels"),
    [
        (3, ["0", "1", "2", "3"]),
        (7, ["0", "2", "4", "6", "8"]),
        (155, ["0", "50", "100", "150", "200"]),
        (1234, ["0", "500", "1000", "1500"]),
    ],
)
def test_the_vertical_axis_counts_in_round_steps_up_to_the_total_or_just_above(total, labels):
    chart = charts.registrations_chart(_over_time(3, confirmed=[0, total - 1, total]))

    assert [tick.label for tick in chart.y_ticks] == labels
    assert chart.y_ticks[0].position == chart.plot_bottom
    assert chart.y_ticks[-1].position >= chart.plot_top


def test_a_long_registration_period_labels_at_most_four_days_first_and_last_included():
    chart = charts.registrations_chart(_over_time(60, confirmed=list(range(60))))

    assert [tick.label for tick in chart.x_ticks] == ["1 Oct", "21 Oct", "9 Nov", "29 Nov"]
    assert (chart.x_ticks[0].position, chart.x_ticks[-1].position) == (chart.plot_left, chart.plot_right)
    assert chart.x_ticks[-1].anchor == "end"


def test_one_day_of_registrations_is_drawn_across_the_whole_width():
    chart = charts.registrations_chart(_over_time(1, confirmed=[4], waitlisted=[2]))

    assert [area.path for area in chart.areas] == [
        f"M{chart.plot_left:.1f},{chart.y_ticks[2].position:.1f} L{chart.plot_right:.1f},"
        f"{chart.y_ticks[2].position:.1f} L{chart.plot_right:.1f},{chart.plot_bottom:.1f} "
        f"L{chart.plot_left:.1f},{chart.plot_bottom:.1f} Z",
        f"M{chart.plot_left:.1f},{chart.y_ticks[3].position:.1f} L{chart.plot_right:.1f},"
        f"{chart.y_ticks[3].position:.1f} L{chart.plot_right:.1f},{chart.y_ticks[2].position:.1f} "
        f"L{chart.plot_left:.1f},{chart.y_ticks[2].position:.1f} Z",
    ]
    assert chart.description == "6 registrations from 1 Oct to 1 Oct: 4 confirmed, 2 waitlisted."


# --- The page -------------------------------------------------------------------------------------


def _text(html):
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def test_the_chart_is_an_image_with_a_title_and_a_description_in_words(admin_client, conference):
    event, _ = conference

    html = admin_client.get(dashboard_url(event)).content.decode()

    svg = re.search(r'<svg class="chart"[^>]*>', html).group(0)
    assert 'role="img"' in svg
    assert 'aria-labelledby="chart-title chart-desc"' in svg
    assert '<title id="chart-title">Registrations over time, by status</title>' in html
    assert (
        '<desc id="chart-desc">7 registrations from 1 Oct to 4 Oct: 3 confirmed, 1 place offered, '
        "1 waitlisted, 1 awaiting approval, 1 cancelled.</desc>"
    ) in html
    legend = _text(re.search(r'<ul class="chart-legend.*?</ul>', html, re.S).group(0))
    assert legend == "Confirmed: 3 Place offered: 1 Waitlisted: 1 Awaiting approval: 1 Cancelled: 1"


def test_the_table_under_the_chart_holds_the_numbers_the_chart_draws(admin_client, conference):
    event, _ = conference

    response = admin_client.get(dashboard_url(event))
    html = response.content.decode()

    table = re.search(r'<details class="dashboard-numbers">.*?</details>', html, re.S).group(0)
    rows = [
        [cell for cell in _text(row).split(" ") if cell.isdigit()][-6:]
        for row in re.findall(r"<tr><th scope=\"row\">.*?</tr>", table, re.S)
    ]
    assert rows == [
        ["2", "0", "0", "1", "0", "3"],
        ["2", "0", "0", "1", "0", "3"],
        ["2", "0", "1", "1", "1", "5"],
        ["3", "1", "1", "1", "1", "7"],
    ]
    # The top of the stack, read back from the drawing in its units, is each day's total.
    chart = response.context["chart"]
    top_value = int(chart.y_ticks[-1].label)
    top_edge = chart.areas[-1].path[1:].split(" L")[: len(rows)]
    drawn = [
        round(
            (chart.plot_bottom - float(point.split(",")[1]))
            * top_value
            / (chart.plot_bottom - chart.plot_top)
        )
        for point in top_edge
    ]
    assert drawn == [int(row[-1]) for row in rows]


def test_the_page_shows_sessions_waiting_items_check_ins_mailings_and_needs_with_their_links(
    admin_client, conference
):
    event, objects = conference
    changelist = reverse("admin:registrations_registration_changelist")

    html = admin_client.get(dashboard_url(event)).content.decode()
    text = _text(html)

    assert "Wed 6 Nov, 09:30 Morning panel Confirmed: 2 of 3 (full) · Offered: 1 · Waiting: 1" in text
    assert (
        "Thu 7 Nov, 14:00 Restricted workshop Restricted Confirmed: 1 of 2 · Offered: 0 · Waiting: 1" in text
    )
    assert "Closing panel Confirmed: 0 (no limit)" in text
    assert text.count("Coffee break") == 0
    pending = f"{changelist}?event__id__exact={event.pk}&amp;status__exact=pending"
    assert (
        f'<a href="{pending}"><span class="figure-number">1</span> <span class="figure-label">awaiting'
        in html
    )
    offered = f"{changelist}?event__id__exact={event.pk}&amp;status__exact=offered"
    assert f'<a href="{offered}"><span class="figure-number">1</span>' in html
    checkin_url = reverse("registrations:checkin", args=[event.slug])
    assert f'<a href="{checkin_url}?day=2030-11-06">2 of 3 confirmed</a>' in html
    assert f'<a href="{checkin_url}?day=2030-11-07">1 of 3 confirmed</a>' in html
    mailing_url = reverse("admin:registrations_mailing_change", args=[objects["mailing"].pk])
    assert f'<a href="{mailing_url}">Practical information</a>' in html
    failed = (
        f"{reverse('admin:registrations_outboxemail_changelist')}?mailing__exact={objects['mailing'].pk}"
        "&amp;dedupe_key__isnull=False&amp;status__exact=failed"
    )
    assert f'<a href="{failed}">1</a>' in html
    summary = reverse("registrations:staff_summary", args=[event.slug])
    assert f'<th scope="row">Vegetarian</th><td><a href="{summary}#catering">2</a>' in html
    assert f'<th scope="row">Spanish (es)</th><td><a href="{summary}#interpretation">1</a>' in html
    assert f'<a href="{summary}#accessibility">1 registrant stated accessibility needs</a>' in html


def test_the_links_lead_to_the_lists_they_count(admin_client, conference):
    event, _ = conference
    html = admin_client.get(dashboard_url(event)).content.decode()
    pending = re.search(r'href="([^"]*status__exact=pending)"', html).group(1).replace("&amp;", "&")

    listed = admin_client.get(pending)

    assert listed.status_code == 200
    assert [r.name for r in listed.context["cl"].result_list] == ["Cy"]


def test_the_dashboard_is_kept_out_of_caches(admin_client, conference):
    event, _ = conference

    response = admin_client.get(dashboard_url(event))

    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]


# --- Who may open it ------------------------------------------------------------------------------


def test_staff_without_the_view_permission_get_the_no_permission_page(client, conference):
    event, _ = conference
    staff = factories.StaffFactory(is_superuser=False)
    staff.user_permissions.add(Permission.objects.get(codename="add_checkin"))
    client.force_login(staff)

    response = client.get(dashboard_url(event))

    assert response.status_code == 403
    assert "Your staff account may not open this page" in response.content.decode()
    assert "Vegetarian" not in response.content.decode()


def test_staff_with_the_view_permission_see_it(client, conference):
    event, _ = conference
    staff = factories.StaffFactory(is_superuser=False)
    staff.user_permissions.add(Permission.objects.get(codename="view_registration"))
    client.force_login(staff)

    response = client.get(dashboard_url(event))

    assert response.status_code == 200
    assert "Restricted workshop" in response.content.decode()


def test_a_logged_in_user_without_staff_status_gets_the_staff_only_page(client, affiliate_user, conference):
    event, _ = conference
    client.force_login(affiliate_user)

    response = client.get(dashboard_url(event))

    assert shows_staff_only_page(response)
    assert "Vegetarian" not in response.content.decode()


def test_anonymous_visitors_are_sent_to_log_in(client, conference):
    event, _ = conference

    response = client.get(dashboard_url(event))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


# --- Query count ----------------------------------------------------------------------------------


def _populate(event, sessions, count, start):
    statuses = [S.CONFIRMED, S.CONFIRMED, S.WAITLISTED, S.PENDING, S.CANCELLED, S.OFFERED]
    for index in range(start, start + count):
        registration = factories.RegistrationFactory(
            event=event,
            status=statuses[index % len(statuses)],
            dietary_needs=["", "Vegetarian", "vegan "][index % 3],
            interpretation_language=["", "es", "fr"][index % 3],
            accessibility_needs=["", "Step-free access"][index % 2],
        )
        registered_on(registration, timezone.now() - dt.timedelta(days=index % 9))
        for session in sessions[: 1 + index % len(sessions)]:
            SessionChoice.objects.create(
                registration=registration,
                session=session,
                status=[SessionChoice.Status.CONFIRMED, SessionChoice.Status.WAITING][index % 2],
            )


def test_the_dashboard_query_count_does_not_grow_with_registrations(admin_client, django_assert_num_queries):
    event = factories.EventFactory(slug="busy")
    factories.RegistrationSettingsFactory(event=event, capacity=100)
    sessions = [
        factories.SessionFactory(event=event, start=at(DAY_1, 10), capacity=10),
        factories.SessionFactory(event=event, kind=Session.Kind.MEAL, start=at(DAY_1, 12)),
        factories.SessionFactory(event=event, start=at(DAY_2, 10), capacity=50),
        factories.SessionFactory(event=event, start=at(DAY_2, 14)),
    ]
    for subject in ("Practical information", "Hotels"):
        Mailing.objects.create(event=event, subject=subject, body="Hello")
    url = dashboard_url(event)
    admin_client.get(url)
    _populate(event, sessions, 3, 0)

    # The login session (the user is cached), the event, its access record (privacy.audit), the
    # registration settings, then one query each: registrations by day, sessions, check-ins,
    # mailings, diets, interpretation, accessibility.
    with django_assert_num_queries(11):
        small = admin_client.get(url)
    _populate(event, sessions, 30, 3)
    with django_assert_num_queries(11):
        large = admin_client.get(url)

    assert small.context["over_time"].total == 3
    assert large.context["over_time"].total == 33


# --- The admin leads to it ------------------------------------------------------------------------


def test_the_admin_event_list_and_event_page_link_to_the_dashboard(admin_client, conference):
    event, _ = conference
    link = f'<a href="{dashboard_url(event)}">Dashboard</a>'

    listing = admin_client.get(reverse("admin:events_event_changelist")).content.decode()
    change = admin_client.get(reverse("admin:events_event_change", args=[event.pk])).content.decode()

    assert link in listing
    assert link in change
    assert 'class="object-tools"' in change


def test_the_event_page_and_dashboard_lead_to_the_events_email_texts_and_questions(admin_client, conference):
    event, _ = conference
    texts = f'<a href="{reverse("admin:registrations_emailtext_event")}?event={event.pk}">Email texts</a>'
    questions = f"{reverse('admin:registrations_question_changelist')}?event__id__exact={event.pk}"

    change = admin_client.get(reverse("admin:events_event_change", args=[event.pk])).content.decode()
    dashboard = admin_client.get(dashboard_url(event)).content.decode()
    listed = admin_client.get(f"{reverse('admin:registrations_emailtext_event')}?event={event.pk}")

    tools = change[change.index('class="object-tools"') :]
    assert texts in tools[: tools.index("</ul>")]
    assert f'<a href="{questions}">Questions</a>' in tools[: tools.index("</ul>")]
    assert texts in dashboard
    assert f'<a href="{questions}">Registration questions</a>' in dashboard
    assert listed.context["event"] == event


def test_staff_who_may_not_read_email_texts_are_not_led_to_them(client, conference):
    event, _ = conference
    staff = factories.StaffFactory(is_superuser=False)
    staff.user_permissions.set(Permission.objects.filter(codename__in=["view_event", "view_registration"]))
    client.force_login(staff)

    change = client.get(reverse("admin:events_event_change", args=[event.pk])).content.decode()

    assert "Dashboard" in change
    assert reverse("admin:registrations_emailtext_event") not in change


def test_the_dashboard_speaks_spanish_dates_included(admin_client, conference, settings):
    event, _ = conference
    admin_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "es"

    html = admin_client.get(dashboard_url(event)).content.decode()
    text = _text(html)

    assert "Panel: Annual Conference 2030" in text
    assert "Inscripciones en el tiempo, por estado" in text
    assert (
        '<desc id="chart-desc">7 inscripciones del 1 oct al 4 oct (confirmada: 3, plaza ofrecida: 1, '
        "en lista de espera: 1, pendiente de aprobación: 1, cancelada: 1).</desc>"
    ) in html
    panel = "mié 6 nov, 09:30 Morning panel Confirmadas: 2 de 3 (completa) · Ofrecidas: 1 · En espera: 1"
    assert panel in text
    assert "2 de 3 confirmadas" in text
