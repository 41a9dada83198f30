"""An account is told by email whenever its second factor is set up or removed.

Whoever learns a staff member's password could set up their own authenticator app and so
reach the staff pages; this email tells the owner at once. allauth signals the change
(authenticator_added once the activation has committed, authenticator_removed after the
deletion); the email is written to the outbox right then (registrations.outbox.services).
Recovery codes come and go with the app, so they are not mentioned apart.
"""

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation

from registrations.models import OutboxEmail
from registrations.outbox.services import queue_email


def _tell(*, user, kind):
    language = translation.get_language() or settings.LANGUAGE_CODE
    context = {
        "email": user.email,
        "when": timezone.now().strftime("%Y-%m-%d %H:%M"),  # USE_TZ: now() is in UTC
        "reset_url": settings.SITE_URL + reverse("account_reset_password"),
    }
    return queue_email(to=user.email, kind=kind, language=language, context=context)


def authenticator_added(sender, request, user, authenticator, **kwargs):
    """Receiver of allauth.mfa's authenticator_added: queue the AUTHENTICATOR_ADDED email."""
    if authenticator.type == Authenticator.Type.TOTP and user.email:
        _tell(user=user, kind=OutboxEmail.Kind.AUTHENTICATOR_ADDED)


def authenticator_removed(sender, request, user, authenticator, **kwargs):
    """Receiver of allauth.mfa's authenticator_removed: queue the AUTHENTICATOR_REMOVED email."""
    if authenticator.type == Authenticator.Type.TOTP and user.email:
        _tell(user=user, kind=OutboxEmail.Kind.AUTHENTICATOR_REMOVED)
