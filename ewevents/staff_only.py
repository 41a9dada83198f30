"""Who may open the staff pages (the admin and /staff/), and what everyone else is told.

Django's admin and its `staff_member_required` send anyone without staff status to the
admin's login page. Ours hands over to allauth's (ewevents/urls.py), and allauth sends a
visitor who is already logged in straight back to `next`: for a logged-in affiliate, an
endless loop. So anonymous visitors are still sent to log in, but a logged-in user without
staff status gets a 403 page saying the page is for the organisers' staff, which account
they are using, and how to log in as someone else.

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

TEMPLATE = "staff_only.html"


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


class StaffOnlyAdminSite(admin.AdminSite):
    """Django's admin site, answering a logged-in user without staff status with the staff-only
    page rather than the admin's login page. Anonymous visitors are still sent to that login."""

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
