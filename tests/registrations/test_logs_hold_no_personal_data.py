"""Personal data never reaches the logs: registering, the emails sent, the manage link, cancelling.

Every log record of every logger is captured at DEBUG level, in this process (tasks
run eagerly) and from a real Celery worker delivering over SMTP, and searched for the
registrant's name, email address, organisation and dietary needs.
"""

import logging

import pytest
from django.core import mail
from django.urls import reverse

from registrations.models import Registration
from registrations.signup import services
from tests import factories
from tests.service_fixtures import publishing_to

PERSON = {
    "name": "Zebulon Logcheck",
    "email": "zebulon.logcheck@leak.example",
    "organisation": "Leakproof Widgets Cooperative",
    "dietary_needs": "Gluten-free logcheck diet",
}


def leaks(text):
    return [value for value in PERSON.values() if value.lower() in text.lower()]


@pytest.fixture
def every_logger_at_debug(caplog):
    """caplog at DEBUG on the root logger and on every logger created so far."""
    caplog.set_level(logging.DEBUG)
    for name in list(logging.root.manager.loggerDict):
        caplog.set_level(logging.DEBUG, logger=name)
    return caplog


def _all_records_text(caplog):
    lines = []
    for record in caplog.records:
        lines.append(record.getMessage())
        lines.append(repr(record.args))
        if record.exc_info:
            lines.append(logging.Formatter().formatException(record.exc_info))
    return "\n".join(lines)


@pytest.mark.django_db
def test_registering_emailing_managing_and_cancelling_log_no_personal_data(
    client, settings, every_logger_at_debug, django_capture_on_commit_callbacks
):
    settings.REGISTRATION_MIN_FILL_SECONDS = 0
    event = factories.EventFactory()
    factories.RegistrationSettingsFactory(event=event, capacity=1)
    factories.RegistrationFactory(event=event, status=Registration.Status.WAITLISTED, name="Someone Else")
    form = {**PERSON, "time_zone": "Europe/Brussels", "language": "en", "privacy_consent": "on"}

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("registrations:register", kwargs={"slug": event.slug}), form, follow=True)
    registration = Registration.objects.get(email=PERSON["email"])
    manage = reverse("registrations:manage", kwargs={"token": registration.manage_token})
    client.get(manage)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("registrations:register", kwargs={"slug": event.slug}), form)  # manage link email
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("registrations:cancel", kwargs={"token": registration.manage_token}))

    # The controls: all of it happened.
    to_person = [message for message in mail.outbox if message.to == [PERSON["email"]]]
    assert len(to_person) == 3  # registered, manage link, cancelled
    assert PERSON["name"] in to_person[0].body
    registration.refresh_from_db()
    assert registration.status == Registration.Status.CANCELLED

    assert leaks(_all_records_text(every_logger_at_debug)) == []

    # The control: a record holding the name, at DEBUG, would have been caught.
    logging.getLogger("registrations.control").debug("control %s", PERSON["name"])
    assert leaks(_all_records_text(every_logger_at_debug)) == [PERSON["name"]]


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_sending_the_confirmation_logs_no_personal_data(
    celery_worker_process, smtp_server, redis_url
):
    event = factories.EventFactory()

    with publishing_to(redis_url):
        services.register(event=event, data={**PERSON, "sessions": []})

    [raw] = smtp_server.wait_for_messages(1, timeout=30)
    assert PERSON["email"].encode() in raw  # the control: the email went to the person
    log = celery_worker_process.log()
    assert "Task registrations.send_email[" in log
    assert leaks(log) == []
