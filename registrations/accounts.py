"""The site's allauth adapter: how accounts count clients, limit failed logins and send their emails.

- Clients are counted as the site's own limits count them (ewevents.client_address).
- Failed logins slow down the client that makes them, never the account's owner
  (signup.abuse.login_wait): over a limit that client gets a 429 with Retry-After; when an
  account's failures from everywhere pass settings.LOGIN_FAILURES_BEFORE_ALERT, its owner
  is emailed once per period.
- A password reset answers the same page in the same time for any address: the form only
  queues a task, which looks the address up and writes the email to the outbox, within the
  per-address cap of "your link" emails (signup.abuse.may_email_link_to).
"""

from allauth.account.adapter import DefaultAccountAdapter, get_adapter
from allauth.account.forms import ResetPasswordForm as AllauthResetPasswordForm
from allauth.account.forms import default_token_generator
from allauth.account.internal.flows.password_reset import request_password_reset
from allauth.account.internal.userkit import filter_users_by_email
from allauth.core.exceptions import ImmediateHttpResponse
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from ewevents.celery import enqueue
from ewevents.client_address import client_ip
from ewevents.errors import too_many_requests
from ewevents.site import SiteUrlEmailsMixin, absolute_url, current_site

from .models import OutboxEmail
from .outbox import rendering
from .outbox import services as outbox
from .signup import abuse


class AccountAdapter(SiteUrlEmailsMixin, DefaultAccountAdapter):
    """The site's allauth adapter (settings.ACCOUNT_ADAPTER); links and site name from SITE_URL."""

    def get_client_ip(self, request):
        # allauth's own limits count the client the way ours do (allauth keeps an IPv6 /64 too).
        return client_ip(request)

    def pre_authenticate(self, request, **credentials):
        wait = abuse.login_wait(request, credentials.get("email", ""))
        if wait:
            raise ImmediateHttpResponse(too_many_requests(request, retry_after=wait, context={"login": True}))
        super().pre_authenticate(request, **credentials)

    def authentication_failed(self, request, **credentials):
        login = credentials.get("email", "")
        if abuse.count_login_failure(request, login):
            queue_login_attempts_alert(login=login)

    def send_password_reset_mail(self, user, email, context):
        """Write the password reset email to the outbox (allauth would send it there and then)."""
        context = {"email": email, "current_site": current_site(), **context}
        message = self.render_mail("account/email/password_reset_key", email, context)
        html = next((body for body, mimetype in message.alternatives if mimetype == "text/html"), "")
        outbox.queue_email(
            to=email,
            kind=OutboxEmail.Kind.ACCOUNT,
            language=translation.get_language() or settings.LANGUAGE_CODE,
            content=rendering.content(subject=message.subject, body_text=message.body, body_html=html),
        )


RESET_EMAIL_TASK = "registrations.send_password_reset"


class ResetPasswordForm(AllauthResetPasswordForm):
    """allauth's form, minus the lookup: saving it queues the task that looks the address up."""

    def clean_email(self):
        self.users = []  # the task's to find
        return get_adapter().clean_email(self.cleaned_data["email"].lower())

    def save(self, request, **kwargs):
        email = self.cleaned_data["email"]
        enqueue(
            RESET_EMAIL_TASK,
            kwargs={"email": email, "language": translation.get_language() or settings.LANGUAGE_CODE},
            what="a password reset",
            fallback="no email is sent; the person can ask again",
        )
        return email


def send_password_reset(*, email):
    """Email a password reset link to each active account of `email`, within the per-address cap.

    Run by a task (RESET_EMAIL_TASK), never while the page waits. No account, no
    email (ACCOUNT_EMAIL_UNKNOWN_ACCOUNTS is off). Side effects: counts the email in the abuse
    store; one "account" outbox row per account.
    """
    users = filter_users_by_email(email, is_active=True, prefer_verified=True, for_login=True)
    if users and abuse.may_email_link_to(email):
        request_password_reset(None, email, users, default_token_generator)


def queue_login_attempts_alert(*, login):
    """Tell the owner of the account `login` names that someone is trying its password.

    Side effects: one "login_attempts" outbox row per active account with that address (none
    when there is no such account).
    """
    failures, _ = abuse.parse_rate(settings.LOGIN_FAILURES_BEFORE_ALERT)
    context = {
        "failures": failures + 1,
        "site_url": settings.SITE_URL,
        "reset_url": absolute_url(reverse("account_reset_password")),
    }
    for user in filter_users_by_email(login, is_active=True):
        outbox.queue_email(
            to=user.email,
            kind=OutboxEmail.Kind.LOGIN_ATTEMPTS,
            language=translation.get_language() or settings.LANGUAGE_CODE,
            context=context,
        )
