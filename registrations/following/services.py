"""Following a series: asking to, confirming, unsubscribing, and forgetting those who never confirmed.

Nothing here tells a visitor whether an address follows a series: `follow` answers the same
for every address, and only the address's mailbox learns more.
"""

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from registrations.models import OutboxEmail, SeriesFollower, new_follower_token
from registrations.outbox import services as outbox

from . import emails


def _confirmation_due(follower, now):
    if follower.confirmation_sent_at is None:
        return True
    return now - follower.confirmation_sent_at >= dt.timedelta(minutes=settings.SERIES_FOLLOW_RESEND_MINUTES)


@transaction.atomic
def follow(*, series, email, language, now=None):
    """Ask to follow `series` with `email`; return the SeriesFollower (new or as it was).

    A new address gets a follower row waiting for confirmation. An address already
    following is left as it is, and gets no email. An address waiting for confirmation, or
    that unsubscribed, gets the confirmation email again, at most once every
    SERIES_FOLLOW_RESEND_MINUTES (asked again sooner, nothing happens).

    Side effects: may insert a SeriesFollower; queues a follow_confirm email (emails.queue_confirmation)
    and sets confirmation_sent_at when one is due.
    """
    now = now or timezone.now()
    email = email.strip()
    follower, _created = SeriesFollower.objects.select_for_update().get_or_create(
        series=series, email__iexact=email, defaults={"email": email, "language": language}
    )
    if follower.is_active or not _confirmation_due(follower, now):
        return follower
    follower.language = language
    follower.confirmation_sent_at = now
    follower.save(update_fields=["language", "confirmation_sent_at"])
    emails.queue_confirmation(follower)
    return follower


@transaction.atomic
def confirm(*, follower, now=None):
    """Confirm `follower` (they pressed the button on the page their email's link opened); return it.

    From then on the series' mailings to followers reach them. Confirming again changes nothing.
    Side effects: sets confirmed_at, clears unsubscribed_at (one who unsubscribed and asked again).
    """
    follower = SeriesFollower.objects.select_for_update().get(pk=follower.pk)
    if not follower.is_active:
        follower.confirmed_at = now or timezone.now()
        follower.unsubscribed_at = None
        follower.save(update_fields=["confirmed_at", "unsubscribed_at"])
    return follower


@transaction.atomic
def unsubscribe(*, follower, now=None):
    """Stop the emails to `follower`; return it. Unsubscribing again changes nothing.

    Side effects: sets unsubscribed_at; gives the follower a new confirm token, so an old
    confirmation email cannot follow again (asking again on the series page sends a new one);
    withdraws their emails still pending (a mailing being sent).
    """
    follower = SeriesFollower.objects.select_for_update().get(pk=follower.pk)
    if follower.unsubscribed_at is None:
        follower.unsubscribed_at = now or timezone.now()
        follower.confirm_token = new_follower_token()
        follower.save(update_fields=["unsubscribed_at", "confirm_token"])
        OutboxEmail.objects.filter(follower=follower, status=OutboxEmail.Status.PENDING).update(
            status=OutboxEmail.Status.WITHDRAWN
        )
    return follower


def retention_cutoff(now=None):
    """Followers unconfirmed or unsubscribed since before this are forgotten; None when kept forever."""
    days = settings.SERIES_FOLLOWER_RETENTION_DAYS
    if not days:
        return None
    return (now or timezone.now()) - dt.timedelta(days=days)


@transaction.atomic
def forget_expired(*, now=None):
    """Delete the followers who never confirmed, or unsubscribed, over SERIES_FOLLOWER_RETENTION_DAYS ago.

    An unconfirmed follower counts from the last confirmation email sent (or from when they
    asked). The emails sent to them keep their kind and status, without recipient or content
    (outbox.erase). Returns how many followers were deleted.
    """
    cutoff = retention_cutoff(now)
    if cutoff is None:
        return 0
    never_confirmed = SeriesFollower.objects.filter(confirmed_at__isnull=True, created_at__lt=cutoff).exclude(
        confirmation_sent_at__gte=cutoff
    )
    unsubscribed = SeriesFollower.objects.filter(unsubscribed_at__lt=cutoff)
    pks = list((never_confirmed | unsubscribed).values_list("pk", flat=True))
    outbox.erase(OutboxEmail.objects.filter(follower__in=pks))
    deleted, _by_model = SeriesFollower.objects.filter(pk__in=pks).delete()
    return deleted
