"""Staff reach the admin and the staff pages only after two-factor authentication (TOTP).

Staff see everyone's names, needs and restricted sessions, so a password alone is not
enough. allauth's MFA asks for the app's code at login once a TOTP authenticator is
set up; this middleware sends staff without one to set it up, and staff whose session
was opened without the code (set up just now, or logged in another way) to enter it.
"""

from allauth.account.authentication import get_authentication_records
from allauth.account.internal.flows.login import record_authentication
from allauth.mfa.models import Authenticator
from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

STAFF_PATH_PREFIXES = ("/admin/", "/staff/")


def used_two_factor(request):
    """True when this session's login included a second factor."""
    return any(record.get("method") == "mfa" for record in get_authentication_records(request, request.user))


def has_totp(user):
    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


def _with_next(url_name, request):
    return f"{reverse(url_name)}?{urlencode({'next': request.get_full_path()})}"


class StaffTwoFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            request.path.startswith(STAFF_PATH_PREFIXES)
            and user is not None
            and user.is_authenticated
            and user.is_staff
            and not used_two_factor(request)
        ):
            if not has_totp(user):
                messages.info(
                    request,
                    _("Staff pages need two-factor authentication. Set up an authenticator app first."),
                )
                return redirect(_with_next("mfa_activate_totp", request))
            return redirect(_with_next("mfa_reauthenticate", request))
        return self.get_response(request)


def record_new_authenticator(sender, request, user, authenticator, **kwargs):
    """Activating TOTP needs a valid code from the app: that proves the second factor for this session."""
    if request is not None and authenticator.type == Authenticator.Type.TOTP:
        record_authentication(request, user, "mfa", type=authenticator.type, id=authenticator.pk)
