"""Following a webinar series: the form on the series page, double opt-in, one-click unsubscribe,
the List-Unsubscribe headers, the followers audience of mailings, admin counts, export and retention."""

import datetime as dt
import email
import email.policy
import json
import re
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from registrations.following import emails as follower_emails
from registrations.following import services as following
from registrations.mailings import services as mailings
from registrations.models import Mailing, OutboxEmail, SeriesFollower
from registrations.outbox.delivery import send_outbox_email
from registrations.privacy import personal_data
from registrations.privacy.tasks import task_anonymise_expired_registrations
from tests import factories
from tests.conftest import force_login_with_second_factor

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_fill_time(settings):
    settings.REGISTRATION_MIN_FILL_SECONDS = 0


@pytest.fixture
def series():
    return factories.WebinarSeriesFactory(title="Buying Responsibly", slug="buying-responsibly")


@pytest.fixture
def csrf_client():
    """A client whose POSTs are refused without a CSRF token, as a browser's would be."""
    return Client(enforce_csrf_checks=True)


def follow_url(series):
    return reverse("registrations:follow_series", kwargs={"slug": series.slug})


def follow(client, series, address="buyer@city.example", **extra):
    return client.post(follow_url(series), {"email": address, "website": "", **extra})


def confirmation_rows():
    return list(OutboxEmail.objects.filter(kind=OutboxEmail.Kind.FOLLOW_CONFIRM).order_by("pk"))


def active(follower):
    return follower.confirmed_at is not None and follower.unsubscribed_at is None


# --- The form on the series page ------------------------------------------------------------------


def test_series_page_offers_the_follow_form_without_a_csrf_token(client, series):
    content = client.get(series.get_absolute_url()).content.decode()

    form = re.search(r'<form method="post" action="([^"]+)" class="follow-form">(.*?)</form>', content, re.S)
    assert form.group(1) == follow_url(series)
    assert 'name="email"' in form.group(2)
    assert 'name="website"' in form.group(2)
    assert 'name="form_stamp"' in form.group(2)
    # The page is kept whole for anonymous visitors: a token in it would be someone else's.
    assert "csrfmiddlewaretoken" not in form.group(2)
    assert "Hear about new webinars" in content


def test_the_form_posted_without_a_csrf_token_asks_for_confirmation(csrf_client, series, mailoutbox):
    response = follow(csrf_client, series)

    assert response.status_code == 302
    assert response.url == reverse("registrations:follow_sent", kwargs={"slug": series.slug})
    follower = SeriesFollower.objects.get()
    assert (follower.series, follower.email, follower.confirmed_at) == (series, "buyer@city.example", None)
    [row] = confirmation_rows()
    assert follower_emails.confirm_url(follower) in row.body_text
    assert follower_emails.unsubscribe_url(follower) in row.body_text
    assert row.unsubscribe_url == follower_emails.unsubscribe_url(follower)


def test_the_follower_gets_the_language_they_used(client, series):
    client.cookies["django_language"] = "es"
    follow(client, series)

    [row] = confirmation_rows()
    assert (SeriesFollower.objects.get().language, row.language) == ("es", "es")
    assert "Confirma" in row.subject or "confirm" in row.subject.lower()


def test_a_bad_address_shows_the_form_again_and_changes_nothing(client, series):
    response = follow(client, series, address="not-an-email")

    assert response.status_code == 200
    assert 'aria-invalid="true"' in response.content.decode()
    assert SeriesFollower.objects.count() == 0
    assert confirmation_rows() == []


def test_the_honeypot_refuses_a_bot(client, series):
    response = follow(client, series, website="https://spam.example")

    assert response.status_code == 200
    assert "We could not accept this form" in response.content.decode()
    assert SeriesFollower.objects.count() == 0


def test_a_form_sent_too_fast_is_refused(client, series, settings):
    settings.REGISTRATION_MIN_FILL_SECONDS = 60
    stamp = re.search(
        r'name="form_stamp" value="([^"]+)"', client.get(series.get_absolute_url()).content.decode()
    )

    response = follow(client, series, form_stamp=stamp.group(1))

    assert "sent too quickly" in response.content.decode()
    assert SeriesFollower.objects.count() == 0


def test_a_stamp_of_a_registration_form_is_not_a_follow_stamp(client, series, settings):
    from registrations.signup import abuse

    settings.REGISTRATION_MIN_FILL_SECONDS = 1
    event_stamp = abuse.make_stamp(series)  # the registration form's salt, for a pk like the series'

    response = follow(client, series, form_stamp=event_stamp)

    assert "expired or was changed" in response.content.decode()
    assert SeriesFollower.objects.count() == 0


def test_the_rate_limit_answers_429_per_client_and_series(client, series, settings):
    settings.SERIES_FOLLOW_RATE_LIMIT = "2/h"
    other = factories.WebinarSeriesFactory()

    answers = [follow(client, series, address=f"a{n}@city.example").status_code for n in range(3)]
    response = follow(client, series, address="late@city.example")

    assert answers == [302, 302, 429]
    assert int(response["Retry-After"]) > 0
    assert follow(client, other, address="late@city.example").status_code == 302
    assert SeriesFollower.objects.filter(series=series).count() == 2


# --- No enumeration, resend throttle ----------------------------------------------------------------


def test_the_answer_is_the_same_whether_or_not_the_address_follows(client, series):
    confirmed = SeriesFollower.objects.create(
        series=series, email="known@city.example", confirmed_at=timezone.now()
    )

    known = follow(client, series, address="KNOWN@city.example")
    unknown = follow(client, series, address="unknown@city.example")

    assert (known.status_code, known.url) == (unknown.status_code, unknown.url)
    assert client.get(known.url).content == client.get(unknown.url).content
    confirmed.refresh_from_db()
    assert active(confirmed)
    # Only the new address gets an email; the follower row of the known one is unchanged.
    assert [row.to_email for row in confirmation_rows()] == ["unknown@city.example"]
    assert SeriesFollower.objects.filter(series=series).count() == 2


def test_asking_again_resends_the_confirmation_at_most_every_fifteen_minutes(series, settings):
    settings.SERIES_FOLLOW_RESEND_MINUTES = 15
    start = timezone.now()

    following.follow(series=series, email="ana@city.example", language="en", now=start)
    following.follow(
        series=series, email="Ana@City.example", language="en", now=start + dt.timedelta(minutes=5)
    )
    following.follow(
        series=series, email="ana@city.example", language="en", now=start + dt.timedelta(minutes=14)
    )
    assert len(confirmation_rows()) == 1

    following.follow(
        series=series, email="ana@city.example", language="en", now=start + dt.timedelta(minutes=16)
    )
    assert len(confirmation_rows()) == 2
    assert SeriesFollower.objects.count() == 1


# --- Confirming -------------------------------------------------------------------------------------


def test_opening_the_link_confirms_nothing_the_button_does(client, series):
    follower = following.follow(series=series, email="ana@city.example", language="en")
    url = reverse("registrations:follow_confirm", kwargs={"token": follower.confirm_token})

    page = client.get(url)
    follower.refresh_from_db()
    assert page.status_code == 200
    assert "Yes, tell me about new webinars" in page.content.decode()
    assert follower.confirmed_at is None
    assert "no-store" in page["Cache-Control"]

    confirmed = client.post(url)
    follower.refresh_from_db()
    assert confirmed.status_code == 200
    assert "You follow this series" in confirmed.content.decode()
    assert active(follower)


def test_an_unknown_token_is_a_friendly_404(client):
    for name in ("registrations:follow_confirm", "registrations:follow_unsubscribe"):
        for method in (client.get, client.post):
            response = method(reverse(name, kwargs={"token": "no-such-token"}))
            assert response.status_code == 404
            assert "This link is no longer valid" in response.content.decode()


# --- Unsubscribing ----------------------------------------------------------------------------------


@pytest.fixture
def follower(series):
    return SeriesFollower.objects.create(series=series, email="ana@city.example", confirmed_at=timezone.now())


def unsubscribe_url(follower):
    return reverse("registrations:follow_unsubscribe", kwargs={"token": follower.unsubscribe_token})


def test_one_click_post_unsubscribes_without_csrf(csrf_client, follower):
    # RFC 8058: the mail client POSTs this body, with no cookie and no token.
    response = csrf_client.post(
        unsubscribe_url(follower),
        "List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )

    follower.refresh_from_db()
    assert response.status_code == 200
    assert follower.unsubscribed_at is not None
    assert not active(follower)


def test_the_unsubscribe_page_asks_first_and_its_button_unsubscribes(client, follower):
    page = client.get(unsubscribe_url(follower))
    follower.refresh_from_db()
    assert "Unsubscribe" in page.content.decode()
    assert follower.unsubscribed_at is None

    done = client.post(unsubscribe_url(follower))
    follower.refresh_from_db()
    assert "You are unsubscribed" in done.content.decode()
    assert follower.unsubscribed_at is not None


def test_unsubscribing_withdraws_pending_emails_and_the_old_confirmation_link(client, series):
    follower = following.follow(series=series, email="ana@city.example", language="en")
    old_confirm = reverse("registrations:follow_confirm", kwargs={"token": follower.confirm_token})
    OutboxEmail.objects.filter(follower=follower).update(status=OutboxEmail.Status.PENDING)

    client.post(unsubscribe_url(follower))

    assert set(OutboxEmail.objects.filter(follower=follower).values_list("status", flat=True)) == {
        "withdrawn"
    }
    assert client.post(old_confirm).status_code == 404
    follower.refresh_from_db()
    assert follower.confirmed_at is None


def test_following_again_after_unsubscribing_needs_a_new_confirmation(client, follower, settings):
    settings.SERIES_FOLLOW_RESEND_MINUTES = 0
    client.post(unsubscribe_url(follower))

    follow(client, follower.series, address=follower.email)
    follower.refresh_from_db()
    assert not active(follower)
    client.post(reverse("registrations:follow_confirm", kwargs={"token": follower.confirm_token}))
    follower.refresh_from_db()
    assert active(follower)


# --- Delivery: the headers, through a real SMTP server ----------------------------------------------


def test_delivered_emails_carry_the_list_unsubscribe_headers(series, smtp_server, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = smtp_server.host, smtp_server.port
    settings.EMAIL_USE_TLS, settings.EMAIL_HOST_USER, settings.EMAIL_HOST_PASSWORD = False, "", ""
    follower = following.follow(series=series, email="ana@city.example", language="en")
    registration_email = factories.RegistrationFactory(email="guest@city.example")
    plain = OutboxEmail.objects.create(
        registration=registration_email,
        to_email="guest@city.example",
        kind="registered",
        subject="s",
        body_text="b",
    )

    for row in [*confirmation_rows(), plain]:
        send_outbox_email(outbox_id=row.pk)

    messages = [
        email.message_from_bytes(raw, policy=email.policy.default) for raw in smtp_server.wait_for_messages(2)
    ]
    to_follower = next(message for message in messages if message["To"] == "ana@city.example")
    to_guest = next(message for message in messages if message["To"] == "guest@city.example")
    # A long header is folded onto a second line; unfolded it is the link in angle brackets.
    assert str(to_follower["List-Unsubscribe"]).strip() == f"<{follower_emails.unsubscribe_url(follower)}>"
    assert to_follower["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert to_guest["List-Unsubscribe"] is None


# --- Mailings to followers --------------------------------------------------------------------------


@pytest.fixture
def announcement(series):
    webinar = factories.WebinarFactory(series=series, title="Public buyers and forced labour")
    return Mailing.objects.create(
        event=webinar,
        subject="New webinar: {{ event }}",
        body="Register now for **{{ event }}**.",
        audience=Mailing.Audience.FOLLOWERS,
    )


def test_the_followers_audience_is_the_confirmed_followers_of_the_series(series, announcement):
    now = timezone.now()
    ana = SeriesFollower.objects.create(series=series, email="ana@city.example", confirmed_at=now)
    SeriesFollower.objects.create(series=series, email="unconfirmed@city.example")
    SeriesFollower.objects.create(
        series=series, email="gone@city.example", confirmed_at=now, unsubscribed_at=now
    )
    SeriesFollower.objects.create(
        series=factories.WebinarSeriesFactory(), email="other@city.example", confirmed_at=now
    )
    factories.RegistrationFactory(event=announcement.event, email="registrant@city.example")

    assert list(mailings.audience_queryset(announcement)) == [ana]


def test_each_follower_gets_the_announcement_with_their_own_unsubscribe_link(
    series, announcement, mailoutbox
):
    now = timezone.now()
    ana = SeriesFollower.objects.create(
        series=series, email="ana@city.example", confirmed_at=now, language="es"
    )
    bo = SeriesFollower.objects.create(series=series, email="bo@city.example", confirmed_at=now)
    staff = factories.StaffFactory()

    mailings.start_mailing(mailing=announcement, user=staff)
    mailings.deliver_mailing(mailing_id=announcement.pk)
    mailings.deliver_mailing(mailing_id=announcement.pk)  # twice: nobody gets it twice

    rows = {row.follower: row for row in OutboxEmail.objects.filter(mailing=announcement)}
    assert set(rows) == {ana, bo}
    for follower, row in rows.items():
        link = follower_emails.unsubscribe_url(follower)
        assert row.unsubscribe_url == link
        assert link in row.body_text
        assert link in row.body_html
        assert row.subject == "New webinar: Public buyers and forced labour"
        assert row.registration is None
    assert rows[ana].language == "es"
    assert "Stop these emails" in rows[bo].body_html


def test_a_test_of_the_announcement_unsubscribes_nobody(client, series, announcement):
    follower = SeriesFollower.objects.create(
        series=series, email="ana@city.example", confirmed_at=timezone.now()
    )
    staff = factories.StaffFactory(email="staff@city.example")

    row = mailings.send_test_mailing(mailing=announcement, user=staff, registration=follower)

    assert row.to_email == "staff@city.example"
    assert follower.unsubscribe_token not in row.body_text
    assert client.post(urlsplit(row.unsubscribe_url).path).status_code == 404
    follower.refresh_from_db()
    assert active(follower)


def test_an_event_outside_a_series_cannot_write_to_followers(client):
    staff = factories.StaffFactory()
    force_login_with_second_factor(client, staff)
    conference = factories.EventFactory()

    response = client.post(
        reverse("admin:registrations_mailing_add"),
        {"event": conference.pk, "subject": "Hi", "body": "Hello", "audience": "followers"},
    )

    assert response.status_code == 200
    assert "in no webinar series" in response.content.decode()
    assert Mailing.objects.count() == 0


# --- Admin ------------------------------------------------------------------------------------------


def test_staff_see_the_follower_count_on_the_series_list_and_page(client, series):
    now = timezone.now()
    for n in range(3):
        SeriesFollower.objects.create(series=series, email=f"f{n}@city.example", confirmed_at=now)
    SeriesFollower.objects.create(series=series, email="unconfirmed@city.example")
    factories.WebinarFactory(series=series)
    factories.WebinarFactory(series=series)
    force_login_with_second_factor(client, factories.StaffFactory())

    listing = client.get(reverse("admin:events_webinarseries_changelist")).content.decode()
    page = client.get(reverse("admin:events_webinarseries_change", args=[series.pk])).content.decode()

    assert re.search(
        r'<td class="field-webinar_count">2</td><td class="field-follower_count">3</td>', listing
    )
    assert "3 people are told about new webinars." in page


def test_the_follower_admin_is_read_only(client, follower):
    force_login_with_second_factor(client, factories.StaffFactory())

    listing = client.get(reverse("admin:registrations_seriesfollower_changelist"))
    adding = client.get(reverse("admin:registrations_seriesfollower_add"))
    changing = client.post(
        reverse("admin:registrations_seriesfollower_change", args=[follower.pk]), {"email": "x@city.example"}
    )

    assert "ana@city.example" in listing.content.decode()
    assert adding.status_code == 403
    follower.refresh_from_db()
    assert (changing.status_code, follower.email) == (403, "ana@city.example")


# --- Privacy ----------------------------------------------------------------------------------------


def test_the_personal_data_export_holds_the_follows_without_their_links(series):
    follower = following.follow(series=series, email="Ana@City.example", language="en")

    data = json.loads(personal_data.personal_data_json("ana@city.example"))

    assert [(item["series"], item["email"]) for item in data["series_followed"]] == [
        ("Buying Responsibly", "Ana@City.example")
    ]
    [sent] = data["emails"]
    assert sent["kind"] == "follow_confirm"
    assert follower.confirm_token not in json.dumps(data)
    assert follower.unsubscribe_token not in json.dumps(data)


def test_retention_forgets_unconfirmed_and_unsubscribed_followers(series, settings):
    settings.SERIES_FOLLOWER_RETENTION_DAYS = 30
    now = timezone.now()
    old = now - dt.timedelta(days=31)
    stale = following.follow(series=series, email="stale@city.example", language="en", now=old)
    SeriesFollower.objects.filter(pk=stale.pk).update(created_at=old)
    fresh = following.follow(series=series, email="fresh@city.example", language="en")
    kept = SeriesFollower.objects.create(series=series, email="kept@city.example", confirmed_at=old)
    SeriesFollower.objects.filter(pk=kept.pk).update(created_at=old)
    left = SeriesFollower.objects.create(
        series=series, email="left@city.example", confirmed_at=old, unsubscribed_at=old
    )

    task_anonymise_expired_registrations()

    assert set(SeriesFollower.objects.values_list("email", flat=True)) == {fresh.email, kept.email}
    assert not OutboxEmail.objects.filter(to_email__in=[stale.email, left.email]).exists()
    assert OutboxEmail.objects.filter(kind=OutboxEmail.Kind.FOLLOW_CONFIRM, to_email="").count() == 1
