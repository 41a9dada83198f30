"""The site's own address, settings.SITE_URL: where every absolute URL in a page, file, feed or email starts.

Never the request's (request.build_absolute_uri, RequestSite): its Host and X-Forwarded-Proto
headers are the client's to choose, and what is built from them may be cached and served to
everyone (an .ics for 30 s, a whole page) or mailed with a token in it (a password reset link).
"""

from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from django.conf import settings
from django.urls import reverse
from django.utils.encoding import iri_to_uri


def absolute_url(path):
    """`path` on the site's own address; an absolute URL is returned as it is."""
    if path.startswith(("http://", "https://")):
        return path
    return settings.SITE_URL + iri_to_uri(path)


@dataclass(frozen=True)
class Site:
    """What Django's Site and RequestSite offer templates and sitemaps, read from SITE_URL."""

    protocol: str
    domain: str

    @property
    def name(self):
        return self.domain


def current_site():
    parts = urlsplit(settings.SITE_URL)
    return Site(protocol=parts.scheme, domain=parts.netloc)


class SiteUrlEmailsMixin:
    """For allauth's account adapter: its emails' links and site name come from SITE_URL.

    allauth builds them from the request; the links it makes through the adapter are made
    here instead, and any other link on the request's origin is moved onto the site's.
    """

    def get_reset_password_from_key_url(self, key):
        path = reverse("account_reset_password_from_key", kwargs={"uidb36": "UID", "key": "KEY"})
        return absolute_url(path.replace("UID-KEY", quote(key)))

    def get_email_confirmation_url(self, request, emailconfirmation):
        return absolute_url(reverse("account_confirm_email", args=[emailconfirmation.key]))

    def send_mail(self, template_prefix, email, context):
        request = context.get("request") or self.request
        origin = request.build_absolute_uri("/") if request is not None else None
        context = {
            **{key: _on_site(value, origin) for key, value in context.items()},
            "current_site": current_site(),
        }
        return super().send_mail(template_prefix, email, context)


def _on_site(value, origin):
    if origin and isinstance(value, str) and value.startswith(origin):
        return absolute_url("/" + value[len(origin) :])
    return value
