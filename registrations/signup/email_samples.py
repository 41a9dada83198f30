"""An event's registration emails as a made-up registrant would get them: staff's preview and test send.

The sample registrant is never saved: the email is rendered with the event's real data
(title, times, venue, sessions a guest may see in full) by the same render_email every
registrant's email goes through, so what staff see is what registrants get.
"""

import base64
import datetime as dt

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext

from events.models import Session
from registrations import door_code
from registrations.models import EmailText, OutboxEmail, Registration
from registrations.outbox import rendering
from registrations.outbox import services as outbox
from registrations.signup import emails

# The registration's status each kind of email is about.
_STATUS_OF = {
    EmailText.Kind.WAITLISTED: Registration.Status.WAITLISTED,
    EmailText.Kind.OFFERED: Registration.Status.OFFERED,
    EmailText.Kind.AWAITING_APPROVAL: Registration.Status.PENDING,
    EmailText.Kind.REJECTED: Registration.Status.REJECTED,
    EmailText.Kind.CANCELLED: Registration.Status.CANCELLED,
}
# How many of the event's sessions the sample registrant chose.
SAMPLE_SESSIONS = 2
SAMPLE_EMAIL = "alex.example@example.org"


class SampleError(Exception):
    """The sample can't be sent; nothing was written."""


def sample_registration(*, event, kind, language):
    """An unsaved registration of `event` by a made-up person in `language`, in the status `kind` is about."""
    status = _STATUS_OF.get(kind, Registration.Status.CONFIRMED)
    with translation.override(language):
        name = gettext("Alex Example")
    return Registration(
        event=event,
        name=name,
        email=SAMPLE_EMAIL,
        language=language,
        status=status,
        offered_until=timezone.now() + dt.timedelta(days=2)
        if status == Registration.Status.OFFERED
        else None,
    )


def render_sample(*, event, kind, language, for_browser=False):
    """Render the email of `kind` for `event` in `language` as a made-up registrant would get it.

    Staff's text for that kind and language when there is one (an EmailText), else the
    built-in one. The sample chose the event's first sessions; a guest's visibility applies.
    `for_browser`: the door code's QR image, which delivery attaches to an email (a cid:
    reference), is put in the HTML itself, and the inline styles the page's policy refuses are
    left out, so a page can show it.
    """
    registration = sample_registration(event=event, kind=kind, language=language)
    sessions = list(Session.objects.filter(event=event).order_by("start", "pk")[:SAMPLE_SESSIONS])
    context = {"now": timezone.now(), "recording_url": event.recording_url}
    content = emails.render_email(
        registration=registration, kind=kind, context=context, sessions=sessions, waiting=set()
    )
    if for_browser:
        png = base64.b64encode(door_code.checkin_qr_png(registration.door_code)).decode()
        content["body_html"] = rendering.without_inline_styles(content["body_html"]).replace(
            f"cid:{door_code.CHECKIN_QR_CID}", f"data:image/png;base64,{png}"
        )
    return content


@transaction.atomic
def send_sample(*, event, kind, language, user):
    """Queue the sample email of `kind` in `language` to `user`'s own address; return the outbox row.

    Side effects: inserts one outbox row (no registration, no dedupe key), its subject
    marked as a test; queues its delivery once the transaction commits. Raises
    SampleError, writing nothing, when `user` has no address.
    """
    if not user.email:
        raise SampleError(gettext("Your account has no email address to send a test to."))
    content = render_sample(event=event, kind=kind, language=language)
    content["subject"] = gettext("[Test] %(subject)s") % {"subject": content["subject"]}
    return outbox.queue_email(to=user.email, kind=OutboxEmail.Kind(kind), language=language, content=content)
