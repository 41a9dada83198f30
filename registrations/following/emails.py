"""A follower's links and the confirmation email (double opt-in), queued through the outbox."""

from django.urls import reverse

from ewevents.site import absolute_url
from registrations.models import OutboxEmail
from registrations.outbox import services as outbox


def confirm_url(follower):
    """The link that opens the page confirming `follower` (a button there confirms, not the link)."""
    return absolute_url(reverse("registrations:follow_confirm", kwargs={"token": follower.confirm_token}))


def unsubscribe_url(follower):
    """The link that stops the emails: a page with a button, and the target of one-click POSTs (RFC 8058)."""
    return absolute_url(
        reverse("registrations:follow_unsubscribe", kwargs={"token": follower.unsubscribe_token})
    )


def queue_confirmation(follower):
    """Queue the email with `follower`'s confirmation link, in their language; return the outbox row.

    Side effects: one outbox row of kind follow_confirm, with the unsubscribe link as its
    List-Unsubscribe header (registrations.outbox.delivery); sent once the caller's
    transaction commits.
    """
    return outbox.queue_email(
        to=follower.email,
        kind=OutboxEmail.Kind.FOLLOW_CONFIRM,
        language=follower.language,
        context={
            "series": follower.series,
            "confirm_url": confirm_url(follower),
            "unsubscribe_url": unsubscribe_url(follower),
        },
        follower=follower,
        unsubscribe_url=unsubscribe_url(follower),
    )
