"""The site's layout (templates/base.html) in pieces rendered once per process, not per request.

Most of the layout (the icons and styles in the head, the brand and navigation, the language
buttons, the footer) is the same for everyone who shares a language and a kind of viewer,
and rendering it costs a logged-in page more than the page's own cached parts. So each piece
is rendered once per template, language, kind of viewer and script prefix, without the
request: nothing of a visitor's can get into it. What is a visitor's own (the CSRF token of
the log-out form, the current path in the log-in and language forms, messages) stays in
base.html, rendered on each request.

A piece shows translations, URLs and static files, which change only with a deploy (a new
process), and whether the viewer is signed in or staff, which is in the key. Changed
settings (tests) empty the store; with DEBUG on, pieces are rendered every time, so edited
templates show at once.
"""

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.template.loader import render_to_string
from django.urls import get_script_prefix, reverse
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

# (template or URL name, language, kind, script prefix) -> HTML or URL; a few dozen entries at most.
_pieces = {}


def _remembered(key, build):
    value = _pieces.get(key)
    if value is None:
        value = build()
        if not settings.DEBUG:
            _pieces[key] = value
    return value


def layout_kind(user):
    """Return what the layout shows `user` as: "anonymous", "signed-in" or "staff".

    Affiliates get the signed-in layout: nothing in it depends on affiliation, and asking
    (events.access) would cost pages that don't otherwise need it a cache round trip.
    """
    if not getattr(user, "is_authenticated", False):
        return "anonymous"
    return "staff" if user.is_staff else "signed-in"


def piece(template_name, user):
    """Return `template_name` rendered for `user`'s kind (see `layout_kind`) in the active language.

    The template gets `signed_in` and `is_staff`, and no request.
    """
    kind = layout_kind(user)

    def render():
        context = {"signed_in": kind != "anonymous", "is_staff": kind == "staff"}
        return mark_safe(render_to_string(template_name, context))  # noqa: S308 (escaped by the template)

    return _remembered((template_name, get_language(), kind, get_script_prefix()), render)


def url(name):
    """Return the path of the URL `name` (one without arguments), reversed once per language and prefix."""
    return _remembered((name, get_language(), None, get_script_prefix()), lambda: reverse(name))


def forget_pieces():
    """Render every piece afresh on its next use."""
    _pieces.clear()


@receiver(setting_changed)
def _forget_pieces(**_kwargs):
    # A test's settings may change URLs, static storage or languages under a running process.
    forget_pieces()
