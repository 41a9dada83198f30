"""The layout around every page (templates/base.html): its shared pieces are rendered once per process
(events/layout.py), and each visitor still gets the layout of their language and kind, with their own
CSRF token and path and nothing of anyone else's."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from events import layout
from tests import factories

pytestmark = pytest.mark.django_db

PIECES = {
    "includes/layout/head_links.html",
    "includes/layout/brand.html",
    "includes/layout/nav_links.html",
    "includes/layout/language_buttons.html",
    "includes/layout/footer.html",
    "includes/layout/social_meta_site.html",
}
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@pytest.fixture(autouse=True)
def _no_pieces_yet():
    layout.forget_pieces()


def _client(kind, *, spanish=False, user=None):
    """A visitor: 'anonymous', 'signed_in' (not an affiliate), 'affiliate' or 'staff'."""
    client = Client()
    if user is None and kind != "anonymous":
        user = {
            "signed_in": factories.UserFactory,
            "affiliate": lambda: factories.MembershipFactory().user,
            "staff": factories.StaffFactory,
        }[kind]()
    if user is not None:
        client.force_login(user)
    if spanish:
        client.post(reverse("set_language"), {"language": "es", "next": "/"})
    return client


def _get(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return response


def _pieces_rendered(response):
    return {template.name for template in response.templates} & PIECES


def _header(content):
    return re.search(r"<header.*?</header>", content, re.S).group(0)


def _footer(content):
    return re.search(r"<footer.*?</footer>", content, re.S).group(0)


def _nav_labels(content):
    return re.findall(r'class="(?:nav-link|btn btn-link nav-link)"[^>]*>([^<]+)<', _header(content))


def _current_language_button(content):
    return re.search(r'<button[^>]*value="(\w+)"[^>]*aria-current="true"', _header(content)).group(1)


def test_a_page_renders_the_shared_layout_once_per_language_and_kind_of_viewer(
    conference_with_mixed_sessions,
):
    url = conference_with_mixed_sessions.event.get_absolute_url()

    first = _get(_client("affiliate"), url)
    second_affiliate = _get(_client("affiliate"), url)
    signed_in = _get(_client("signed_in"), url)
    spanish = _get(_client("affiliate", spanish=True), url)
    spanish_again = _get(_client("affiliate", spanish=True), url)

    assert _pieces_rendered(first) == PIECES
    assert _pieces_rendered(second_affiliate) == set()
    assert _pieces_rendered(signed_in) == set()  # affiliates and other signed-in visitors share it
    assert _pieces_rendered(spanish) == PIECES
    assert _pieces_rendered(spanish_again) == set()
    assert _header(second_affiliate.content.decode()) != _header(first.content.decode())  # own CSRF token


@pytest.mark.parametrize("spanish_first", [True, False])
def test_each_language_and_kind_of_viewer_gets_its_own_layout(spanish_first, conference_with_mixed_sessions):
    url = reverse("events:past_events") + "?page=1"  # built for anonymous visitors too
    languages = [True, False] if spanish_first else [False, True]
    expected = {
        ("anonymous", False): ["Upcoming", "Past events", "Log in", "Sign up"],
        ("signed_in", False): ["Upcoming", "Past events", "My registrations", "Account", "Log out"],
        ("affiliate", False): ["Upcoming", "Past events", "My registrations", "Account", "Log out"],
        ("staff", False): ["Upcoming", "Past events", "Admin", "My registrations", "Account", "Log out"],
        ("anonymous", True): ["Próximos", "Eventos pasados", "Iniciar sesión", "Crear una cuenta"],
        ("staff", True): [
            "Próximos",
            "Eventos pasados",
            "Administración",
            "Mis inscripciones",
            "Cuenta",
            "Cerrar sesión",
        ],
    }

    for spanish in languages:
        for kind in ("anonymous", "signed_in", "affiliate", "staff"):
            content = _get(_client(kind, spanish=spanish), url).content.decode()

            if (kind, spanish) in expected:
                assert _nav_labels(content) == expected[kind, spanish], (kind, spanish)
            assert _current_language_button(content) == ("es" if spanish else "en")
            assert ("Aviso de privacidad" in _footer(content)) == spanish
            assert ("Privacy notice" in _footer(content)) == (not spanish)
            assert ('href="/admin/"' in content) == (kind == "staff")


def test_the_layout_never_carries_one_visitors_token_path_or_name_to_another(conference_with_mixed_sessions):
    event = conference_with_mixed_sessions.event
    ana = factories.MembershipFactory(user__first_name="Anastasia", user__email="anastasia@example.org").user
    ben = factories.MembershipFactory().user
    ana_client, ben_client = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    ana_client.force_login(ana)
    ben_client.force_login(ben)
    ana_page = _get(ana_client, event.get_absolute_url() + "?from=ana").content.decode()

    ben_page = _get(ben_client, reverse("events:speakers", kwargs={"slug": event.slug})).content.decode()

    assert "Anastasia" not in ben_page
    assert ana.email not in ben_page
    assert "from=ana" not in ben_page
    assert f'name="next" value="/events/{event.slug}/speakers/"' in ben_page
    ben_token = CSRF_INPUT.search(ben_page).group(1)
    assert ben_token != CSRF_INPUT.search(ana_page).group(1)
    response = ben_client.post(reverse("account_logout"), {"csrfmiddlewaretoken": ben_token})
    assert response.status_code == 302
    assert "Log out" in _get(ana_client, event.get_absolute_url()).content.decode()


def test_an_anonymous_visitors_log_in_link_returns_to_their_own_page(conference_with_mixed_sessions):
    url = reverse("events:past_events")
    _get(Client(), url + "?page=1")

    content = _get(Client(), url + "?page=2").content.decode()

    assert f'href="/accounts/login/?next={url}%3Fpage%3D2"' in content
    assert "page%3D1" not in content


def test_the_admin_link_comes_and_goes_with_staff_status_from_the_next_request():
    user = factories.UserFactory()
    client = _client("signed_in", user=user)
    url = reverse("registrations:mine")
    assert 'href="/admin/"' not in _get(client, url).content.decode()

    user.is_staff = True
    user.save()
    # Staff status counts only in a session that passed the second factor (events/two_factor.py).
    assert 'href="/admin/"' not in _get(client, url).content.decode()
    client.force_login(user)
    assert 'href="/admin/"' in _get(client, url).content.decode()

    user.is_staff = False
    user.save()
    assert 'href="/admin/"' not in _get(client, url).content.decode()


def test_the_layout_follows_changed_settings(settings, conference_with_mixed_sessions):
    client = _client("affiliate")
    url = conference_with_mixed_sessions.event.get_absolute_url()
    assert 'href="/static/css/site.css"' in _get(client, url).content.decode()

    settings.STATIC_URL = "/assets/"

    assert 'href="/assets/css/site.css"' in _get(client, url).content.decode()
