"""The code a registrant shows at the door: how it is written and read, which emails carry it, its QR image.

The door code (Registration.door_code) only lets staff check someone in. It is never the
manage token, which opens, changes and cancels a registration: whoever sees a badge, a
printed email or a phone at the entrance learns the door code and nothing more. The
confirmation emails print it and carry it as a QR code, which delivery attaches when it
sends them; the manage page shows both; the staff check-in page accepts nothing else.
"""

import functools
import io
from typing import NamedTuple

import segno

from .models import DOOR_CODE_ALPHABET, DOOR_CODE_LENGTH, OutboxEmail, Registration

# The emails that tell someone they hold a place carry their door code, while
# the registration is confirmed and the event has a door (not a webinar).
CHECKIN_CODE_KINDS = {
    OutboxEmail.Kind.REGISTERED,
    OutboxEmail.Kind.APPROVED,
    OutboxEmail.Kind.PROMOTED,
}
# The Content-ID of the QR code image; the HTML part refers to it as "cid:<this>".
CHECKIN_QR_CID = "checkin-code@ewevents"
# Pixels per QR module: a 12-character code is a 21-module symbol, 232 px with its border.
QR_SCALE = 8
QR_BORDER = 4
# Characters people type for the letters the alphabet leaves out (Crockford's base32).
_READ_AS = str.maketrans({"O": "0", "I": "1", "L": "1"})
_GROUP = 4


class ShownCode(NamedTuple):
    """A door code as a page shows it: grouped text, and its QR code as a data: URI and its side in pixels."""

    text: str
    qr_src: str
    qr_side: int


def carries_checkin_code(*, registration, kind):
    """Return whether an email of `kind` about `registration` carries the door code."""
    return kind in CHECKIN_CODE_KINDS and has_door(registration)


def has_door(registration):
    """Return whether `registration` gets a door code shown: confirmed, for an event with a door."""
    return registration.status == Registration.Status.CONFIRMED and not registration.event.is_online


def grouped(code):
    """`code` in groups of four, "7KQ2-M9XD-4HPA": easier to read out and type than 12 in a row."""
    return "-".join(code[start : start + _GROUP] for start in range(0, len(code), _GROUP))


def normalise(typed):
    """The door code that `typed` (as typed or scanned) stands for, or "" when it can't be one.

    Case, spaces and hyphens don't matter, and O, I and L are read as 0, 1 and 1.
    Anything else, a manage token included, is "": no code has its shape.
    """
    code = "".join(typed.split()).replace("-", "").upper().translate(_READ_AS)
    if len(code) != DOOR_CODE_LENGTH or any(character not in DOOR_CODE_ALPHABET for character in code):
        return ""
    return code


def _qr(code):
    return segno.make_qr(code, error="m")


def checkin_qr_png(code):
    """The PNG bytes of a QR code holding `code`, sized to be scanned from a phone screen."""
    buffer = io.BytesIO()
    _qr(code).save(buffer, kind="png", scale=QR_SCALE, border=QR_BORDER)
    return buffer.getvalue()


def checkin_qr_side(code):
    """The width (and height) in pixels of checkin_qr_png(code)."""
    # Door codes of one length make QR codes of one size: the emails know it without drawing one.
    return _qr_side(len(code))


@functools.cache
def _qr_side(length):
    return _qr(DOOR_CODE_ALPHABET[-1] * length).symbol_size(scale=QR_SCALE, border=QR_BORDER)[0]


def shown_code(registration):
    """The door code of `registration` for its manage page, or None when it gets none (see has_door)."""
    if not has_door(registration):
        return None
    code = registration.door_code
    return ShownCode(
        text=grouped(code),
        qr_src=_qr(code).png_data_uri(scale=QR_SCALE, border=QR_BORDER),
        qr_side=checkin_qr_side(code),
    )
