"""Email texts staff write per event, kind and language: rendering, placeholders, escaping, the admin's
preview and test send (registrations/signup/email_texts.py, email_samples.py, admin/email_texts.py)."""

import re
from urllib.parse import urlencode

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from registrations.models import EmailText, OutboxEmail, Registration
from registrations.signup import email_texts
from registrations.signup.emails import queue_registration_email, render_email
from tests import factories
from tests.conftest import shows_staff_only_page

pytestmark = pytest.mark.django_db

STATUS_OF_KIND = {
    EmailText.Kind.REGISTERED: Registration.Status.CONFIRMED,
    EmailText.Kind.WAITLISTED: Registration.Status.WAITLISTED,
    EmailText.Kind.OFFERED: Registration.Status.OFFERED,
    EmailText.Kind.PROMOTED: Registration.Status.CONFIRMED,
    EmailText.Kind.AWAITING_APPROVAL: Registration.Status.PENDING,
    EmailText.Kind.APPROVED: Registration.Status.CONFIRMED,
    EmailText.Kind.REJECTED: Registration.Status.REJECTED,
    EmailText.Kind.REMINDER: Registration.Status.CONFIRMED,
    EmailText.Kind.RECORDING_AVAILABLE: Registration.Status.CONFIRMED,
    EmailText.Kind.CANCELLED: Registration.Status.CANCELLED,
    EmailText.Kind.CHANGED: Registration.Status.CONFIRMED,
}
NO_PERMISSION_TEXT = "Your staff account may not open this page"


@pytest.fixture(autouse=True)
def _site_url(settings):
    settings.SITE_URL = "http://testserver.example"


@pytest.fixture
def event():
    return factories.EventFactory(title="Procurement & Rights 2030", title_es="Compras y Derechos 2030")


def manage_link(registration):
    return "http://testserver.example" + reverse("registrations:manage", args=[registration.manage_token])


def words(text):
    return " ".join(text.split())


def staff_with(*codenames):
    staff = factories.StaffFactory(is_superuser=False, email="staff.writer@example.org")
    for codename in codenames:
        staff.user_permissions.add(
            Permission.objects.get(content_type__app_label="registrations", codename=codename)
        )
    return staff


# --- Rendering -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "subject", "opening"),
    [
        ("en", "You are registered: Procurement & Rights 2030", "Dear Ana Pérez,"),
        ("es", "Está inscrito/a: Compras y Derechos 2030", "Estimado/a Ana Pérez:"),
    ],
)
def test_without_staff_text_the_built_in_email_is_sent_in_the_registrants_language(
    event, language, subject, opening
):
    registration = factories.RegistrationFactory(event=event, name="Ana Pérez", language=language)

    email = render_email(registration=registration, kind=OutboxEmail.Kind.REGISTERED)

    assert email["subject"] == subject
    assert email["body_text"].startswith(opening + "\n")


def test_staff_text_replaces_subject_and_message_for_each_registrant_in_their_language(event):
    EmailText.objects.create(
        event=event,
        kind="registered",
        language="en",
        subject="See you at {{ event }}, {{ name }}",
        body="Hello {{name}},\n\nYour place at {{ event }} is ready. Status: {{ status }}.",
    )
    EmailText.objects.create(
        event=event,
        kind="registered",
        language="es",
        subject="Nos vemos en {{ event }}",
        body="Hola {{ name }}:\n\nSu plaza en {{ event }} le espera.",
    )
    ana = factories.RegistrationFactory(event=event, name="Ana Pérez", language="en")
    bea = factories.RegistrationFactory(event=event, name="Bea Ruiz", language="es")

    in_english = render_email(registration=ana, kind=OutboxEmail.Kind.REGISTERED)
    in_spanish = render_email(registration=bea, kind=OutboxEmail.Kind.REGISTERED)

    assert in_english["subject"] == "See you at Procurement & Rights 2030, Ana Pérez"
    assert in_english["body_text"].startswith(
        "Hello Ana Pérez,\n\nYour place at Procurement & Rights 2030 is ready. Status: Confirmed.\n"
    )
    assert "Dear Ana Pérez" not in in_english["body_text"]
    assert "Thank you for registering" not in in_english["body_text"]
    assert in_spanish["subject"] == "Nos vemos en Compras y Derechos 2030"
    assert in_spanish["body_text"].startswith(
        "Hola Bea Ruiz:\n\nSu plaza en Compras y Derechos 2030 le espera.\n"
    )
    assert (
        "<p>Hola Bea Ruiz:</p>\n\n<p>Su plaza en Compras y Derechos 2030 le espera.</p>"
        in in_spanish["body_html"]
    )


def test_what_the_system_adds_stays_whatever_staff_write(event):
    EmailText.objects.create(event=event, kind="registered", language="en", body="Just this.")
    registration = factories.RegistrationFactory(event=event, language="en")

    row = queue_registration_email(registration=registration, kind=OutboxEmail.Kind.REGISTERED)

    assert row.body_text.startswith("Just this.\n")
    assert manage_link(registration) in row.body_text
    assert f'href="{manage_link(registration)}"' in row.body_html
    assert "Status of your registration: Confirmed" in row.body_text
    assert "BEGIN:VCALENDAR" in row.ics
    # The door code of an in-person event's confirmation.
    assert registration.door_code[:4] in row.body_text.replace("-", "")
    assert "cid:" in row.body_html


def test_staff_text_in_english_only_leaves_spanish_registrants_the_built_in_spanish(event):
    EmailText.objects.create(
        event=event, kind="registered", language="en", subject="Welcome", body="Welcome."
    )
    bea = factories.RegistrationFactory(event=event, name="Bea Ruiz", language="es")

    email = render_email(registration=bea, kind=OutboxEmail.Kind.REGISTERED)

    assert email["subject"] == "Está inscrito/a: Compras y Derechos 2030"
    assert email["body_text"].startswith("Estimado/a Bea Ruiz:\n")


def test_another_events_text_changes_nothing(event):
    EmailText.objects.create(event=factories.EventFactory(), kind="registered", language="en", body="Other.")
    registration = factories.RegistrationFactory(event=event, language="en")

    email = render_email(registration=registration, kind=OutboxEmail.Kind.REGISTERED)

    assert email["body_text"].startswith(f"Dear {registration.name},\n")


def test_an_empty_subject_keeps_the_built_in_one_and_an_empty_body_the_built_in_message(event):
    EmailText.objects.create(event=event, kind="waitlisted", language="en", subject="", body="Please wait.")
    EmailText.objects.create(
        event=event, kind="cancelled", language="en", subject="Goodbye {{ name }}", body=""
    )
    waiting = factories.RegistrationFactory(event=event, name="Cy", status=Registration.Status.WAITLISTED)
    gone = factories.RegistrationFactory(event=event, name="Di", status=Registration.Status.CANCELLED)

    waitlisted = render_email(registration=waiting, kind=OutboxEmail.Kind.WAITLISTED)
    cancelled = render_email(registration=gone, kind=OutboxEmail.Kind.CANCELLED)

    assert waitlisted["subject"] == "You are on the waiting list: Procurement & Rights 2030"
    assert waitlisted["body_text"].startswith("Please wait.\n")
    assert cancelled["subject"] == "Goodbye Di"
    assert cancelled["body_text"].startswith(
        "Dear Di,\n\nYour registration for Procurement & Rights 2030 has been"
    )


def test_every_placeholder_is_filled_in():
    venue = factories.VenueFactory(name="Residence Palace", city="Brussels")
    event = factories.EventFactory(title="Conf", venue=venue, recording_url="https://video.example.org/conf")
    session = factories.SessionFactory(event=event, title="Open panel", start=event.start)
    registration = factories.RegistrationFactory(
        event=event, name="Ana", status=Registration.Status.OFFERED, offered_until=event.start, language="en"
    )
    registration.sessions.set([session])
    body = "\n".join(f"{name}=[{{{{ {name} }}}}]" for name in email_texts.PLACEHOLDERS)
    EmailText.objects.create(event=event, kind="offered", language="en", body=body)

    text = render_email(
        registration=registration, kind=OutboxEmail.Kind.OFFERED, context={"now": timezone.now()}
    )["body_text"]

    values = dict(re.findall(r"^(\w+)=\[(.*)\]$", text, re.MULTILINE))
    assert set(values) == set(email_texts.PLACEHOLDERS)
    assert values["name"] == "Ana"
    assert values["event"] == "Conf"
    assert values["venue"] == "Residence Palace, Brussels"
    assert values["status"] == "Place offered"
    assert values["manage_link"] == manage_link(registration)
    assert values["event_link"] == "http://testserver.example" + event.get_absolute_url()
    assert values["recording_link"] == "https://video.example.org/conf"
    assert event.start.strftime("%Y") in values["when"]
    assert event.start.strftime("%Y") in values["offer_deadline"]
    assert values["starts_in"] != ""
    assert "- Open panel (" in text  # {{ sessions }} spans lines: one per session


def test_staff_text_is_escaped_in_html_and_paragraphs_and_links_become_html(event):
    EmailText.objects.create(
        event=event,
        kind="registered",
        language="en",
        subject="<b>Hi</b> {{ name }}",
        body=(
            "Hi {{ name }} <script>alert('x')</script>\n"
            "Programme: https://example.org/programme?a=1&b=2\n\n"
            '<a href="javascript:alert(1)">click</a>'
        ),
    )
    registration = factories.RegistrationFactory(event=event, name="<i>Bo</i>", language="en")

    email = render_email(registration=registration, kind=OutboxEmail.Kind.REGISTERED)

    html = email["body_html"]
    assert "<script>" not in html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html
    assert "Hi &lt;i&gt;Bo&lt;/i&gt;" in html
    assert (
        '<a href="https://example.org/programme?a=1&amp;b=2">https://example.org/programme?a=1&amp;b=2</a>'
        in html
    )
    assert "<br>" in html  # a single line break is kept
    assert '<p>&lt;a href="javascript:alert(1)"&gt;click&lt;/a&gt;</p>' in html or (
        "&lt;a href=&quot;javascript:alert(1)&quot;&gt;click&lt;/a&gt;" in html
    )
    assert 'href="javascript' not in html
    assert "<title>" in html
    # Plain text is plain: as written, with the values.
    assert email["subject"] == "<b>Hi</b> <i>Bo</i>"
    assert "Hi <i>Bo</i> <script>alert('x')</script>" in email["body_text"]


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("kind", list(EmailText.Kind))
def test_the_built_in_text_staff_start_from_says_what_the_templates_send(event, kind, language):
    """Same words as the email without staff text, so staff start from what registrants get today."""
    registration = factories.RegistrationFactory(
        event=event, name="Ana", status=STATUS_OF_KIND[kind], language=language, offered_until=event.start
    )
    context = {"now": timezone.now(), "recording_url": "https://video.example.org/r"}
    built_in_email = render_email(registration=registration, kind=kind, context=context)
    subject, body = email_texts.built_in(kind, language)
    EmailText.objects.create(event=event, kind=kind, language=language, subject=subject, body=body)

    staff_email = render_email(registration=registration, kind=kind, context=context)

    assert staff_email["subject"] == built_in_email["subject"]
    for paragraph in staff_email["body_text"].split("\n\n")[:3]:
        assert words(paragraph) in words(built_in_email["body_text"])
    assert words(staff_email["body_text"]) != words(body)  # placeholders were filled in
    assert "{{" not in staff_email["body_text"]


# --- Placeholders ----------------------------------------------------------------------------------


def test_unknown_placeholders_and_template_tags_are_refused_with_a_message():
    with pytest.raises(Exception) as refused:  # noqa: PT011 - the message is what is checked
        email_texts.validate_text("Hello {{ nmae }} and {{ name.__class__ }} {% if x %}")

    messages = refused.value.messages
    assert messages == [
        "Template tags are not supported: write plain text with placeholders such as {{ name }}.",
        "Unknown placeholder: {{ nmae }}, {{ name.__class__ }}. The placeholders you can use are "
        + email_texts.placeholder_list()
        + ".",
    ]
    email_texts.validate_text("Hello {{ name }}, {{event}}; a lone { brace } stays text.")


def test_staff_text_can_reach_no_code_or_context(event):
    EmailText.objects.create(
        event=event, kind="registered", language="en", body="{{ registration.manage_token }} {{ settings }}"
    )
    registration = factories.RegistrationFactory(event=event, language="en")

    email = render_email(registration=registration, kind=OutboxEmail.Kind.REGISTERED)

    # Unknown names are refused by the form; should one be stored anyway, it stays as written.
    assert email["body_text"].startswith("{{ registration.manage_token }} {{ settings }}\n")


# --- Admin -----------------------------------------------------------------------------------------


def add_url(event, kind="registered", language="en"):
    query = urlencode({"event": event.pk, "kind": kind, "language": language})
    return reverse("admin:registrations_emailtext_add") + "?" + query


def preview_url(event, kind="registered", language="en"):
    query = urlencode({"event": event.pk, "kind": kind, "language": language})
    return reverse("admin:registrations_emailtext_preview") + "?" + query


@pytest.mark.parametrize(
    ("language", "subject", "opening"),
    [
        ("en", "You are registered: {{ event }}", "Dear {{ name }},"),
        ("es", "Está inscrito/a: {{ event }}", "Estimado/a {{ name }}:"),
    ],
)
def test_the_add_form_starts_from_the_built_in_text_in_its_language(
    admin_client, event, language, subject, opening
):
    response = admin_client.get(add_url(event, language=language))

    form = response.context["adminform"].form
    assert form.initial["subject"] == subject
    assert form.initial["body"].startswith(opening + "\n\n")
    assert "{{ manage_link }}" in response.content.decode()  # the placeholder list


def test_a_text_with_an_unknown_placeholder_is_not_saved_and_the_form_says_why(admin_client, event):
    response = admin_client.post(
        add_url(event),
        {
            "event": event.pk,
            "kind": "registered",
            "language": "en",
            "subject": "Hi",
            "body": "Hi {{ firstname }}",
        },
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["body"] == [
        "Unknown placeholder: {{ firstname }}. The placeholders you can use are "
        + email_texts.placeholder_list()
        + "."
    ]
    assert not EmailText.objects.exists()


def test_staff_save_a_text_and_are_taken_to_its_preview(admin_client, event):
    response = admin_client.post(
        add_url(event),
        {
            "event": event.pk,
            "kind": "registered",
            "language": "es",
            "subject": "Bienvenida a {{ event }}",
            "body": "Hola {{ name }}.",
            "_preview": "1",
        },
    )

    text = EmailText.objects.get()
    assert (text.event, text.kind, text.language, text.subject) == (
        event,
        "registered",
        "es",
        "Bienvenida a {{ event }}",
    )
    assert response.status_code == 302
    assert response["Location"] == preview_url(event, language="es")


def test_the_event_page_lists_every_kind_in_both_languages_saying_whose_text_it_is(admin_client, event):
    EmailText.objects.create(event=event, kind="reminder", language="es", body="Recuerde.")
    url = reverse("admin:registrations_emailtext_event") + f"?event={event.pk}"

    response = admin_client.get(url)

    rows = {row["kind"]: [bool(cell["text"]) for cell in row["cells"]] for row in response.context["rows"]}
    assert list(rows) == list(EmailText.Kind.values)
    assert rows["reminder"] == [False, True]
    assert rows["registered"] == [False, False]
    body = response.content.decode()
    assert body.count("Your text") == 1
    assert add_url(event, "registered", "en").replace("&", "&amp;") in body


def test_the_preview_shows_the_email_a_made_up_registrant_would_get_with_the_events_data(event):
    from django.test import Client

    session = factories.SessionFactory(event=event, title="Opening plenary", start=event.start)
    EmailText.objects.create(
        event=event, kind="registered", language="es", body="Hola {{ name }}: {{ sessions }}"
    )
    client = Client()
    client.force_login(staff_with("view_emailtext"))

    response = client.get(preview_url(event, language="es"))

    assert response.status_code == 200
    rendered = response.context["rendered"]
    assert rendered["subject"] == "Está inscrito/a: Compras y Derechos 2030"
    assert rendered["body_text"].startswith(f"Hola Alex Ejemplo: - {session.title} (")
    assert "Compras y Derechos 2030" in rendered["body_text"]
    assert "BEGIN:VCALENDAR" in rendered["ics"]
    # The door code's QR image, attached to a real email, is in the page itself.
    assert 'src="data:image/png;base64,' in rendered["body_html"]
    assert "cid:" not in rendered["body_html"]
    body = response.content.decode()
    assert 'sandbox="" srcdoc="' in body
    assert "Send this preview to myself" not in body  # viewing only
    assert not OutboxEmail.objects.exists()


def test_the_preview_of_a_kind_without_staff_text_is_the_built_in_one(admin_client, event):
    response = admin_client.get(preview_url(event, kind="waitlisted"))

    assert response.context["rendered"]["body_text"].startswith(
        "Dear Alex Example,\n\nThank you for registering"
    )
    assert response.context["text"] is None


def test_staff_without_the_permission_get_the_no_permission_page_and_non_staff_the_staff_only_page(
    event, client
):
    staff = staff_with("view_registration")
    client.force_login(staff)

    urls = [
        reverse("admin:registrations_emailtext_event") + f"?event={event.pk}",
        preview_url(event),
    ]
    refusals = [client.get(url) for url in urls]
    send = client.post(
        reverse("admin:registrations_emailtext_send_test"),
        {"event": event.pk, "kind": "registered", "language": "en"},
    )
    client.force_login(factories.UserFactory())
    outsiders = [client.get(url) for url in urls]

    assert [(r.status_code, NO_PERMISSION_TEXT in r.content.decode()) for r in [*refusals, send]] == [
        (403, True)
    ] * 3
    assert all(shows_staff_only_page(response) for response in outsiders)
    assert not OutboxEmail.objects.exists()


def test_a_test_send_queues_exactly_one_email_to_the_staff_members_own_address(
    event, client, django_capture_on_commit_callbacks, mailoutbox
):
    EmailText.objects.create(
        event=event, kind="registered", language="en", subject="Hi {{ name }}", body="Hi."
    )
    staff = staff_with("view_emailtext", "change_emailtext")
    client.force_login(staff)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:registrations_emailtext_send_test"),
            {"event": event.pk, "kind": "registered", "language": "en"},
            follow=True,
        )

    row = OutboxEmail.objects.get()
    assert (row.to_email, row.kind, row.language, row.subject) == (
        "staff.writer@example.org",
        "registered",
        "en",
        "[Test] Hi Alex Example",
    )
    assert row.registration is None
    assert [(message.to, message.subject) for message in mailoutbox] == [
        (["staff.writer@example.org"], row.subject)
    ]
    assert "A test was queued to staff.writer@example.org. It is sent like every email, in a moment." in [
        str(message) for message in response.context["messages"]
    ]


def test_a_test_send_needs_the_change_permission_and_a_post(event, client):
    client.force_login(staff_with("view_emailtext"))
    url = reverse("admin:registrations_emailtext_send_test")
    data = {"event": event.pk, "kind": "registered", "language": "en"}

    refused = client.post(url, data)
    got = client.get(url, data)

    assert refused.status_code == 403
    assert got.status_code in (403, 405)
    assert not OutboxEmail.objects.exists()


def test_the_event_page_reads_every_text_in_one_query_at_any_size(
    admin_client, event, django_assert_num_queries
):
    url = reverse("admin:registrations_emailtext_event") + f"?event={event.pk}"
    admin_client.get(url)
    for language in ("en", "es"):
        for kind in EmailText.Kind.values:
            EmailText.objects.create(event=event, kind=kind, language=language, body="Hi.")
        # As many queries with 11 texts as with 22: the texts are read in one.
        with django_assert_num_queries(5):
            response = admin_client.get(url)
        assert response.status_code == 200


def test_rendering_costs_the_same_queries_with_or_without_staff_text(event, django_assert_num_queries):
    registration = factories.RegistrationFactory(event=event, language="en")
    with CaptureQueriesContext(connection) as without_text:
        render_email(registration=registration, kind=OutboxEmail.Kind.CHANGED)
    EmailText.objects.create(event=event, kind="changed", language="en", subject="S", body="B")

    with django_assert_num_queries(len(without_text)):
        email = render_email(registration=registration, kind=OutboxEmail.Kind.CHANGED)

    assert email["subject"] == "S"


def test_a_text_staff_write_or_change_reaches_the_next_email_though_the_texts_are_cached(event):
    """The event's texts are kept in the cache; every way of writing them makes the next email fresh."""
    ana = factories.RegistrationFactory(event=event, name="Ana Pérez", language="en")
    assert "Dear Ana Pérez" in render_email(registration=ana, kind=OutboxEmail.Kind.REGISTERED)["body_text"]

    text = EmailText.objects.create(event=event, kind="registered", language="en", body="First words.")
    assert render_email(registration=ana, kind=OutboxEmail.Kind.REGISTERED)["body_text"].startswith("First")

    EmailText.objects.filter(pk=text.pk).update(body="Second words.")
    assert render_email(registration=ana, kind=OutboxEmail.Kind.REGISTERED)["body_text"].startswith("Second")

    EmailText.objects.filter(pk=text.pk).delete()
    assert "Dear Ana Pérez" in render_email(registration=ana, kind=OutboxEmail.Kind.REGISTERED)["body_text"]
