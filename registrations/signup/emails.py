"""The emails a registration owes: their context, rendered in the registrant's language, and queued.

Each kind of email is three templates in ``templates/registrations/email/``, rendered by
registrations.outbox.rendering; this module gathers what they show (sessions the
registrant may see in full, times in their zones, the manage link, the door code, the .ics).
Where staff wrote the subject or message of an event's emails of a kind in the
registrant's language (registrations.signup.email_texts), theirs replace the built-in ones.
"""

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db.models import Prefetch
from django.urls import reverse
from django.utils import translation
from django.utils.formats import date_format
from django.utils.http import urlencode

from events.calendar import cancel_calendar, event_calendar
from events.models import Session, SessionSpeaker
from events.times import date_pattern, zoned_ranges
from registrations import door_code
from registrations.models import OutboxEmail, Registration, SessionChoice
from registrations.outbox import rendering
from registrations.outbox import services as outbox
from registrations.signup import email_texts

# Emails that tell someone they hold a place carry the programme as an .ics file.
CALENDAR_KINDS = {
    OutboxEmail.Kind.REGISTERED,
    OutboxEmail.Kind.APPROVED,
    OutboxEmail.Kind.PROMOTED,
    OutboxEmail.Kind.CHANGED,
    # The updated entries: same UIDs, a higher SEQUENCE, so calendar apps replace them.
    OutboxEmail.Kind.TIME_CHANGED,
}

# Emails that give a confirmed registrant the join link (Registration.join_url), in the
# text and in their .ics: a time change's .ics replaces the entry, so it keeps the link.
JOIN_LINK_KINDS = {*CALENDAR_KINDS, OutboxEmail.Kind.REMINDER}


def manage_url(registration):
    """The absolute, private link to the registration's manage page."""
    return settings.SITE_URL + reverse("registrations:manage", kwargs={"token": registration.manage_token})


def invitation_url(invitation):
    """The absolute, personal link to register with `invitation`."""
    path = reverse("registrations:register", kwargs={"slug": invitation.event.slug})
    return f"{settings.SITE_URL}{path}?{urlencode({'invitation': invitation.token})}"


def absolute_url(path):
    return settings.SITE_URL + path


def language_of(registration):
    """The registrant's language if the site has it, else the site's: rows stored before issue 16 may not."""
    language = registration.language
    return language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


def _viewer(registration):
    """Whom the email is for, for visibility: the registrant's account, or an anonymous visitor."""
    return registration.user if registration.user_id else AnonymousUser()


def _sessions_in_full(registration, viewer, chosen=None):
    """The chosen sessions `viewer` may see in full, with speakers, ready for events.calendar.

    The registration's sessions, or `chosen` for a registration not saved yet. Filtering
    with `in_full=True` is what keeps a restricted session's details out of a guest's
    email, even if such a session is attached to the registration.
    """
    if chosen is None:
        sessions = registration.sessions.all()
    elif chosen:
        sessions = Session.objects.filter(pk__in=[session.pk for session in chosen])
    else:
        return []
    sessions = list(
        sessions.visible_to(viewer, in_full=True)
        .select_related("event__venue")
        .prefetch_related(
            Prefetch(
                "session_speakers",
                queryset=SessionSpeaker.objects.select_related("speaker"),
                to_attr="visible_speakers",
            )
        )
        .order_by("start", "end", "pk")
    )
    for session in sessions:
        session.show_details = True
    return sessions


def _when(zoned):
    """'Monday 17 June 2030, 10:00–11:00 London time (BST)', in the active language."""
    start = date_format(zoned.start, date_pattern("l j F Y, G:i"))
    if zoned.spans_days:
        return f"{start} – {date_format(zoned.end, date_pattern('l j F Y, G:i'))} {zoned.label}"
    return f"{start}–{date_format(zoned.end, 'G:i')} {zoned.label}"


def _zones(registration):
    """The event's zone first, then the registrant's own zone when it is set and different."""
    return [registration.event.time_zone, registration.time_zone]


def _offer_deadline(registration, moment):
    """When a place offered lapses, as the registrant's emails state times, or ""."""
    if moment is None:
        return ""
    zoned = zoned_ranges(moment, moment, _zones(registration))
    return " / ".join(f"{date_format(z.start, date_pattern('l j F Y, G:i'))} {z.label}" for z in zoned)


def times_for(*, registration, start, end):
    """`start`–`end` as the registrant's emails state times: in the event's zone and their own."""
    with translation.override(language_of(registration)):
        return [_when(zoned) for zoned in zoned_ranges(start, end, _zones(registration))]


def _door_code_context(registration, kind):
    if not door_code.carries_checkin_code(registration=registration, kind=kind):
        return {"checkin_code": ""}
    return {
        "checkin_code": door_code.grouped(registration.door_code),
        "checkin_qr_src": f"cid:{door_code.CHECKIN_QR_CID}",
        "checkin_qr_side": door_code.checkin_qr_side(registration.door_code),
    }


def _held_and_waiting(registration, sessions, waiting):
    """Split a confirmed registration's `sessions` into those it holds a place in and those it waits for.

    `waiting` holds the pks of the sessions waited for, or is None to read them.
    """
    if registration.status != Registration.Status.CONFIRMED:
        return sessions, []
    if waiting is None:
        waiting_choices = registration.choices.filter(status=SessionChoice.Status.WAITING)
        waiting = set(waiting_choices.values_list("session_id", flat=True))
    return [s for s in sessions if s.pk not in waiting], [s for s in sessions if s.pk in waiting]


def render_email(*, registration, kind, context=None, sessions=None, waiting=None):
    """Render the email of `kind` for `registration`; return its content (registrations.outbox.rendering).

    Rendered in the registrant's language; `context` adds template variables. `sessions`
    are the chosen sessions of a registration not saved yet (services.register renders
    its email before taking the lock), and `waiting` the pks of those it waits for; else
    the registration's own are read. A confirmed registrant's email lists the sessions
    they hold a place in (`sessions`) apart from those they wait for (`waiting_sessions`);
    others' list all they chose. `ics` is the text of an iCalendar file holding only what
    the registrant may see and holds a place in, or "" for emails that carry none. Where
    staff wrote the subject or message of the event's emails of `kind` in the registrant's
    language (an EmailText), theirs replace the built-in ones (email_texts.apply).
    """
    kind = OutboxEmail.Kind(kind)
    event = registration.event
    viewer = _viewer(registration)
    join_url = registration.join_url if kind in JOIN_LINK_KINDS else ""
    with translation.override(language_of(registration)):
        zones = _zones(registration)
        chosen = _sessions_in_full(registration, viewer, sessions)
        for session in chosen:
            session.times = [_when(zoned) for zoned in zoned_ranges(session.start, session.end, zones)]
        sessions, waiting_sessions = _held_and_waiting(registration, chosen, waiting)
        context = {
            "registration": registration,
            "event": event,
            "kind": kind,
            "status": registration.get_status_display(),
            "manage_url": manage_url(registration),
            "event_url": absolute_url(event.get_absolute_url()),
            "event_times": [_when(zoned) for zoned in zoned_ranges(event.start, event.end, zones)],
            "sessions": sessions,
            "waiting_sessions": waiting_sessions,
            # The door code (never the manage token), printed and as a QR image that delivery attaches.
            **_door_code_context(registration, kind),
            **(context or {}),
            "offer_deadline": _offer_deadline(
                registration, (context or {}).get("offered_until") or registration.offered_until
            ),
            # After the caller's context: only the rule above ever gives a join link.
            "join_url": join_url,
        }
        # What staff wrote for this event's emails of this kind in the registrant's language.
        subject, staff_additions = email_texts.apply(
            email_texts.staff_text(event=event, kind=kind, language=language_of(registration)), context
        )
        context.update(staff_additions)
        ics = ""
        if kind in CALENDAR_KINDS and registration.status == Registration.Status.CONFIRMED:
            ics = event_calendar(
                event,
                sessions,
                build_url=absolute_url,
                join_url=join_url,
                method="PUBLISH",
                extra_sequence=registration.calendar_sequence,
            ).decode()
        return rendering.render(kind, context, ics=ics, subject=subject)


def held_session_pks(registration):
    """The pks of the sessions whose entries a confirmed registrant's emailed .ics files hold.

    None when the registration is not confirmed: its emails carry no .ics. A confirmed
    registration holding no session the registrant may see in full has the event's entry.
    """
    if registration.status != Registration.Status.CONFIRMED:
        return None
    holding = registration.choices.filter(status__in=SessionChoice.HOLDING)
    return set(holding.values_list("session_id", flat=True))


def _visible_held(registration, pks):
    return _sessions_in_full(registration, _viewer(registration), [Session(pk=pk) for pk in pks])


def own_calendar(registration):
    """The .ics of what the confirmed `registration` holds, for its manage page; None when not confirmed.

    The entries its emailed files hold (held_session_pks): the sessions the registrant holds a
    place in and may see in full, or the event's entry when there are none, with the join link
    and the same UIDs and SEQUENCE, so adding it after an emailed file replaces rather than doubles.
    In the active language.
    """
    held = held_session_pks(registration)
    if held is None:
        return None
    return event_calendar(
        registration.event,
        _visible_held(registration, held),
        build_url=absolute_url,
        join_url=registration.join_url,
        extra_sequence=registration.calendar_sequence,
    )


def _calendar_cancellation(registration, held_before):
    """A METHOD:CANCEL .ics withdrawing the entries the registrant's files held (`held_before`), or "".

    `held_before` is held_session_pks from before the change. When something is
    withdrawn, raises registration.calendar_sequence (saved) first, so the cancellation,
    and every file after it, outranks the files before.
    """
    if held_before is None:
        return ""
    before = _visible_held(registration, held_before)
    held_now = held_session_pks(registration)
    if held_now is None:  # no longer confirmed: every entry goes, the event's if it had no session
        withdrawn, event_withdrawn = before, not before
    else:
        after = {session.pk for session in _visible_held(registration, held_now)}
        withdrawn = [session for session in before if session.pk not in after]
        event_withdrawn = not before and bool(after)
    if not withdrawn and not event_withdrawn:
        return ""
    registration.calendar_sequence += 1
    registration.save(update_fields=["calendar_sequence"])
    with translation.override(language_of(registration)):
        return cancel_calendar(
            registration.event,
            withdrawn,
            build_url=absolute_url,
            attendee=registration.email,
            extra_sequence=registration.calendar_sequence,
        ).decode()


def render_invitation_email(*, invitation):
    """Render the "invitation" email with `invitation`'s personal link; return its content.

    There is no registration yet, so it is rendered in the event's language and its
    times are in the event's zone only. It carries no .ics: the invitation holds no place.
    """
    kind = OutboxEmail.Kind.INVITATION
    event = invitation.event
    with translation.override(event.language or settings.LANGUAGE_CODE):
        times = zoned_ranges(event.start, event.end, [event.time_zone])
        context = {
            "invitation": invitation,
            "event": event,
            "kind": kind,
            "invitation_url": invitation_url(invitation),
            "event_url": absolute_url(event.get_absolute_url()),
            "event_times": [_when(zoned) for zoned in times],
        }
        return rendering.render(kind, context)


def queue_registration_email(
    *, registration, kind, dedupe_key=None, context=None, content=None, held_before=None
):
    """Write one pending outbox row of `kind` to the registrant, in the caller's transaction; return it.

    Rendered now (render_email) in the registrant's language, unless `content` was
    rendered already; `context` adds template variables (say, the old time of a time
    change). With a `dedupe_key` already taken, nothing is rendered or written.
    `held_before` (held_session_pks before a cancellation, rejection or change) adds a
    cancel.ics withdrawing the calendar entries the registrant no longer holds.

    Side effects: those of registrations.outbox.services.queue_email, and of
    _calendar_cancellation.
    """
    existing = outbox.find_queued(dedupe_key)
    if existing is not None:
        return existing
    cancel_ics = _calendar_cancellation(registration, held_before)
    if content is None:
        context = {**(context or {}), "withdraws_calendar_entries": bool(cancel_ics)}
        content = render_email(registration=registration, kind=kind, context=context)
    return outbox.queue_email(
        to=registration.email,
        kind=kind,
        language=language_of(registration),
        content={**content, "cancel_ics": cancel_ics},
        dedupe_key=dedupe_key,
        registration=registration,
    )


def queue_invitation_email(*, invitation):
    """Write the "invitation" outbox row with `invitation`'s personal link; return it.

    Side effects: those of registrations.outbox.services.queue_email.
    """
    return outbox.queue_email(
        to=invitation.email,
        kind=OutboxEmail.Kind.INVITATION,
        language=invitation.event.language,
        content=render_invitation_email(invitation=invitation),
        invitation=invitation,
    )
