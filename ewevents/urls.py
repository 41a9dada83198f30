from django.conf import settings
from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.http import HttpResponse
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView, TemplateView

from events.sitemaps import SITEMAPS, PagesSitemap
from ewevents.health import health
from ewevents.i18n import set_language
from ewevents.media import public_media
from ewevents.staff_only import is_staff, staff_only_page

# The composition root: the events app's sitemaps, with the registrations app's public page.
SITEMAPS = {**SITEMAPS, "pages": PagesSitemap(["events:home", "events:past_events", "registrations:privacy"])}


class FaviconView(RedirectView):
    """Browsers and feed readers ask for /favicon.ico whatever the page links to."""

    def get_redirect_url(self, *args, **kwargs):
        return static("favicon.ico")


class AdminLoginRedirect(RedirectView):
    """The admin's login page hands over to allauth's, which asks staff for the second factor.

    allauth sends a visitor who is logged in already back to `next`, which would send a user
    without staff status here again: they get the staff-only page instead.
    """

    pattern_name = "account_login"
    query_string = True  # keeps ?next=

    def get(self, request, *args, **kwargs):
        if request.user.is_authenticated and not is_staff(request.user):
            return staff_only_page(request, next_url=request.GET.get("next", ""))
        return super().get(request, *args, **kwargs)


urlpatterns = [
    path("favicon.ico", FaviconView.as_view(), name="favicon"),
    path("healthz/", health, name="health"),
    path("media/<path:path>", public_media, name="public_media"),
    path("sitemap.xml", sitemap, {"sitemaps": SITEMAPS}, name="sitemap"),
    path(
        "robots.txt",
        TemplateView.as_view(template_name="robots.txt", content_type="text/plain"),
        name="robots",
    ),
    # Staff log in through allauth, which asks for the second factor; not the admin's own form.
    path("admin/login/", AdminLoginRedirect.as_view(), name="admin_login"),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("i18n/setlang/", set_language, name="set_language"),
    path("", include("registrations.urls")),
    path("", include("events.urls")),
]


def bench_ceiling(request):
    """The benchmark's ceiling: the whole middleware stack, but no database, session or template."""
    return HttpResponse(b"ok", content_type="text/plain")


if settings.BENCH_CEILING_VIEW:
    urlpatterns.append(path("bench/ceiling/", bench_ceiling, name="bench_ceiling"))

handler500 = "ewevents.errors.server_error"
# Not Django's: allauth answers its rate limits with the URLconf's handler429.
handler429 = "ewevents.errors.allauth_rate_limited"
