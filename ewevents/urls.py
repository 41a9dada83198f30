from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView

from ewevents.health import health


class FaviconView(RedirectView):
    """Browsers and feed readers ask for /favicon.ico whatever the page links to."""

    def get_redirect_url(self, *args, **kwargs):
        return static("favicon.ico")


class AdminLoginRedirect(RedirectView):
    pattern_name = "account_login"
    query_string = True  # keeps ?next=


urlpatterns = [
    path("favicon.ico", FaviconView.as_view(), name="favicon"),
    path("healthz/", health, name="health"),
    # Staff log in through allauth, which asks for the second factor; not the admin's own form.
    path("admin/login/", AdminLoginRedirect.as_view(), name="admin_login"),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("registrations.urls")),
    path("", include("events.urls")),
]

handler500 = "ewevents.errors.server_error"
