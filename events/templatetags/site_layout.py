"""Pieces of templates/base.html kept once per process (events.layout).

`{% layout_piece "template" %}` renders a piece; `{% layout_url "name" %}` is `{% url "name" %}` for a
URL without arguments, reversed once.
"""

from django import template
from django.conf import settings

from events import layout

register = template.Library()


@register.simple_tag(takes_context=True)
def layout_piece(context, template_name):
    request = context.get("request")  # none for pages rendered without one: they get the anonymous layout
    return layout.piece(template_name, getattr(request, "user", None))


@register.simple_tag
def layout_url(name):
    return layout.url(name)


@register.simple_tag
def contact_email():
    """The organisers' address (settings.CONTACT_EMAIL), the same for every visitor."""
    return settings.CONTACT_EMAIL


@register.simple_tag
def site_url():
    """The site's address (settings.SITE_URL), for links in emails."""
    return settings.SITE_URL.rstrip("/") + "/"
