"""Who may open the staff pages (the admin and /staff/), and what everyone else is told.

Django's admin and its `staff_member_required` send anyone without staff status to the
admin's login page. Ours hands over to allauth's (ewevents/urls.py), and allauth sends a
visitor who is already logged in straight back to `next`: for a logged-in affiliate, an
endless loop. So anonymous visitors are still sent to log in, but a logged-in user without
staff status gets a 403 page saying the page is for the organisers' staff, which account
they are using, and how to log in as someone else.

Staff status alone opens no staff page: each /staff/ view states the permissions it needs
with `staff_permission_required`, the one rule for them (tests/test_staff_permissions.py
walks every staff URL without each). A staff member without one gets the no-permission page
(403) before the view runs, so a refused POST changes nothing.

Staff are asked for their second factor before any of this: events/two_factor.py's
middleware runs before the views.
"""

import functools

from django.conf import settings
from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import render, resolve_url
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from ewevents.release import __version__

TEMPLATE = "staff_only.html"
NO_PERMISSION_TEMPLATE = "staff_no_permission.html"


def is_staff(user):
    """The admin's own test (AdminSite.has_permission): an active account with staff status."""
    return user.is_active and user.is_staff


def staff_only_page(request, next_url=None):
    """The 403 page for a logged-in user without staff status.

    Its "log in as someone else" logs out and opens the login page with `next_url`: by default
    the page asked for, when it was asked for with GET (a POST's URL answers nothing to a GET).
    """
    if next_url is None and request.method in ("GET", "HEAD"):
        next_url = request.get_full_path()
    login_url = resolve_url(settings.LOGIN_URL)
    if next_url and url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        login_url = f"{login_url}?{urlencode({'next': next_url})}"
    response = render(request, TEMPLATE, {"login_url": login_url}, status=403)
    add_never_cache_headers(response)  # it names the account
    return response


def staff_member_required(view):
    """Django's decorator of that name, without its loop: anonymous visitors are sent to log in,
    logged-in users without staff status get the staff-only page."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not is_staff(request.user):
            return staff_only_page(request)
        return view(request, *args, **kwargs)

    return wrapped


def no_permission_page(request, permissions):
    """The 403 page for staff without one of `permissions` ("app_label.codename"), naming those missing."""
    from django.contrib.auth.models import Permission  # not at import: the auth app loads after this module

    missing = [perm for perm in permissions if not request.user.has_perm(perm)]
    names = [
        str(permission.name)
        for permission in Permission.objects.select_related("content_type")
        .filter(
            content_type__app_label__in={perm.split(".")[0] for perm in missing},
            codename__in={perm.split(".")[1] for perm in missing},
        )
        .order_by("name")
        if f"{permission.content_type.app_label}.{permission.codename}" in missing
    ]
    response = render(request, NO_PERMISSION_TEMPLATE, {"missing_permissions": names}, status=403)
    add_never_cache_headers(response)
    return response


def staff_permission_required(*permissions):
    """Staff with every one of `permissions` ("app_label.codename") only; see the module docstring.

    The view keeps the list as `staff_permissions`, for the test that walks the staff URLs.
    """

    def decorator(view):
        @functools.wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.has_perms(permissions):
                return no_permission_page(request, permissions)
            return view(request, *args, **kwargs)

        checked = staff_member_required(wrapped)
        checked.staff_permissions = tuple(permissions)
        return checked

    return decorator


class StaffOnlyAdminSite(admin.AdminSite):
    """Django's admin site, answering a logged-in user without staff status with the staff-only
    page rather than the admin's login page. Anonymous visitors are still sent to that login.

    Named as the public site is, in its colours (templates/admin/base_site.html). Its index is the
    staff home: what `settings.STAFF_HOME` (a dotted path, called as `home(request, app_list)`,
    returning the template's context) puts there, as ewevents imports neither app, and the
    release running (`ewevents.__version__`) in its footer.
    """

    site_header = _("Electronics Watch events")
    site_title = _("Electronics Watch events")
    index_title = _("Staff home")
    index_template = "admin/staff_home.html"
    # The home lists every part of the admin; a sidebar repeating it would narrow every form.
    enable_nav_sidebar = False

    def index(self, request, extra_context=None):
        home = import_string(settings.STAFF_HOME)
        context = {**home(request, self.get_app_list(request)), "ewevents_version": __version__}
        return super().index(request, {**context, **(extra_context or {})})

    def admin_view(self, view, cacheable=False):
        checked = super().admin_view(view, cacheable)

        @functools.wraps(checked)
        def inner(request, *args, **kwargs):
            if request.user.is_authenticated and not self.has_permission(request):
                # As Django's own check does, lead back to the index rather than to logging out.
                logout = request.path == reverse("admin:logout", current_app=self.name)
                index = reverse("admin:index", current_app=self.name)
                return staff_only_page(request, next_url=index if logout else None)
            return checked(request, *args, **kwargs)

        return inner
