"""Tags for a page's <head>: absolute URLs for canonical and Open Graph links, and JSON-LD."""

from django import template
from django.templatetags.static import static

from events.structured_data import event_data, json_ld_script
from ewevents.site import absolute_url

register = template.Library()

OG_LOCALES = {"en": "en_GB", "es": "es_ES"}


@register.simple_tag
def site_url(path):
    """`path` on the site's own address (SITE_URL), never on whatever Host a request claimed."""
    return absolute_url(path)


@register.simple_tag(takes_context=True)
def canonical_url(context):
    """This page's address without its query string."""
    request = context.get("request")
    return absolute_url(request.path if request is not None else "/")


@register.simple_tag
def absolute_static(path):
    return absolute_url(static(path))


@register.simple_tag
def og_locale(language_code):
    return OG_LOCALES.get(language_code, "en_GB")


@register.simple_tag
def og_alternate_locales(language_code):
    return [locale for code, locale in OG_LOCALES.items() if code != language_code]


@register.simple_tag
def event_json_ld(event, days, offer_url=""):
    """schema.org Event data for `event`'s page; nothing for a draft. `days` is the page's programme.

    `offer_url` is the path where people sign up, if anywhere.
    """
    sessions = [session for _day, day_sessions in days for session in day_sessions]
    data = event_data(event, sessions, build_url=absolute_url, offer_url=offer_url)
    return json_ld_script(data) if data else ""
