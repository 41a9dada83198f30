"""Hostile and random input to every form: never a 500, never stored when invalid, always a
message, and whatever was sent is escaped wherever the page shows it back.

Property-based (hypothesis): each test posts many generated combinations of very long
strings, unicode, control characters, HTML and script, SQL fragments, template syntax,
wrong types, missing fields, tampered hidden fields and tokens, and other events' ids.
"""

import itertools
import re
import unicodedata
from urllib.parse import quote, urlsplit

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from registrations.models import Registration
from registrations.signup import services
from tests import factories

pytestmark = pytest.mark.django_db

SCRIPT = "<script>alert('x')</script>"
HOSTILE = [
    SCRIPT,
    '"><img src=x onerror=alert(1)>',
    "' OR '1'='1' --",
    "'; DROP TABLE registrations_registration; --",
    "{{ settings.SECRET_KEY }}{% debug %}",
    "%s%s%n%x",
    "\x00",
    "a\x00b",
    "\r\n\t\x0b\x0c",
    "\u202eevil\u202c",
    "😀" * 300,
    "A" * 10_000,
    "../../../etc/passwd",
    "javascript:alert(1)",
    "-1",
    "0",
    "99999999999999999999999",
    "9223372036854775808",
    "-9223372036854775809",
    "Ana\r\nSubject: your account is closed",
    "Ana\u2028Bcc: x@example.org\x85",
    "../../",
    "xx",
    "1e309",
    "true",
    "[]",
    "{}",
    "",
    " ",
]
# Everything a browser can send in a form field: no lone surrogates (not encodable).
TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=300)
VALUE = st.one_of(st.sampled_from(HOSTILE), TEXT, st.integers().map(str))
MISSING = object()

EXAMPLES = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture(autouse=True)
def _no_limits(settings):
    """These tests post far more than a person would: lift the anti-flood limits."""
    settings.REGISTRATION_MIN_FILL_SECONDS = 0
    settings.REGISTRATION_RATE_LIMIT = ""
    settings.MANAGE_LINK_RATE_LIMIT_PER_CLIENT = ""
    settings.MANAGE_LINK_RATE_LIMIT_PER_ADDRESS = ""
    settings.ACCOUNT_RATE_LIMITS = False
    cache.clear()


def fields(**choices):
    """A form's data: each field a strategy's value, or left out."""
    return st.fixed_dictionaries(
        {name: st.one_of(strategy, st.just(MISSING)) for name, strategy in choices.items()}
    ).map(lambda data: {name: value for name, value in data.items() if value is not MISSING})


def assert_escaped(content, data):
    """No hostile markup sent comes back as markup."""
    for value in data.values():
        for item in value if isinstance(value, list) else [value]:
            if "<" in item and len(item) > 3:
                assert item not in content, f"unescaped: {item[:80]!r}"


SINGLE_LINE = ("name", "organisation", "role", "country")


def assert_stored_cleanly(registration):
    """No line break or control character in a one-line answer; the language one of the site's."""
    for name in SINGLE_LINE:
        value = getattr(registration, name)
        assert not {unicodedata.category(c) for c in value} & {"Cc", "Zl", "Zp"}, f"{name}: {value!r}"
    assert registration.language in dict(django_settings.LANGUAGES)


def shows_an_error(content):
    """A field error, a form error, or the 400 page (a NUL character is refused before any form)."""
    return bool(
        re.search(r'class="[^"]*(invalid-feedback|alert-danger|errorlist|alert-block)', content)
        or "We could not read that request" in content
    )


@pytest.fixture
def open_event():
    event = factories.EventFactory(title="Open Conference")
    factories.SessionFactory(event=event, title="Morning panel")
    return event


@pytest.fixture
def other_session():
    return factories.SessionFactory(title="Another event's session")


@pytest.fixture
def registration(open_event):
    return factories.RegistrationFactory(event=open_event, name="Ana Guest", email="ana@example.com")


def registration_fields(event, other_session):
    own = [str(pk) for pk in event.sessions.values_list("pk", flat=True)]
    session_ids = st.lists(st.one_of(st.sampled_from([*own, str(other_session.pk)]), VALUE), max_size=3)
    return fields(
        name=st.one_of(VALUE, st.just("Ana Guest")),
        email=st.one_of(VALUE, st.emails().map(str)),
        organisation=VALUE,
        role=VALUE,
        country=VALUE,
        attendee_type=VALUE,
        sessions=session_ids,
        dietary_needs=VALUE,
        accessibility_needs=VALUE,
        interpretation_language=VALUE,
        participant_list_consent=VALUE,
        language=VALUE,
        time_zone=st.one_of(VALUE, st.just("Europe/Brussels")),
        privacy_consent=st.one_of(VALUE, st.just("on")),
        invitation_code=VALUE,
        invitation_token=VALUE,
        website=VALUE,
        form_stamp=VALUE,
    )


def test_registration_form(client, open_event, other_session):
    url = reverse("registrations:register", kwargs={"slug": open_event.slug})

    @EXAMPLES
    @given(data=registration_fields(open_event, other_session))
    def check(data):
        before = set(Registration.objects.values_list("pk", flat=True))
        response = client.post(url, data)
        content = response.content.decode()
        created = Registration.objects.exclude(pk__in=before)

        assert response.status_code in (200, 302, 400)
        assert_escaped(content, data)
        if response.status_code == 302:
            for registration in created:
                registration.full_clean()  # what was stored is valid
                assert_stored_cleanly(registration)
                assert other_session not in registration.sessions.all()
        else:
            assert not created.exists()
            assert shows_an_error(content)

    check()


# Text with line breaks and control characters among other characters, as someone writing fake
# lines into the plain-text emails would send it.
BREAKS = st.sampled_from("\r\n\x0b\x0c\x1c\x1e\x85\u2028\u2029\x07\x1b\t")
LINES = st.text(alphabet=st.one_of(BREAKS, st.characters(blacklist_categories=("Cs",))), max_size=80).map(
    lambda text: "A" + text.replace("\x00", "")  # a letter survives: the answer is never empty
)


def test_registration_answers_are_stored_on_one_line_in_a_site_language(client, open_event):
    url = reverse("registrations:register", kwargs={"slug": open_event.slug})
    emails = (f"guest{n}@example.com" for n in itertools.count())

    @EXAMPLES
    # No NUL: a request with one is refused whole, a 400 page (ewevents/middleware.py).
    @given(
        # Country is a choice of countries (registrations/signup/questions.py), the others typed.
        answers=st.fixed_dictionaries({name: LINES for name in SINGLE_LINE if name != "country"}),
        language=VALUE.filter(lambda value: "\x00" not in value),
    )
    def check(answers, language):
        data = {"email": next(emails), "time_zone": "UTC", "privacy_consent": "on", "language": language}
        data["country"] = "Spain"
        response = client.post(url, {**data, **answers})

        assert response.status_code == 302, response.content.decode()[:2000]
        registration = Registration.objects.get(email=data["email"])
        assert_stored_cleanly(registration)

    check()


def test_manage_form(client, registration, other_session):
    url = reverse("registrations:manage", kwargs={"token": registration.manage_token})

    @EXAMPLES
    @given(data=registration_fields(registration.event, other_session))
    def check(data):
        before = Registration.objects.values().get(pk=registration.pk)
        response = client.post(url, data)
        content = response.content.decode()
        after = Registration.objects.get(pk=registration.pk)

        assert response.status_code in (200, 302, 400)
        assert_escaped(content, data)
        assert after.email == "ana@example.com"  # never changes
        assert other_session not in after.sessions.all()
        if response.status_code == 302:
            after.full_clean()
            assert_stored_cleanly(after)
        else:
            assert Registration.objects.values().get(pk=registration.pk) == before
            assert shows_an_error(content)

    check()


@EXAMPLES
@given(token=st.one_of(VALUE.filter(lambda value: "/" not in value and value.strip()), st.just("x" * 43)))
def test_tampered_manage_tokens_are_a_404(client, token):
    for name in ("registrations:manage", "registrations:cancel", "registrations:delete_data"):
        url = reverse(name, kwargs={"token": "TOKEN"}).replace("TOKEN", quote(token, safe=""))
        assert client.get(url).status_code in (400, 404)
        assert client.post(url, {}).status_code in (400, 404)


@pytest.mark.parametrize("url_name", ["registrations:cancel", "registrations:delete_data"])
def test_cancel_and_delete_forms(client, open_event, url_name):
    posted = ["confirm", "sessions", "email", "name", "language", "csrfmiddlewaretoken"]
    emails = (f"guest{n}@example.com" for n in itertools.count())

    @EXAMPLES
    @given(data=fields(**dict.fromkeys(posted, VALUE)))
    def check(data):
        email = next(emails)
        registration = services.register(event=open_event, data={"name": "Ana Guest", "email": email})
        url = reverse(url_name, kwargs={"token": registration.manage_token})

        response = client.post(url, data)

        assert response.status_code in (200, 400)
        assert_escaped(response.content.decode(), data)
        stored = Registration.objects.get(pk=registration.pk)
        if response.status_code == 200:  # done as asked; what else was posted is ignored
            assert stored.status == "cancelled"
            assert (stored.email == email) == (url_name == "registrations:cancel")  # else anonymised
        else:
            assert (stored.status, stored.email) == ("confirmed", email)

    check()


def test_manage_link_request_form(client, registration):
    url = reverse("registrations:request_manage_link")

    @EXAMPLES
    @given(data=fields(email=st.one_of(VALUE, st.emails().map(str))))
    def check(data):
        response = client.post(url, data)
        content = response.content.decode()
        assert response.status_code in (200, 302, 400)
        assert_escaped(content, data)
        if response.status_code != 302:
            assert shows_an_error(content)

    check()


@pytest.mark.parametrize(
    ("url_name", "field_names"),
    [
        ("account_login", ["login", "password", "remember"]),
        ("account_signup", ["email", "password1", "password2"]),
        ("account_reset_password", ["email"]),
    ],
)
def test_account_forms(client, url_name, field_names):
    url = reverse(url_name)
    User = factories.UserFactory._meta.model

    @EXAMPLES
    @given(data=fields(**dict.fromkeys(field_names, VALUE)))
    def check(data):
        users = User.objects.count()
        response = client.post(url, data)
        content = response.content.decode()
        assert response.status_code in (200, 302, 400)
        assert_escaped(content, data)
        if response.status_code != 302:
            assert shows_an_error(content)
            assert User.objects.count() == users

    check()


@EXAMPLES
@given(data=fields(language=VALUE, next=VALUE))
def test_language_switch(client, data):
    response = client.post(reverse("set_language"), data)
    assert response.status_code in (200, 204, 302, 400)
    if response.status_code == 302:
        # Never sends anyone off the site.
        target = urlsplit(response["Location"])
        assert (target.scheme, target.netloc) == ("", "")


def test_staff_check_in_by_code(client, registration):
    client.force_login(factories.StaffFactory())
    url = reverse("registrations:checkin_code", kwargs={"slug": registration.event.slug})

    @EXAMPLES
    @given(data=fields(code=VALUE))
    def check(data):
        response = client.post(url, data, follow=True)
        content = response.content.decode()
        assert response.status_code in (200, 400)
        assert_escaped(content, data)
        registration.refresh_from_db()
        assert registration.attended_at is None
        assert shows_an_error(content)

    check()


@EXAMPLES
@given(
    cookie=st.sampled_from(["sessionid", "csrftoken", "django_language"]),
    # As a WSGI server hands cookies to Django: bytes decoded as latin-1.
    value=VALUE.map(lambda value: value.encode()[:400].decode("latin-1")).filter(
        lambda value: value.isprintable() and not set(value) & set(';,"\\')
    ),
)
def test_tampered_cookies(client, open_event, cookie, value):
    client.cookies[cookie] = value
    for url in (
        open_event.get_absolute_url(),
        reverse("registrations:register", kwargs={"slug": open_event.slug}),
    ):
        response = client.get(url)
        assert response.status_code == 200
        assert_escaped(response.content.decode(), {"cookie": value})
    response = client.post(reverse("registrations:request_manage_link"), {"email": "ana@example.com"})
    assert response.status_code in (302, 403)  # a tampered CSRF cookie is refused, never a 500
