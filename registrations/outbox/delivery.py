"""Sending outbox emails: each row at most once, failures recorded on the row.

A sender first claims the row (a conditional update that sets a random claim and
a lease end), then talks to the SMTP server outside any transaction, then marks
the row sent with an update that only the claim's holder can make. Two tasks for
one row never both send: the second finds the row claimed or no longer pending.
A sender killed mid-send holds no lock; its lease runs out and the next task or
the sweep sends the row.

Bulk rows (a mailing) are sent in batches (send_outbox_batch): one claim for the
batch, one SMTP connection, each row marked sent as soon as the server accepted it,
so a sender killed mid-batch leaves only the rows it had not sent to the lease.

The one gap left is a crash after the SMTP server accepted the message and before
the row is marked: the row is sent once more when the lease ends. Both copies
carry the same Message-ID (OutboxEmail.message_id), so mail systems and people
can tell them apart as one message. That is the usual trade: an email may, very
rarely, arrive twice, but is never lost.
"""

import datetime as dt
import logging
import re
import secrets
import smtplib
import time
from collections import Counter
from email.mime.image import MIMEImage

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.message import SafeMIMEMultipart
from django.db.models import F, Q
from django.utils import timezone

from registrations.door_code import CHECKIN_CODE_KINDS, CHECKIN_QR_CID, checkin_qr_png
from registrations.models import Registration

from .models import OutboxEmail

# A row never tried is re-queued this long after it was written (its task was lost).
REQUEUE_AFTER = dt.timedelta(minutes=1)
# A row tried and still pending belongs to its task's retries, which end well within
# this; after it the retries were lost (say, the broker went down) and the sweep resumes.
RETRIES_LOST_AFTER = dt.timedelta(hours=1)
REQUEUE_BATCH = 200

# Emails that only make sense while the registration still holds its place: one queued
# before a cancellation must not go out after it.
CONFIRMED_ONLY_KINDS = {
    OutboxEmail.Kind.REMINDER,
    OutboxEmail.Kind.TIME_CHANGED,
    OutboxEmail.Kind.RECORDING_AVAILABLE,
}

# Errors the SMTP server answered (and smtplib reset the transaction after): the connection
# still serves the batch's next message. Any other error ends the batch.
RECIPIENT_ERRORS = (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused, smtplib.SMTPDataError)

logger = logging.getLogger(__name__)

_ADDRESS = re.compile(r"[^\s<>()\[\]'\",;:]+@[^\s<>()\[\]'\",;:]+")


class TransientEmailError(Exception):
    """Sending failed in a way that may pass (network, SMTP server); the row stays pending."""


def send_lease():
    """How long a sender may hold a row: well past EMAIL_TIMEOUT's worst case for one message."""
    return dt.timedelta(seconds=settings.EMAIL_SEND_LEASE_SECONDS)


def describe_error(exc):
    """The error's class and message, email addresses blanked: rows and logs keep no personal data."""
    return _ADDRESS.sub("<address>", f"{type(exc).__name__}: {exc}")[:500]


class _MessageWithInlineImages(EmailMultiAlternatives):
    """An email whose HTML shows images attached to it (``cid:``), in a multipart/related.

    mixed[related[alternative[text, html], images...], attachments...]: clients show
    the images in the HTML rather than as attachments.
    """

    def __init__(self, *args, inline_images=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.inline_images = list(inline_images)

    def _create_alternatives(self, msg):
        msg = super()._create_alternatives(msg)
        if not self.inline_images:
            return msg
        related = SafeMIMEMultipart(_subtype="related", encoding=self.encoding or settings.DEFAULT_CHARSET)
        related.attach(msg)
        for image in self.inline_images:
            related.attach(image)
        return related


def _checkin_qr_image(row):
    """The QR code of the row's door code as an inline PNG, or None when the email carries none.

    Regenerated from the registration's door code at send time, so the row stores no image:
    only for the kinds that carry it, when the registration is still confirmed and the
    HTML refers to it (registrations.door_code).
    """
    if row.kind not in CHECKIN_CODE_KINDS or row.registration_id is None:
        return None
    if f"cid:{CHECKIN_QR_CID}" not in row.body_html:
        return None
    code = (
        Registration.objects.filter(pk=row.registration_id, status=Registration.Status.CONFIRMED)
        .values_list("door_code", flat=True)
        .first()
    )
    if code is None:
        return None
    image = MIMEImage(checkin_qr_png(code), "png")
    image.add_header("Content-ID", f"<{CHECKIN_QR_CID}>")
    image.add_header("Content-Disposition", "inline", filename="door-code.png")
    return image


def build_message(row):
    """The email for an outbox row: text, HTML, the check-in QR code inline, the .ics as invite.ics
    and a cancellation as cancel.ics; the List-Unsubscribe headers when the row has an unsubscribe URL."""
    qr_image = _checkin_qr_image(row)
    headers = {"Message-ID": row.message_id}
    if row.unsubscribe_url:
        # RFC 2369 and RFC 8058: mail clients show an "Unsubscribe" button that POSTs
        # "List-Unsubscribe=One-Click" to the URL, without opening a page.
        headers["List-Unsubscribe"] = f"<{row.unsubscribe_url}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message = _MessageWithInlineImages(
        inline_images=[qr_image] if qr_image is not None else [],
        subject=row.subject,
        body=row.body_text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[row.to_email],
        headers=headers,
        reply_to=[settings.REPLY_TO_EMAIL] if settings.REPLY_TO_EMAIL else None,
    )
    if row.body_html:
        message.attach_alternative(row.body_html, "text/html")
    if row.ics:
        message.attach("invite.ics", row.ics, "text/calendar; method=PUBLISH")
    if row.cancel_ics:
        message.attach("cancel.ics", row.cancel_ics, "text/calendar; method=CANCEL")
    return message


def _claim(outbox_id, now):
    """Claim the pending row for a lease; return it, or None if it is gone, done or claimed."""
    claim = secrets.token_hex(16)
    claimed = (
        OutboxEmail.objects.filter(pk=outbox_id, status=OutboxEmail.Status.PENDING)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .update(claim=claim, claimed_until=now + send_lease())
    )
    return OutboxEmail.objects.filter(pk=outbox_id, claim=claim).first() if claimed else None


def _release(row, **changes):
    """Record the outcome on a claimed row; only while the claim is still ours. True if recorded."""
    return bool(
        OutboxEmail.objects.filter(pk=row.pk, claim=row.claim, status=OutboxEmail.Status.PENDING).update(
            claim="", claimed_until=None, **changes
        )
    )


def send_outbox_email(*, outbox_id, now=None):
    """Send the outbox row `outbox_id` if it is still pending; return the row, or None if skipped.

    Skipped: the row is gone, already sent or failed, or claimed by another sender.
    A reminder, time change or recording notice whose registration is no longer
    confirmed is marked withdrawn instead of sent.

    Side effects: sends one email; marks the row sent with sent_at, counting the
    attempt. On an SMTP or network error, counts the attempt and stores the error
    (without addresses) in last_error; after EMAIL_MAX_ATTEMPTS attempts marks the
    row failed, otherwise raises TransientEmailError so the caller retries.
    """
    row = _claim(outbox_id, timezone.now())
    if row is None:
        return None
    if _no_longer_applies(row):
        _release(row, status=OutboxEmail.Status.WITHDRAWN)
        row.refresh_from_db()
        return row
    try:
        build_message(row).send()
    except (smtplib.SMTPException, OSError) as exc:
        error = exc
    else:
        _release(
            row, status=OutboxEmail.Status.SENT, sent_at=now or timezone.now(), attempts=F("attempts") + 1
        )
        row.refresh_from_db()
        return row
    attempts = row.attempts + 1
    failed = attempts >= settings.EMAIL_MAX_ATTEMPTS
    _release(
        row,
        attempts=F("attempts") + 1,
        last_error=describe_error(error),
        status=OutboxEmail.Status.FAILED if failed else OutboxEmail.Status.PENDING,
    )
    row.refresh_from_db()
    if row.status == OutboxEmail.Status.PENDING:
        raise TransientEmailError(row.last_error) from error
    return row


def _no_longer_applies(row):
    if row.kind not in CONFIRMED_ONLY_KINDS or row.registration_id is None:
        return False
    status = Registration.objects.filter(pk=row.registration_id).values_list("status", flat=True).first()
    return status != Registration.Status.CONFIRMED


def _claim_batch(outbox_ids, now):
    """Claim the pending, unclaimed rows among `outbox_ids` for one lease; return them by pk."""
    claim = secrets.token_hex(16)
    claimed = (
        OutboxEmail.objects.filter(pk__in=outbox_ids, status=OutboxEmail.Status.PENDING)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .update(claim=claim, claimed_until=now + send_lease())
    )
    if not claimed:
        return []
    return list(OutboxEmail.objects.filter(pk__in=outbox_ids, claim=claim).order_by("pk"))


def _record_failure(row, error):
    """Count a failed attempt on the claimed `row` with its error; failed after EMAIL_MAX_ATTEMPTS.

    Return the row's status now: pending (to be retried) or failed.
    """
    failed = row.attempts + 1 >= settings.EMAIL_MAX_ATTEMPTS
    status = OutboxEmail.Status.FAILED if failed else OutboxEmail.Status.PENDING
    _release(row, attempts=F("attempts") + 1, last_error=describe_error(error), status=status)
    return status


def _send_claimed(row, connection, now):
    """Send the claimed `row` over the open `connection` and record the outcome; return (status, error)."""
    if _no_longer_applies(row):
        _release(row, status=OutboxEmail.Status.WITHDRAWN)
        return OutboxEmail.Status.WITHDRAWN, None
    try:
        connection.send_messages([build_message(row)])
    except (smtplib.SMTPException, OSError) as exc:
        return _record_failure(row, exc), exc
    _release(row, status=OutboxEmail.Status.SENT, sent_at=now or timezone.now(), attempts=F("attempts") + 1)
    return OutboxEmail.Status.SENT, None


def send_outbox_batch(*, outbox_ids, now=None):
    """Send the pending rows among `outbox_ids` over one SMTP connection; return a Counter of outcomes.

    Rows gone, sent, failed or claimed by another sender are skipped. The others are
    claimed together for one lease (EMAIL_SEND_LEASE_SECONDS) and sent in pk order,
    each marked as soon as the server accepted it, as send_outbox_email marks one row:
    sent, withdrawn (no longer applies), or its attempt and error counted. A sender
    killed mid-batch has marked what it sent; the rest wait for the lease to end.

    A message is started only while half the lease is left, so it ends within the lease
    as a single row's does; rows left then are released for the retry. An error the
    server answered for one recipient is that row's; any other (connection refused or
    lost, timeout) ends the batch, counting the attempt on the row being sent (on every
    row when the connection can't be opened) and releasing the rest.

    Side effects: sends emails; updates each claimed row; logs one line for the batch.
    Raises TransientEmailError, after the batch, when any of its rows is still pending,
    so the caller retries them.
    """
    rows = _claim_batch(outbox_ids, timezone.now())
    outcome = Counter()
    if not rows:
        return outcome
    deadline = time.monotonic() + send_lease().total_seconds() / 2
    connection = get_connection()
    error = None
    try:
        connection.open()
    except (smtplib.SMTPException, OSError) as exc:
        error = exc
        outcome.update(_record_failure(row, exc) for row in rows)
        rows = []
    try:
        for index, row in enumerate(rows):
            if time.monotonic() > deadline:
                outcome["released"] += _release_all(rows[index:])
                break
            status, row_error = _send_claimed(row, connection, now)
            outcome[status] += 1
            error = row_error or error
            if row_error is not None and not isinstance(row_error, RECIPIENT_ERRORS):
                outcome["released"] += _release_all(rows[index + 1 :])
                break
    finally:
        connection.close()
    summary = ", ".join(f"{count} {status}" for status, count in sorted(outcome.items()))
    logger.info("Outbox batch of %s emails: %s.", outcome.total(), summary)
    if outcome[OutboxEmail.Status.PENDING] or outcome["released"]:
        raise TransientEmailError(describe_error(error) if error is not None else "lease running out")
    return outcome


def _release_all(rows):
    """Give the claimed `rows` back untried, for the next sender; return how many."""
    return OutboxEmail.objects.filter(
        pk__in=[row.pk for row in rows],
        claim=rows[0].claim if rows else "",
        status=OutboxEmail.Status.PENDING,
    ).update(claim="", claimed_until=None)


def stale_pending_ids(*, now=None, limit=REQUEUE_BATCH):
    """Ids of pending rows whose task seems lost, oldest first, at most `limit`.

    Never tried and written more than REQUEUE_AFTER ago; or tried, still pending and
    written more than RETRIES_LOST_AFTER ago. A row spread out in time (send_after)
    waits for its turn plus REQUEUE_AFTER.
    """
    now = now or timezone.now()
    return list(
        OutboxEmail.objects.filter(status=OutboxEmail.Status.PENDING)
        .filter(Q(send_after__isnull=True) | Q(send_after__lt=now - REQUEUE_AFTER))
        .filter(Q(attempts=0, created__lt=now - REQUEUE_AFTER) | Q(created__lt=now - RETRIES_LOST_AFTER))
        .order_by("created", "pk")
        .values_list("pk", flat=True)[:limit]
    )
