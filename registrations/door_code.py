"""The code a registrant shows at the door: which emails carry it, and its QR image.

The code is the registration's manage token: the confirmation emails print it and
carry it as a QR code, which delivery attaches when it sends them.
"""

import io

import segno

from .models import OutboxEmail, Registration

# The emails that tell someone they hold a place carry their check-in code, while
# the registration is confirmed and the event has a door (not a webinar).
CHECKIN_CODE_KINDS = {
    OutboxEmail.Kind.REGISTERED,
    OutboxEmail.Kind.APPROVED,
    OutboxEmail.Kind.PROMOTED,
}
# The Content-ID of the QR code image; the HTML part refers to it as "cid:<this>".
CHECKIN_QR_CID = "checkin-code@ewevents"


def carries_checkin_code(*, registration, kind):
    """Return whether an email of `kind` about `registration` carries the check-in code."""
    return (
        kind in CHECKIN_CODE_KINDS
        and registration.status == Registration.Status.CONFIRMED
        and not registration.event.is_online
    )


def checkin_qr_png(code):
    """The PNG bytes of a QR code holding `code`, sized to be scanned from a phone screen."""
    buffer = io.BytesIO()
    segno.make_qr(code, error="m").save(buffer, kind="png", scale=6, border=4)
    return buffer.getvalue()
