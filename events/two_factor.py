"""Staff status counts only in a session that included the second factor (TOTP).

Staff see everyone's names, needs, draft events and restricted sessions, so a password
alone is not enough. allauth's MFA asks for the app's code at login once a TOTP
authenticator is set up. Until a session has that code, the account is an ordinary
logged-in user everywhere: its request.user has no staff status, superuser status or
permissions (WithoutStaffPowers), so the visibility rule (events/access.py), the menu and
the admin treat it so. On the admin and /staff/ this middleware sends it to set up an
authenticator (allauth asks for the password again first, then offers recovery codes),
or, with one set up, to enter the code.
"""

from allauth.account.authentication import AUTHENTICATION_METHODS_SESSION_KEY, get_authentication_records
from allauth.account.internal.flows.login import record_authentication
from allauth.mfa.models import Authenticator
from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.functional import LazyObject, SimpleLazyObject
from django.utils.http import urlencode
from django.utils.translation import gettext as _

STAFF_PATH_PREFIXES = ("/admin/", "/staff/")


def used_two_factor(request, user=None):
    """True when this session's login (of `user`, by default the request's) included a second factor."""
    records = get_authentication_records(request, user if user is not None else request.user)
    return any(record.get("method") == "mfa" for record in records)


def has_totp(user):
    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


def _with_next(url_name, request):
    return f"{reverse(url_name)}?{urlencode({'next': request.get_full_path()})}"


class WithoutStaffPowers(LazyObject):
    """A user, as seen by a request whose session has no second factor: no staff or superuser
    status, no permissions. Everything else, saving included, is the user's own, so nothing
    written through it loses the account's real status."""

    is_staff = False
    is_superuser = False

    def __init__(self, user):
        super().__init__()
        self._wrapped = user

    def _setup(self):  # wrapped from the start; LazyObject asks every subclass for it
        raise AssertionError("WithoutStaffPowers wraps its user from the start")

    def has_perm(self, perm, obj=None):
        return False

    def has_perms(self, perm_list, obj=None):
        return False

    def has_module_perms(self, app_label):
        return False

    def get_all_permissions(self, obj=None):
        return set()


def _unconfirmed_staff(request, user):
    """True for an account with staff powers whose session has no second factor yet."""
    has_powers = user.is_authenticated and (user.is_staff or user.is_superuser)
    return has_powers and not used_two_factor(request, user)


class StaffTwoFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is None:
            return self.get_response(request)
        if request.path.startswith(STAFF_PATH_PREFIXES) and _unconfirmed_staff(request, user):
            if not has_totp(user):
                messages.info(
                    request,
                    _("Staff pages need two-factor authentication. Set up an authenticator app first."),
                )
                return redirect(_with_next("mfa_activate_totp", request))
            return redirect(_with_next("mfa_reauthenticate", request))
        # Lazily, as Django's own: a page that never looks at the user loads nothing.
        request.user = SimpleLazyObject(
            lambda: WithoutStaffPowers(user) if _unconfirmed_staff(request, user) else user
        )
        return self.get_response(request)


def record_new_authenticator(sender, request, user, authenticator, **kwargs):
    """Activating TOTP needs a valid code from the app: that proves the second factor for this session."""
    if request is not None and authenticator.type == Authenticator.Type.TOTP:
        record_authentication(request, user, "mfa", type=authenticator.type, id=authenticator.pk)


def forget_removed_authenticator(sender, request, user, authenticator, **kwargs):
    """Removing the app (TOTP) ends staff powers in this session too: its second factor is gone."""
    if request is None or authenticator.type != Authenticator.Type.TOTP:
        return
    records = request.session.get(AUTHENTICATION_METHODS_SESSION_KEY)
    if isinstance(records, list):
        request.session[AUTHENTICATION_METHODS_SESSION_KEY] = [
            record for record in records if record.get("method") != "mfa"
        ]
