"""The wording staff write for an event's registration emails (EmailText), and the built-in one.

Staff write plain text with placeholders such as ``{{ name }}``: a plain replacement from
a fixed list, never a template engine, so staff text can't reach code or context. An
unknown placeholder or a template tag is a form error (validate_text). The HTML part is
made from the text: every character escaped, blank lines as paragraphs, links made
clickable (to_html). What the system always adds to a registration email (the manage
link, the door code, the join link, the details, the .ics files) lives in the templates
around the text, so staff can't leave it out.
"""

import re

from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.html import linebreaks, urlize
from django.utils.safestring import mark_safe
from django.utils.timesince import timeuntil
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop as noop

from events import page_cache
from registrations.models import EmailText
from registrations.scopes import signup_scope

# name → what it becomes; the order is the one the admin and README list them in.
PLACEHOLDERS = {
    "name": _("the registrant's name"),
    "event": _("the event's title"),
    "when": _("the event's dates and times, in the event's time zone and the registrant's"),
    "venue": _("the venue's name and city (empty for an online event)"),
    "sessions": _("the sessions the registrant chose, one per line"),
    "status": _("the status of the registration"),
    "manage_link": _("the registrant's private link to see, change or cancel their registration"),
    "event_link": _("the link to the event's page"),
    "offer_deadline": _("until when a place offered is held (place offered emails)"),
    "starts_in": _("how long until the event starts (reminders)"),
    "recording_link": _("the link to the recording (follow-ups)"),
}
# A placeholder, or a Django template tag, which staff text may not hold.
_PLACEHOLDER = re.compile(r"\{\{(.*?)\}\}", re.DOTALL)
_TEMPLATE_TAG = re.compile(r"\{%.*?%\}", re.DOTALL)

_GREETING = noop("Dear %(name)s,")
# The built-in wording of each kind, as the templates in templates/registrations/email/
# say it (the same messages, so their Spanish is the templates'): subject, then paragraphs.
# Where a template chooses between sentences, this is its most general one.
_BUILT_IN = {
    EmailText.Kind.REGISTERED: (
        noop("You are registered: %(title)s"),
        [
            noop("Thank you for registering for %(title)s. Your place is confirmed."),
            noop("A calendar file with the event is attached."),
        ],
    ),
    EmailText.Kind.WAITLISTED: (
        noop("You are on the waiting list: %(title)s"),
        [
            noop(
                "Thank you for registering for %(title)s. All places are taken at the moment, so you "
                "are on the waiting list."
            ),
            noop(
                "If a place becomes free, it is offered in the order people joined the list, and we "
                "will email you straight away."
            ),
        ],
    ),
    EmailText.Kind.OFFERED: (
        noop("A place is held for you: %(title)s"),
        [
            noop("Good news: a place has become free for %(title)s."),
            noop(
                "It is held for you until %(deadline)s: to take it, open your personal link below and "
                "accept it. If you have not accepted it by then, it passes to the next person on the "
                "waiting list."
            ),
        ],
    ),
    EmailText.Kind.PROMOTED: (
        noop("A place is yours: %(title)s"),
        [
            noop(
                "Good news: a place has become free for %(title)s and it is yours. Your registration is "
                "confirmed."
            ),
            noop("A calendar file with the event is attached."),
        ],
    ),
    EmailText.Kind.AWAITING_APPROVAL: (
        noop("We received your registration: %(title)s"),
        [
            noop(
                "Thank you for registering for %(title)s. The organisers review every registration for "
                "this event."
            ),
            noop("We will email you as soon as they have decided. You do not need to do anything now."),
        ],
    ),
    EmailText.Kind.APPROVED: (
        noop("Your registration is approved: %(title)s"),
        [
            noop(
                "Good news: the organisers have approved your registration for %(title)s. Your place is "
                "confirmed."
            ),
            noop("A calendar file with the event is attached."),
        ],
    ),
    EmailText.Kind.REJECTED: (
        noop("Your registration was not accepted: %(title)s"),
        [
            noop("We are sorry: the organisers could not accept your registration for %(title)s."),
            noop("If you have questions, please reply to this email."),
        ],
    ),
    EmailText.Kind.REMINDER: (
        noop("Reminder: %(title)s"),
        [noop("A reminder: %(title)s starts in %(starts_in)s.")],
    ),
    EmailText.Kind.RECORDING_AVAILABLE: (
        noop("The recording is available: %(title)s"),
        [noop("The recording of %(title)s is now available:")],
    ),
    EmailText.Kind.CANCELLED: (
        noop("Your registration is cancelled: %(title)s"),
        [
            noop("Your registration for %(title)s has been cancelled."),
            noop("If this was a mistake, you can register again while registration is open."),
        ],
    ),
    EmailText.Kind.CHANGED: (
        noop("Your registration was updated: %(title)s"),
        [noop("Your registration for %(title)s has been updated. Please check the details below.")],
    ),
}
# Placeholders standing in for the templates' own variables in the built-in wording.
_AS_PLACEHOLDERS = {
    "title": "{{ event }}",
    "name": "{{ name }}",
    "deadline": "{{ offer_deadline }}",
    "starts_in": "{{ starts_in }}",
}


def editable(kind):
    """Return whether staff may write the wording of emails of `kind` (an OutboxEmail.Kind value)."""
    return kind in EmailText.Kind.values


def built_in(kind, language):
    """The built-in (subject, body) of `kind` in `language`, with placeholders: where staff start from."""
    subject, paragraphs = _BUILT_IN[EmailText.Kind(kind)]
    with translation.override(language):
        body = [gettext(_GREETING), *(gettext(paragraph) for paragraph in paragraphs)]
        body = "\n\n".join(paragraph % _AS_PLACEHOLDERS for paragraph in body)
        if kind == EmailText.Kind.RECORDING_AVAILABLE:
            body += "\n{{ recording_link }}"
        return gettext(subject) % _AS_PLACEHOLDERS, body


def placeholder_list():
    """'{{ name }}, {{ event }}, …': every placeholder, as staff write them."""
    return ", ".join(f"{{{{ {name} }}}}" for name in PLACEHOLDERS)


def validate_text(text):
    """Raise ValidationError naming each problem if `text` holds an unknown placeholder or a template tag."""
    errors = []
    if _TEMPLATE_TAG.search(text):
        errors.append(
            ValidationError(
                _("Template tags are not supported: write plain text with placeholders such as {{ name }}."),
                code="template_tag",
            )
        )
    unknown = []
    for match in _PLACEHOLDER.finditer(text):
        name = match.group(1).strip()
        if name not in PLACEHOLDERS and match.group(0) not in unknown:
            unknown.append(match.group(0))
    if unknown:
        errors.append(
            ValidationError(
                _("Unknown placeholder: %(unknown)s. The placeholders you can use are %(known)s."),
                code="unknown_placeholder",
                params={"unknown": ", ".join(unknown), "known": placeholder_list()},
            )
        )
    if errors:
        raise ValidationError(errors)


def substitute(text, values):
    """`text` with each known placeholder replaced by its value in `values` (plain text)."""

    def value(match):
        name = match.group(1).strip()
        return str(values.get(name, "")) if name in PLACEHOLDERS else match.group(0)

    return _PLACEHOLDER.sub(value, text)


def to_html(text):
    """Plain `text` as HTML: all escaped, blank lines as paragraphs, line breaks kept, links clickable."""
    # urlize escapes all but the links it makes; linebreaks then adds <p> and <br> only.
    return mark_safe(linebreaks(urlize(text.strip(), nofollow=False, autoescape=True)))  # noqa: S308


def staff_text(*, event, kind, language):
    """The EmailText staff wrote for `event`'s emails of `kind` in `language`, or None.

    Every registration's email reads one: all of the event's are kept in the cache under its
    signup scope, which every write of them bumps (registrations.scopes).
    """
    if not editable(kind):
        return None
    scopes = [signup_scope(event.pk)]
    texts = page_cache.cached_object(f"email-texts:{event.pk}", scopes, lambda: _texts_of(event))
    return texts.get((kind, language))


def _texts_of(event):
    return {(text.kind, text.language): text for text in EmailText.objects.filter(event=event).order_by("pk")}


def _venue(event):
    venue = event.venue
    if venue is None:
        return ""
    return ", ".join(part for part in (venue.name, venue.city) if part)


def values_for(context):
    """The placeholders' values for a registration email rendered with the templates' `context`."""
    registration, event = context["registration"], context["event"]
    sessions = []
    for session in [*context.get("sessions", []), *context.get("waiting_sessions", [])]:
        times = getattr(session, "times", None) or []
        sessions.append(f"- {session.title}" + (f" ({times[0]})" if times else ""))
    now = context.get("now")
    return {
        "name": registration.name,
        "event": event.title,
        "when": "; ".join(context.get("event_times", [])),
        "venue": _venue(event),
        "sessions": "\n".join(sessions),
        "status": context.get("status", ""),
        "manage_link": context.get("manage_url", ""),
        "event_link": context.get("event_url", ""),
        "offer_deadline": context.get("offer_deadline", ""),
        "starts_in": timeuntil(event.start, now) if now else "",
        "recording_link": context.get("recording_url") or event.recording_url,
    }


def apply(text, context):
    """What `text` (an EmailText or None) changes in an email rendered with `context`.

    Returns (subject or None, context additions): the staff subject with placeholders
    filled in, and ``staff_message_text`` / ``staff_message_html``, which the base
    templates show instead of the built-in greeting and message. Nothing when staff
    wrote nothing.
    """
    if text is None or not (text.subject.strip() or text.body.strip()):
        return None, {}
    values = values_for(context)
    subject = substitute(text.subject, values) if text.subject.strip() else None
    additions = {}
    if text.body.strip():
        body = substitute(text.body, values).strip()
        additions = {"staff_message_text": body, "staff_message_html": to_html(body)}
    return subject, additions
