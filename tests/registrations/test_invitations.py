"""Guest lists: importing them, sending the personal links, registering through one."""

import csv
import io

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from registrations.models import Invitation, OutboxEmail, Registration, RegistrationSettings
from registrations.outbox import delivery
from registrations.signup import emails, services
from registrations.signup import guest_list as guest_lists
from tests import factories
from tests.conftest import shows_staff_only_page

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_minimum_fill_time(settings):
    """These tests post the form at once, as no person could: the bot checks have their own tests."""
    settings.REGISTRATION_MIN_FILL_SECONDS = 0


SITE_URL = "http://testserver.example"
IMPORT_URL = "admin:registrations_invitation_import"
CHANGELIST = "admin:registrations_invitation_changelist"


@pytest.fixture(autouse=True)
def _site_url(settings):
    settings.SITE_URL = SITE_URL


@pytest.fixture
def event():
    event = factories.EventFactory(title="Guest List Forum")
    factories.RegistrationSettingsFactory(event=event, mode=RegistrationSettings.Mode.GUEST_LIST)
    return event


def rows_of(text):
    return list(csv.DictReader(io.StringIO(text)))


def guest_list(event):
    return list(Invitation.objects.filter(event=event).order_by("pk").values_list("name", "email"))


def register_url(event, token=None):
    url = reverse("registrations:register", kwargs={"slug": event.slug})
    return f"{url}?invitation={token}" if token else url


def personal_link(invitation):
    return SITE_URL + register_url(invitation.event, invitation.token)


def form_data(email="ana@example.com", **extra):
    return {
        "name": "Ana Guest",
        "email": email,
        "time_zone": "Europe/Brussels",
        "language": "en",
        "privacy_consent": "on",
        **extra,
    }


def outbox():
    return list(OutboxEmail.objects.order_by("pk").values_list("kind", "to_email"))


# --- Importing ------------------------------------------------------------------------------------


def test_import_creates_skips_duplicates_and_reports_bad_lines(event):
    factories.InvitationFactory(event=event, name="Already There", email="old@example.com")
    text = (
        "name,email\n"
        "Ana Pérez,ana@example.com\n"
        "Bo Li,not-an-address\n"
        "Ana Again,ANA@example.com\n"
        "Old Friend,Old@Example.com\n"
        "Cy Ode,\n"
        ",nameless@example.com\n"
        "Dee Ray, dee@example.com \n"
    )

    created, skipped, errors = guest_lists.import_guest_list(event=event, rows=rows_of(text))

    assert [(invitation.name, invitation.email) for invitation in created] == [
        ("Ana Pérez", "ana@example.com"),
        ("Dee Ray", "dee@example.com"),
    ]
    assert skipped == [4, 5]
    assert errors == [
        (3, "“not-an-address” is not a valid email address."),
        (6, "The email address is missing."),
        (7, "The name is missing."),
    ]
    assert guest_list(event) == [
        ("Already There", "old@example.com"),
        ("Ana Pérez", "ana@example.com"),
        ("Dee Ray", "dee@example.com"),
    ]


def test_import_sends_nothing_and_each_invitation_gets_its_own_token(event):
    created, _, _ = guest_lists.import_guest_list(
        event=event, rows=rows_of("name,email\nAna,ana@example.com\nBo,bo@example.com\n")
    )

    assert len({invitation.token for invitation in created}) == 2
    assert all(len(invitation.token) >= 40 for invitation in created)
    assert [invitation.sent_at for invitation in created] == [None, None]
    assert OutboxEmail.objects.count() == 0


def test_the_same_address_may_be_invited_to_another_event(event):
    other = factories.InvitationFactory(email="ana@example.com")

    created, skipped, errors = guest_lists.import_guest_list(
        event=event, rows=rows_of("name,email\nAna,ana@example.com\n")
    )

    assert ([i.event for i in created], skipped, errors) == ([event], [], [])
    assert Invitation.objects.filter(email="ana@example.com").count() == 2
    assert other.event != event


# --- Sending --------------------------------------------------------------------------------------


def test_sending_twice_queues_one_email_per_invitation_with_its_personal_link(
    event, django_capture_on_commit_callbacks, mailoutbox
):
    ana = factories.InvitationFactory(event=event, name="Ana", email="ana@example.com")
    bo = factories.InvitationFactory(event=event, name="Bo", email="bo@example.com")

    with django_capture_on_commit_callbacks() as first:
        sent = guest_lists.send_invitations(invitations=Invitation.objects.filter(event=event))
    with django_capture_on_commit_callbacks() as second:
        sent_again = guest_lists.send_invitations(invitations=Invitation.objects.filter(event=event))

    assert (sent, sent_again) == ([ana, bo], [])
    assert (len(first), len(second)) == (2, 0)
    rows = list(OutboxEmail.objects.order_by("pk"))
    assert [(row.kind, row.to_email, row.invitation, row.registration) for row in rows] == [
        ("invitation", "ana@example.com", ana, None),
        ("invitation", "bo@example.com", bo, None),
    ]
    assert all(invitation.sent_at is not None for invitation in Invitation.objects.all())
    for row in rows:
        delivery.send_outbox_email(outbox_id=row.pk)
        delivery.send_outbox_email(outbox_id=row.pk)
    assert [message.to for message in mailoutbox] == [["ana@example.com"], ["bo@example.com"]]
    ana_message = mailoutbox[0]
    assert ana_message.subject == "You are invited: Guest List Forum"
    assert ana_message.body.startswith("Dear Ana,\n")
    assert personal_link(ana) in ana_message.body
    assert personal_link(bo) not in ana_message.body
    [(html, mimetype)] = ana_message.alternatives
    assert (mimetype, f'href="{personal_link(ana)}"' in html) == ("text/html", True)
    assert ana_message.attachments == []


def test_personal_link_is_absolute_with_the_token_as_query():
    invitation = factories.InvitationFactory(event__slug="forum-2030")

    assert personal_link(invitation) == (
        f"{SITE_URL}/events/forum-2030/register/?invitation={invitation.token}"
    )
    assert emails.invitation_url(invitation) == personal_link(invitation)


def test_every_outbox_kind_has_a_rendering():
    # tests/registrations/test_emails.py covers the kinds about a registration; this file the invitation.
    from tests.registrations.test_emails import STATUS_OF_KIND

    # tests/registrations/test_mailings.py covers the mailing kind, tests/test_two_factor.py the
    # authenticator notices; tests/test_login_rate_limits.py and tests/events/test_accounts.py the
    # account kinds (no registration: an account's owner); tests/registrations/test_following.py the
    # confirmation to a series follower.
    account_kinds = {OutboxEmail.Kind.LOGIN_ATTEMPTS, OutboxEmail.Kind.ACCOUNT}
    assert set(OutboxEmail.Kind) == {
        *STATUS_OF_KIND,
        OutboxEmail.Kind.INVITATION,
        OutboxEmail.Kind.MAILING,
        OutboxEmail.Kind.AUTHENTICATOR_ADDED,
        OutboxEmail.Kind.AUTHENTICATOR_REMOVED,
        *account_kinds,
        OutboxEmail.Kind.FOLLOW_CONFIRM,
    }


# --- Registering with the link --------------------------------------------------------------------


def test_invitation_link_shows_the_form_prefilled_with_the_address_read_only(client, event):
    invitation = factories.InvitationFactory(event=event, name="Ana Invited", email="ana@example.com")

    response = client.get(register_url(event, invitation.token))

    form = response.context["form"]
    assert (form["name"].value(), form["email"].value(), form.fields["email"].disabled) == (
        "Ana Invited",
        "ana@example.com",
        True,
    )
    content = response.content.decode()
    assert f'name="invitation_token" value="{invitation.token}"' in content
    assert response["Referrer-Policy"] == "same-origin"


def test_guest_registers_with_the_invited_address_whatever_address_is_posted(client, event):
    invitation = factories.InvitationFactory(event=event, email="Invited@Example.com")

    response = client.post(
        register_url(event, invitation.token),
        form_data(email="someone-else@example.com", invitation_token=invitation.token),
        follow=True,
    )

    registration = Registration.objects.get()
    assert (registration.email, registration.status) == ("Invited@Example.com", "confirmed")
    invitation.refresh_from_db()
    assert invitation.registration == registration
    assert outbox() == [("registered", "Invited@Example.com")]
    assert "We have sent an email to <strong>Invited@Example.com</strong>" in response.content.decode()


@pytest.mark.parametrize("token", [None, "wrong-token"])
def test_without_a_valid_invitation_the_page_says_invitation_only(client, event, token):
    factories.InvitationFactory(event=event, email="ana@example.com")

    page = client.get(register_url(event, token))
    posted = client.post(register_url(event), form_data(invitation_token=token or ""))

    for response in (page, posted):
        assert response.status_code == 403
        assert "Registration for this event is by personal invitation." in response.content.decode()
        assert "form" not in response.context
    assert (Registration.objects.count(), OutboxEmail.objects.count()) == (0, 0)


def test_another_events_invitation_is_refused(client, event):
    elsewhere = factories.InvitationFactory(email="ana@example.com")
    factories.RegistrationSettingsFactory(event=elsewhere.event, mode=RegistrationSettings.Mode.GUEST_LIST)

    response = client.post(register_url(event), form_data(invitation_token=elsewhere.token))

    assert response.status_code == 403
    assert "Registration for this event is by personal invitation." in response.content.decode()
    assert Registration.objects.count() == 0
    with pytest.raises(services.InvalidInvitationCode):
        services.register(
            event=event, data={"name": "Ana", "email": "ana@example.com", "invitation_token": elsewhere.token}
        )
    assert Registration.objects.count() == 0


def test_a_used_invitation_registers_once_then_sends_the_manage_link(client, event):
    invitation = factories.InvitationFactory(event=event, email="ana@example.com")
    data = form_data(invitation_token=invitation.token)

    client.post(register_url(event), data)
    client.post(register_url(event), data)

    assert Registration.objects.count() == 1
    assert outbox() == [("registered", "ana@example.com"), ("manage_link", "ana@example.com")]


def test_an_invitation_whose_registration_was_cancelled_can_be_used_again(event):
    invitation = factories.InvitationFactory(event=event, email="ana@example.com")
    data = {"name": "Ana", "email": "ignored@example.com", "invitation_token": invitation.token}
    first = services.register(event=event, data=data)
    services.cancel_registration(registration=first)

    second = services.register(event=event, data=data)

    invitation.refresh_from_db()
    assert (second.email, second.status, invitation.registration) == ("ana@example.com", "confirmed", second)
    assert Registration.objects.get(pk=first.pk).status == "cancelled"


def test_event_page_says_registration_is_by_invitation(client, event):
    response = client.get(event.get_absolute_url())

    content = response.content.decode()
    assert "Registration is by personal invitation" in content
    assert f'href="{register_url(event)}"' not in content


# --- Admin ----------------------------------------------------------------------------------------


def upload(text, name="guests.csv"):
    return SimpleUploadedFile(name, text.encode("utf-8-sig"), content_type="text/csv")


def messages_of(response):
    return [str(message) for message in response.context["messages"]]


def test_staff_imports_a_guest_list_and_sees_counts_and_line_errors(admin_client, event):
    factories.InvitationFactory(event=event, name="Old", email="old@example.com")
    text = "Name,Email\nAna,ana@example.com\nBo,bo@@example\nOld Again,OLD@example.com\n"

    response = admin_client.post(reverse(IMPORT_URL), {"event": event.pk, "file": upload(text)}, follow=True)

    assert response.redirect_chain == [(reverse(CHANGELIST), 302)]
    assert messages_of(response) == [
        "1 invitation was added.",
        "1 line was skipped: the address is already on the guest list.",
        "Line 3 was not imported: “bo@@example” is not a valid email address.",
    ]
    assert guest_list(event) == [("Old", "old@example.com"), ("Ana", "ana@example.com")]


def test_import_accepts_semicolons_and_keeps_line_numbers_across_blank_lines(admin_client, event):
    text = "name;email\nAna;ana@example.com\n\nBo;nope\n"

    response = admin_client.post(reverse(IMPORT_URL), {"event": event.pk, "file": upload(text)}, follow=True)

    assert messages_of(response) == [
        "1 invitation was added.",
        "Line 4 was not imported: “nope” is not a valid email address.",
    ]
    assert guest_list(event) == [("Ana", "ana@example.com")]


@pytest.mark.parametrize(
    ("content", "error"),
    [
        ("given,family\nAna,Pérez\n".encode(), "The first line must name the columns: name,email."),
        ("name,email\nAna,ana@example.com\n".encode("utf-16"), "The file is not UTF-8 text."),
    ],
)
def test_import_refuses_a_file_without_the_columns_or_not_utf8(admin_client, event, content, error):
    file = SimpleUploadedFile("guests.csv", content, content_type="text/csv")

    response = admin_client.post(reverse(IMPORT_URL), {"event": event.pk, "file": file})

    assert response.status_code == 200
    assert error in " ".join(response.context["form"].errors["file"])
    assert Invitation.objects.count() == 0


def test_non_staff_get_the_staff_only_page(client, event):
    client.force_login(factories.UserFactory())

    response = client.post(
        reverse(IMPORT_URL), {"event": event.pk, "file": upload("name,email\nA,a@example.com\n")}
    )

    assert shows_staff_only_page(response)
    assert Invitation.objects.count() == 0


def test_staff_without_add_permission_may_not_import(client, event):
    staff = factories.UserFactory(is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="view_invitation"))
    client.force_login(staff)

    response = client.get(reverse(IMPORT_URL))

    assert response.status_code == 403


def test_changelist_links_to_the_import_and_shows_email_and_registration_status(admin_client, event):
    ana = factories.InvitationFactory(event=event, name="Ana", email="ana@example.com")
    factories.InvitationFactory(event=event, name="Bo", email="bo@example.com")
    factories.InvitationFactory(name="Cy at another event")
    guest_lists.send_invitations(invitations=[ana])
    services.register(
        event=event, data={"name": "Ana", "email": "x@example.com", "invitation_token": ana.token}
    )

    response = admin_client.get(reverse(CHANGELIST))

    content = response.content.decode()
    assert reverse(IMPORT_URL) in content
    admin = response.context["cl"].model_admin
    rows = {
        invitation.name: (admin.email_status(invitation), admin.registration_status(invitation))
        for invitation in response.context["cl"].result_list
    }
    assert rows == {"Ana": ("Pending", "Confirmed"), "Bo": ("—", "—"), "Cy at another event": ("—", "—")}
    assert [spec.title for spec in response.context["cl"].filter_specs] == ["event", "sent"]
    not_sent = admin_client.get(reverse(CHANGELIST), {"sent": "no", "event__id__exact": event.pk})
    assert [invitation.name for invitation in not_sent.context["cl"].result_list] == ["Bo"]


def test_send_action_queues_each_invitation_once(admin_client, event):
    ana = factories.InvitationFactory(event=event, email="ana@example.com")
    bo = factories.InvitationFactory(event=event, email="bo@example.com")
    guest_lists.send_invitations(invitations=[ana])

    response = admin_client.post(
        reverse(CHANGELIST),
        {"action": "send_invitation_emails", "_selected_action": [ana.pk, bo.pk], "index": "0"},
        follow=True,
    )

    assert messages_of(response) == [
        "1 invitation email was queued.",
        "1 invitation was skipped: it was sent before.",
    ]
    assert outbox() == [("invitation", "ana@example.com"), ("invitation", "bo@example.com")]


def test_admin_pages_render_and_a_sent_invitations_address_is_fixed(admin_client, event):
    invitation = factories.InvitationFactory(event=event, email="ana@example.com")
    guest_lists.send_invitations(invitations=[invitation])

    import_page = admin_client.get(reverse(IMPORT_URL))
    add_page = admin_client.get(reverse("admin:registrations_invitation_add"))
    change_page = admin_client.get(reverse("admin:registrations_invitation_change", args=[invitation.pk]))

    assert "Import guest list (CSV)" in import_page.content.decode()
    assert list(add_page.context["adminform"].form.fields) == ["event", "name", "email"]
    assert list(change_page.context["adminform"].form.fields) == ["name"]
    assert personal_link(invitation) in change_page.content.decode()


def test_admin_refuses_a_second_invitation_for_the_same_address(admin_client, event):
    factories.InvitationFactory(event=event, email="ana@example.com")

    response = admin_client.post(
        reverse("admin:registrations_invitation_add"),
        {"event": event.pk, "name": "Ana Again", "email": "ANA@example.com"},
    )

    assert "This email is already on the guest list of this event." in response.content.decode()
    assert Invitation.objects.count() == 1
