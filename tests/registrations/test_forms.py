import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import translation

from registrations.models import Question, Registration, RegistrationSettings
from registrations.signup import questions
from registrations.signup.forms import RegistrationForm
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_minimum_fill_time(settings):
    """These tests post the form at once, as no person could: the bot checks have their own tests."""
    settings.REGISTRATION_MIN_FILL_SECONDS = 0


def form_data(**extra):
    return {
        "name": "Ana Guest",
        "email": "ana@example.com",
        "time_zone": "Europe/Brussels",
        "language": "en",
        "privacy_consent": "on",
        **extra,
    }


def guest_form(event, data=None, **kwargs):
    return RegistrationForm(data, event=event, user=AnonymousUser(), **kwargs)


def test_guest_cannot_choose_restricted_session(conference_with_mixed_sessions):
    c = conference_with_mixed_sessions

    form = guest_form(c.event, form_data(sessions=[c.public.pk, c.teaser.pk]))

    assert not form.is_valid()
    assert list(form.errors) == ["sessions"]
    assert "Select a valid choice" in form.errors["sessions"][0]
    assert Registration.objects.count() == 0


def test_guest_is_offered_only_public_attendable_sessions(conference_with_mixed_sessions):
    c = conference_with_mixed_sessions

    form = guest_form(c.event)

    assert list(form.fields["sessions"].queryset) == [c.public]


def test_affiliate_may_choose_restricted_sessions_but_not_breaks(
    conference_with_mixed_sessions, affiliate_user
):
    c = conference_with_mixed_sessions

    form = RegistrationForm(
        form_data(sessions=[c.public.pk, c.teaser.pk, c.hidden.pk]), event=c.event, user=affiliate_user
    )

    assert form.is_valid(), form.errors
    assert list(form.cleaned_data["sessions"]) == [c.public, c.teaser, c.hidden]
    assert c.coffee not in form.fields["sessions"].queryset


def test_break_id_posted_is_refused(conference_with_mixed_sessions, affiliate_user):
    c = conference_with_mixed_sessions

    form = RegistrationForm(form_data(sessions=[c.coffee.pk]), event=c.event, user=affiliate_user)

    assert not form.is_valid()
    assert list(form.errors) == ["sessions"]


def test_session_labels_show_time_in_event_zone_and_places_left():
    event = factories.EventFactory()
    session = factories.SessionFactory(event=event, title="Panel", capacity=5)
    factories.RegistrationFactory(event=event, sessions=[session])

    form = guest_form(event)

    [(_, label)] = list(form.fields["sessions"].choices)
    assert label == "Wed 6 Nov, 9:00–10:30 · Panel (4 places left)"


def test_hidden_fields_are_removed_and_required_ones_required():
    event = factories.EventFactory()
    factories.RegistrationSettingsFactory(event=event)
    questions.add_default_questions(event=event)
    Question.objects.filter(event=event, field="organisation").update(required=True)
    Question.objects.filter(event=event, field="dietary_needs").update(asked=False)

    form = guest_form(event, form_data())

    assert "dietary_needs" not in form.fields
    assert not form.is_valid()
    assert list(form.errors) == ["organisation"]


def test_privacy_consent_is_required_and_links_the_notice():
    event = factories.EventFactory()

    form = guest_form(event, form_data(privacy_consent=""))

    assert not form.is_valid()
    assert list(form.errors) == ["privacy_consent"]
    assert 'href="/privacy/"' in str(form.fields["privacy_consent"].label)


def test_invitation_code_field_only_in_invitation_mode():
    open_event = factories.EventFactory()
    invitation_event = factories.EventFactory()
    factories.RegistrationSettingsFactory(
        event=invitation_event, mode=RegistrationSettings.Mode.INVITATION, invitation_code="EW-2030"
    )

    assert "invitation_code" not in guest_form(open_event).fields
    form = guest_form(invitation_event, form_data())
    assert not form.is_valid()
    assert list(form.errors) == ["invitation_code"]


def test_interpretation_choices_come_from_the_event():
    event = factories.EventFactory(interpretation_languages=["fr", "es"])

    form = guest_form(event)

    assert [code for code, _ in form.fields["interpretation_language"].choices] == ["", "none", "fr", "es"]
    assert "interpretation_language" not in guest_form(factories.EventFactory()).fields


def test_time_zone_defaults_to_event_zone_and_is_preset_by_browser_script():
    event = factories.WebinarFactory()

    form = guest_form(event)

    assert form["time_zone"].initial == "Europe/London"
    assert "data-browser-time-zone" in str(form["time_zone"])


def test_affiliate_form_is_prefilled_and_email_is_read_only():
    membership = factories.MembershipFactory(
        organisation__name="Union of Workers", user__first_name="Ana", user__last_name="Silva"
    )
    user = membership.user
    event = factories.EventFactory()

    form = RegistrationForm(
        form_data(email="someone-else@example.com", name="Ana Silva"), event=event, user=user
    )

    assert form["name"].initial == "Ana Silva"
    assert form["organisation"].initial == "Union of Workers"
    assert form.fields["email"].disabled
    assert form.is_valid(), form.errors
    assert form.cleaned_data["email"] == user.email


def test_edit_form_keeps_email_and_drops_consent_and_code():
    event = factories.EventFactory()
    factories.RegistrationSettingsFactory(
        event=event, mode=RegistrationSettings.Mode.INVITATION, invitation_code="EW-2030"
    )
    registration = factories.RegistrationFactory(event=event, email="ana@example.com")

    form = guest_form(event, form_data(email="other@example.com", privacy_consent=""), instance=registration)

    assert form.is_valid(), form.errors
    assert form.cleaned_data["email"] == "ana@example.com"
    assert "privacy_consent" not in form.fields
    assert "invitation_code" not in form.fields


def test_form_never_saves():
    form = guest_form(factories.EventFactory(), form_data())
    assert form.is_valid()

    with pytest.raises(NotImplementedError):
        form.save()
    assert Registration.objects.count() == 0


@pytest.mark.django_db
def test_webinar_form_asks_fewer_questions_than_a_conference():
    conference = factories.EventFactory()
    factories.SessionFactory(event=conference)
    webinar = factories.WebinarFactory()

    conference_fields = set(RegistrationForm(event=conference, user=AnonymousUser()).fields)
    webinar_fields = set(RegistrationForm(event=webinar, user=AnonymousUser()).fields)

    assert conference_fields - webinar_fields == {"sessions", "dietary_needs", "participant_list_consent"}
    assert webinar_fields < conference_fields


# Hostile input (issue 16)


@pytest.mark.parametrize("posted", ["9223372036854775808", "-9223372036854775809", "1" * 40, "0", "-1"])
def test_session_ids_out_of_range_are_a_field_error(posted):
    event = factories.EventFactory()
    factories.SessionFactory(event=event)

    form = guest_form(event, form_data(sessions=[posted]))

    assert not form.is_valid()
    assert list(form.errors) == ["sessions"]
    assert f"“{posted}” is not a valid value." in form.errors["sessions"][0]


@pytest.mark.parametrize(
    ("posted", "stored"),
    [
        ("Ana Guest\r\nSubject: your account is closed", "Ana Guest Subject: your account is closed"),
        ("Ana Guest\nBcc: someone@example.org", "Ana Guest Bcc: someone@example.org"),
        ("Ana\x0b\x0c\x1c\x85Guest", "Ana Guest"),
        ("Ana\u2028\u2029Guest", "Ana Guest"),
        ("Ana\x07\x1b[31mGuest\r\n", "Ana [31mGuest"),
    ],
)
def test_line_breaks_and_control_characters_never_reach_single_line_answers(posted, stored):
    event = factories.EventFactory()
    # Country too, until it became a choice of countries (test_default_questions.py).
    single_line = ("name", "organisation", "role")

    form = guest_form(event, form_data(**dict.fromkeys(single_line, posted)))

    assert form.is_valid(), form.errors
    assert [form.cleaned_data[name] for name in single_line] == [stored] * len(single_line)


def test_multi_line_answers_keep_their_line_breaks_but_lose_other_control_characters():
    event = factories.EventFactory()

    form = guest_form(event, form_data(dietary_needs="No nuts\r\nNo fish\x07\x1b"))

    assert form.is_valid(), form.errors
    assert form.cleaned_data["dietary_needs"] == "No nuts\nNo fish"


@pytest.mark.parametrize("posted", ["xx", "../../", "en-us" * 3])
def test_hidden_language_field_is_limited_to_the_site_languages(posted):
    event = factories.EventFactory()

    with translation.override("es"):
        form = guest_form(event, form_data(language=posted))
        assert form.is_valid(), form.errors

    assert form.cleaned_data["language"] == "es"


def test_hidden_language_field_keeps_a_site_language():
    event = factories.EventFactory()

    form = guest_form(event, form_data(language="es"))

    assert form.is_valid(), form.errors
    assert form.cleaned_data["language"] == "es"
