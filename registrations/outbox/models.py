"""The outbox: one row per email owed, written in the same transaction as the change it reports."""

from django.conf import settings
from django.db import models
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _


class OutboxEmail(models.Model):
    """One email owed, written in the same transaction as the change it reports."""

    class Kind(models.TextChoices):
        REGISTERED = "registered", _("Registered")
        WAITLISTED = "waitlisted", _("Waitlisted")
        AWAITING_APPROVAL = "awaiting_approval", _("Awaiting approval")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        PROMOTED = "promoted", _("Promoted from the waiting list")
        # With an offer time set for the event: a place held for the person until they accept it.
        OFFERED = "offered", _("Place offered from the waiting list")
        OFFER_EXPIRED = "offer_expired", _("Offered place passed on")
        CHANGED = "changed", _("Changed")
        CANCELLED = "cancelled", _("Cancelled")
        # Sent when someone registers again with an address already registered:
        # the page can't say so (it would reveal the registration), the email can.
        MANAGE_LINK = "manage_link", _("Manage link for a repeated registration")
        REMINDER = "reminder", _("Reminder before the event")
        TIME_CHANGED = "time_changed", _("Time changed")
        RECORDING_AVAILABLE = "recording_available", _("Recording available")
        # Sent to someone on a guest list, before any registration exists.
        INVITATION = "invitation", _("Personal invitation")
        # A staff-written message to a mailing's audience (registrations.mailings.services).
        MAILING = "mailing", _("Mailing")
        # Told to an account's address whenever a second factor is set up or removed, so that
        # someone who took the password cannot quietly make the account theirs.
        AUTHENTICATOR_ADDED = "authenticator_added", _("Authenticator app set up")
        AUTHENTICATOR_REMOVED = "authenticator_removed", _("Authenticator app removed")
        # To an account's owner: someone has been trying its password (registrations.accounts).
        LOGIN_ATTEMPTS = "login_attempts", _("Failed logins to an account")
        # allauth's own emails to an account: password reset, address confirmation (registrations.accounts).
        ACCOUNT = "account", _("Account email")
        # To someone who asked to follow a webinar series: the link that confirms it (double opt-in).
        FOLLOW_CONFIRM = "follow_confirm", _("Confirm following a webinar series")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        WITHDRAWN = "withdrawn", _("Withdrawn: no longer applied when its turn came")

    registration = models.ForeignKey(
        "registrations.Registration",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="emails",
        verbose_name=_("registration"),
    )
    invitation = models.ForeignKey(
        "registrations.Invitation",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="emails",
        verbose_name=_("invitation"),
    )
    # Rows of a mailing: one per recipient (dedupe key "mailing:<mailing>:<registration>"),
    # and tests sent to staff (no dedupe key).
    mailing = models.ForeignKey(
        "registrations.Mailing",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="emails",
        verbose_name=_("mailing"),
    )
    # Rows to a follower of a webinar series: its confirmation, and mailings to the series' followers.
    follower = models.ForeignKey(
        "registrations.SeriesFollower",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="emails",
        verbose_name=_("series follower"),
    )
    to_email = models.EmailField(_("to"))
    # Emails that must go at most once (a reminder per offset, a time change per
    # SEQUENCE, ...) carry a key; the unique index makes a second row impossible.
    dedupe_key = models.CharField(_("deduplication key"), max_length=200, null=True, blank=True, unique=True)
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    subject = models.TextField(_("subject"))
    body_text = models.TextField(_("plain text body"))
    body_html = models.TextField(_("HTML body"), blank=True)
    ics = models.TextField(_("calendar attachment"), blank=True)
    # A METHOD:CANCEL file withdrawing entries an earlier email's .ics added (cancel.ics).
    cancel_ics = models.TextField(_("calendar cancellation"), blank=True)
    language = models.CharField(_("language"), max_length=10, default="en")
    # Set on every email to a series follower: delivery adds List-Unsubscribe headers (RFC 2369,
    # RFC 8058) pointing here, so mail clients offer one-click unsubscribe.
    # With a database default: the previous release, still running while the upgrade migrates,
    # writes rows without this column.
    unsubscribe_url = models.CharField(
        _("unsubscribe URL"), max_length=500, blank=True, default="", db_default=""
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    # Set when delivery is deliberately spread out (mailings at a rate): the sweep
    # must not send such a row before its turn.
    send_after = models.DateTimeField(_("send after"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    # A sender claims the row for a lease before talking to the SMTP server, and only the
    # holder of the claim may mark it; a sender that dies loses the row when the lease ends.
    claim = models.CharField(_("claim"), max_length=32, blank=True)
    claimed_until = models.DateTimeField(_("claimed until"), null=True, blank=True)
    created = models.DateTimeField(_("created"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        ordering = ["created", "pk"]
        verbose_name = _("outbox email")
        verbose_name_plural = _("outbox emails")
        indexes = [
            models.Index(fields=["status", "created"], name="outbox_status_created"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} → {self.to_email}"

    @property
    def message_id(self):
        """The Message-ID of every copy of this email: a resend after a crash is recognisably the same."""
        domain = settings.CALENDAR_UID_DOMAIN
        # Keyed by the site's secret, so two deployments never make the same id for one row number.
        digest = salted_hmac("outbox-message-id", str(self.pk)).hexdigest()[:20]
        return f"<{self.pk}.{digest}@{domain}>"
