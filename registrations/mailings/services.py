"""Mailings: staff-written messages to part of an event's registrants, sent through the outbox.

A mailing is sent once per person, ever: each recipient's outbox row carries the
dedupe key ``mailing:<mailing>:<registration>`` (OutboxEmail.dedupe_key is unique),
and rows are inserted with ``ignore_conflicts``. Starting, resending to those whose
email failed and sending to new audience members all go through that key, so a
double click, a second tab or a task run twice writes nothing twice.

Test emails to staff are rows of the mailing without a dedupe key: they are never
counted as recipients and never keep anyone from receiving the real one.

One audience is not registrants: the confirmed followers of the event's webinar series
(registrations.following), to announce a new webinar. Their rows carry the key
``mailing:<mailing>:follower:<follower>`` and the follower's unsubscribe link, in the body
and as the List-Unsubscribe headers (registrations.outbox.delivery).
"""

import datetime as dt
import html
import re
import secrets
from dataclasses import dataclass
from types import SimpleNamespace

import markdown
import nh3
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone, translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from events.access import Viewer, viewer_of
from ewevents.celery import enqueue
from registrations.following import emails as follower_emails
from registrations.following import selectors as followers
from registrations.models import Mailing, OutboxEmail, Registration, SeriesFollower, SessionChoice
from registrations.outbox import rendering, routing
from registrations.outbox import services as outbox
from registrations.signup.emails import language_of, manage_url

SEND_MAILING_TASK = "registrations.send_mailing"
PLACEHOLDERS = ("name", "manage_link", "practical_information", "event")
_PLACEHOLDER = re.compile(r"\{\{\s*(" + "|".join(PLACEHOLDERS) + r")\s*\}\}")
# Registrations said to want interpretation: a language chosen, not "I don't need it".
NO_INTERPRETATION = ("", "none")
# What staff may write in Markdown and get as HTML; anything else (script, style, event
# handlers, javascript: links) is removed by nh3.
ALLOWED_TAGS = {
    "a",
    "abbr",
    "b",
    "blockquote",
    "br",
    "code",
    "dd",
    "del",
    "div",
    "dl",
    "dt",
    "em",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "i",
    "img",
    "li",
    "ol",
    "p",
    "pre",
    "strong",
    "sub",
    "sup",
    "table",
    "tbody",
    "td",
    "th",
    "thead",
    "tr",
    "ul",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}, "img": {"src", "alt", "title"}}
URL_SCHEMES = {"http", "https", "mailto"}
MARKDOWN_EXTENSIONS = ["extra", "sane_lists", "nl2br"]
INSERT_BATCH = 1000


class MailingError(Exception):
    """The mailing can't do this now (wrong status, no recipients); nothing was changed."""


# --- Audience --------------------------------------------------------------------------------------


def _viewer(user):
    return user if user is not None else AnonymousUser()


def _user_ids_seeing_restricted(registrations):
    """Ids of the registrants' accounts whose audience is affiliate or staff (events.access)."""
    users = get_user_model().objects.filter(pk__in=registrations.values("user_id"))
    return {user.pk for user in users if viewer_of(user) is not Viewer.PUBLIC}


def _session_attendees(mailing, confirmed):
    """Registrations among `confirmed` who chose one of the mailing's sessions.

    When those sessions include restricted ones, only registrants who may see every
    one of them in full (Session.details_visible_to: the visibility rule) are included,
    whichever session they chose: what the mailing says about a restricted session
    never reaches someone who may not see it.
    """
    sessions = list(mailing.sessions.filter(event_id=mailing.event_id).select_related("event"))
    # Those who hold a place in one of them, not those waiting for one.
    chosen = SessionChoice.objects.filter(session__in=sessions, status=SessionChoice.Status.CONFIRMED)
    attendees = confirmed.filter(pk__in=chosen.values("registration_id"))
    restricted = [session for session in sessions if session.is_restricted]
    if restricted:
        allowed = {
            registration.pk
            for registration in attendees.select_related("user")
            if all(session.details_visible_to(_viewer(registration.user)) for session in restricted)
        }
        attendees = attendees.filter(pk__in=allowed)
    return attendees


def _followers_audience(mailing):
    """The confirmed, not unsubscribed followers of the mailing's event's series (since registered_since)."""
    series_id = mailing.event.series_id if mailing.event_id else None
    if series_id is None:
        return SeriesFollower.objects.none()
    audience = followers.active_followers(series_id)
    if mailing.registered_since is not None:
        audience = audience.filter(confirmed_at__gte=mailing.registered_since)
    return audience


def is_for_followers(mailing):
    return mailing.audience == Mailing.Audience.FOLLOWERS


def audience_queryset(mailing):
    """The registrations `mailing` goes to, oldest first (for the followers audience, SeriesFollowers).

    All audiences but the waiting list are confirmed registrations of the mailing's
    event; the waiting list is the waitlisted ones. With registered_since, only those
    registered at or after it. Guests and affiliates split the confirmed registrants by
    events.access.viewer_of: affiliates are those who see restricted sessions
    (members of affiliate organisations, and staff), guests everyone else, including
    those who registered without an account.
    """
    if is_for_followers(mailing):
        return _followers_audience(mailing)
    registrations = Registration.objects.filter(event_id=mailing.event_id)
    if mailing.registered_since is not None:
        registrations = registrations.filter(created__gte=mailing.registered_since)
    if mailing.audience == Mailing.Audience.WAITING_LIST:
        return registrations.filter(status=Registration.Status.WAITLISTED).order_by("created", "pk")
    confirmed = registrations.filter(status=Registration.Status.CONFIRMED)
    audience = mailing.audience
    if audience == Mailing.Audience.GUESTS:
        confirmed = confirmed.exclude(user_id__in=_user_ids_seeing_restricted(confirmed))
    elif audience == Mailing.Audience.AFFILIATES:
        confirmed = confirmed.filter(user_id__in=_user_ids_seeing_restricted(confirmed))
    elif audience == Mailing.Audience.INTERPRETATION:
        confirmed = confirmed.exclude(interpretation_language__in=NO_INTERPRETATION)
    elif audience == Mailing.Audience.SESSIONS:
        if mailing.pk is None:
            return confirmed.none()
        confirmed = _session_attendees(mailing, confirmed)
    return confirmed.order_by("created", "pk")


def audience_count(mailing):
    return audience_queryset(mailing).count()


def search_audience(mailing, query, *, limit):
    """Audience members whose name or address holds `query` (followers: their address), at most `limit`."""
    audience = audience_queryset(mailing)
    if is_for_followers(mailing):
        return list(audience.filter(email__icontains=query)[:limit])
    return list(audience.filter(Q(name__icontains=query) | Q(email__icontains=query))[:limit])


def recipient_rows(mailing):
    """The outbox rows of the mailing's recipients: one per person, tests left out."""
    return OutboxEmail.objects.filter(mailing=mailing, dedupe_key__isnull=False)


@dataclass
class Progress:
    pending: int = 0
    sent: int = 0
    failed: int = 0
    withdrawn: int = 0
    total: int = 0

    @property
    def done(self):
        return self.sent + self.failed + self.withdrawn


def progress_of(mailing):
    """How many of the mailing's recipient rows are pending, sent or failed, and in all."""
    counts = dict(
        recipient_rows(mailing).order_by().values("status").annotate(n=Count("pk")).values_list("status", "n")
    )
    return Progress(
        pending=counts.get(OutboxEmail.Status.PENDING, 0),
        sent=counts.get(OutboxEmail.Status.SENT, 0),
        failed=counts.get(OutboxEmail.Status.FAILED, 0),
        withdrawn=counts.get(OutboxEmail.Status.WITHDRAWN, 0),
        total=sum(counts.values()),
    )


def new_audience(mailing, *, since=None):
    """The audience members who have no row of this mailing yet (registered since `since`, if given)."""
    registrations = audience_queryset(mailing)
    # A follower joins the audience when they confirm; a registrant when they register.
    if is_for_followers(mailing):
        joined, own_rows = "confirmed_at", "follower"
    else:
        joined, own_rows = "created", "registration"
    if since is not None:
        registrations = registrations.filter(**{f"{joined}__gte": since})
    has_row = recipient_rows(mailing).filter(**{own_rows: OuterRef("pk")})
    return registrations.filter(~Exists(has_row))


# --- Rendering -------------------------------------------------------------------------------------


def substitute(text, values):
    """Replace each known placeholder in `text` with its value; unknown ones stay as written.

    A plain replacement, not a template engine: staff text can't reach code or context.
    """
    return _PLACEHOLDER.sub(lambda match: str(values[match.group(1)]), text)


def markdown_to_html(text):
    """Markdown → HTML with only harmless tags and attributes left (nh3)."""
    converted = markdown.markdown(text, extensions=MARKDOWN_EXTENSIONS, output_format="html")
    return nh3.clean(
        converted,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer",
    )


def text_in(mailing, language):
    """The (subject, body) `mailing` says to recipients in `language`: the Spanish ones for
    Spanish speakers where staff wrote them, each falling back to the English one alone."""
    if language == "es":
        return mailing.subject_es.strip() or mailing.subject, mailing.body_es.strip() or mailing.body
    return mailing.subject, mailing.body


class PreparedMailing:
    """A mailing converted once, then filled in per recipient.

    The event's practical information is part of the Markdown (staff write it in
    Markdown too). The per-recipient values (name, manage link, event title) are
    inserted after conversion through random letter-and-digit tokens, which
    Markdown and nh3 leave alone: a name is always text, never markup, and 10,000
    recipients cost one conversion per language, not 10,000.
    """

    def __init__(self, mailing):
        self.mailing = mailing
        self.event = mailing.event
        salt = secrets.token_hex(6)
        names = (*PLACEHOLDERS, "unsubscribe_url")
        self.tokens = {name: f"ewmailing{salt}{name.replace('_', '')}" for name in names}
        self._by_language = {}
        # The manage link reversed once, its token filled in per recipient: a reverse() per
        # recipient would cost more than the rest of their email. Manage tokens are URL-safe
        # (secrets.token_urlsafe), so reverse() would not have quoted them either.
        self._manage_url = manage_url(SimpleNamespace(manage_token=self.tokens["manage_link"]))

    def _wrapped(self, language):
        """Subject, text, HTML and the event's title in `language`, placeholders still as tokens.

        Staff's subject and body in `language` (text_in), and the event's title and
        practical information read in `language` too: each recipient gets them in their
        own language (emails.language_of), whatever language the worker runs in.
        """
        if language not in self._by_language:
            with translation.override(language):
                values = {**self.tokens, "practical_information": self.event.practical_information}
                written_subject, written_body = text_in(self.mailing, language)
                subject = substitute(written_subject, values)
                body_text = substitute(written_body, values)
                context = {
                    "event": self.event,
                    "subject": subject,
                    "body_text": body_text,
                    "body_html": mark_safe(markdown_to_html(body_text)),  # noqa: S308 - sanitised by nh3
                    "manage_url": self.tokens["manage_link"],
                    "for_followers": is_for_followers(self.mailing),
                    "series": self.event.series,
                    "unsubscribe_url": self.tokens["unsubscribe_url"],
                }
                self._by_language[language] = (rendering.render("mailing", context), self.event.title)
        return self._by_language[language]

    def render(self, registration):
        """Return subject, body_text, body_html, ics (always "") and unsubscribe_url for `registration`.

        `registration` may be a SeriesFollower: {{ name }} and {{ manage_link }} are empty for
        them, and their unsubscribe link is in the footer and in unsubscribe_url.
        """
        language = language_of(registration)
        wrapped, event_title = self._wrapped(language)
        subject, body_text, body_html = wrapped["subject"], wrapped["body_text"], wrapped["body_html"]
        is_follower = isinstance(registration, SeriesFollower)
        unsubscribe = follower_emails.unsubscribe_url(registration) if is_follower else ""
        values = {
            "name": registration.name,
            "manage_link": (
                ""
                if is_follower
                else self._manage_url.replace(self.tokens["manage_link"], registration.manage_token)
            ),
            "event": event_title,
            "unsubscribe_url": unsubscribe,
        }
        for name, value in values.items():
            token = self.tokens[name]
            subject = subject.replace(token, value)
            body_text = body_text.replace(token, value)
            body_html = body_html.replace(token, html.escape(value))
        return {
            **rendering.content(
                subject=" ".join(subject.split()), body_text=body_text.strip() + "\n", body_html=body_html
            ),
            "unsubscribe_url": unsubscribe,
        }


def render_mailing(*, mailing, registration):
    """Render `mailing` as `registration` would receive it: subject, body_text, body_html, ics."""
    return PreparedMailing(mailing).render(registration)


# --- Starting points -------------------------------------------------------------------------------


def practical_information_body(event):
    """A Markdown body with the event's venue, directions and practical information."""
    venue = event.venue
    lines = [_("Dear {{ name }},"), "", _("Here is the practical information for {{ event }}."), ""]
    if venue is not None:
        lines += ["## " + _("Venue"), "", f"**{venue.name}**"]
        lines += [line.strip() for line in venue.address.splitlines() if line.strip()]
        lines += [", ".join(part for part in (venue.city, venue.country) if part)]
        if venue.website:
            lines.append(venue.website)
        lines.append("")
        if venue.directions.strip():
            lines += ["## " + _("Getting there"), "", venue.directions.strip(), ""]
    lines += ["## " + _("Practical information"), "", "{{ practical_information }}", ""]
    lines += [
        "## " + _("Hotels and transport"),
        "",
        _(
            "Information about local hotels and transportation to and from the venue: "
            "please add it here before sending."
        ),
        "",
        _("To see, change or cancel your registration: {{ manage_link }}"),
        "",
        _("Kind regards,"),
        _("The events team"),
    ]
    return "\n".join(lines)


@transaction.atomic
def create_practical_information_mailing(*, event, user):
    """Create and return a draft mailing to all confirmed registrants of `event`, prefilled
    with its venue, address, directions and practical information, in English and in Spanish.

    Side effects: inserts one Mailing (draft). Nothing is sent.
    """
    texts = {}
    for language, suffix in ((settings.LANGUAGE_CODE, ""), ("es", "_es")):
        with translation.override(language):
            texts[f"subject{suffix}"] = _("Practical information: {{ event }}")
            texts[f"body{suffix}"] = practical_information_body(event)
    return Mailing.objects.create(
        event=event,
        **texts,
        audience=Mailing.Audience.CONFIRMED,
        created_by=user if getattr(user, "is_authenticated", False) else None,
    )


# --- Sending ---------------------------------------------------------------------------------------


@transaction.atomic
def send_test_mailing(*, mailing, user, registration=None):
    """Queue the mailing to `user`'s own address, as `registration` (or the first of the audience,
    or a stand-in with the user's name) would receive it; return the outbox row.

    Side effects: inserts one outbox row of the mailing, its subject marked as a test and
    without a dedupe key or registration, so it is not counted as a recipient; queues its
    delivery once the transaction commits. Raises MailingError when `user` has no address.
    """
    if not user.email:
        raise MailingError(_("Your account has no email address to send a test to."))
    if is_for_followers(mailing):
        registration = _test_follower(mailing, user, registration)
    elif registration is None:
        registration = audience_queryset(mailing).first() or Registration(
            event=mailing.event, name=user.get_full_name() or user.email, email=user.email, language=""
        )
    rendered = render_mailing(mailing=mailing, registration=registration)
    rendered["subject"] = _("[Test] %(subject)s") % {"subject": rendered["subject"]}
    return outbox.queue_email(
        to=user.email,
        kind=OutboxEmail.Kind.MAILING,
        language=language_of(registration),
        content=rendered,
        mailing=mailing,
    )


# The unsubscribe token of a test's stand-in follower: its link opens "no longer valid", so staff
# trying the link of a test stop nobody's emails.
TEST_UNSUBSCRIBE_TOKEN = "test-email-unsubscribes-nobody"  # noqa: S105 - on purpose no secret


def _test_follower(mailing, user, follower):
    """An unsaved follower with `user`'s address, in `follower`'s language if given, for a test email."""
    return SeriesFollower(
        series=mailing.event.series,
        email=user.email,
        language=follower.language if follower is not None else "",
        unsubscribe_token=TEST_UNSUBSCRIBE_TOKEN,
    )


def _flip(mailing, *, from_status, to_status, **fields):
    """Move the mailing from one status to another with a conditional UPDATE; return whether it moved.

    Of two concurrent callers (double click, two tabs) exactly one sees the row in
    `from_status`: PostgreSQL re-checks the condition after waiting for the other's lock.
    """
    moved = Mailing.objects.filter(pk=mailing.pk, status=from_status).update(status=to_status, **fields)
    return moved == 1


@transaction.atomic
def start_mailing(*, mailing, user):
    """Start sending a draft `mailing` to its audience; return it, updated.

    Side effects: moves the mailing from draft to sending (once: a second call, however
    concurrent, raises MailingError); once the transaction commits, queues
    registrations.send_mailing, which writes one outbox row per recipient and queues
    their delivery (see deliver_mailing). Raises MailingError, changing nothing, when the
    mailing is not a draft or its audience is empty.
    """
    if audience_count(mailing) == 0:
        raise MailingError(_("This mailing has no recipients: choose another audience."))
    moved = _flip(
        mailing,
        from_status=Mailing.Status.DRAFT,
        to_status=Mailing.Status.SENDING,
        sending_started_at=timezone.now(),
        new_since=None,
    )
    if not moved:
        raise MailingError(_("This mailing was already sent or is being sent."))
    mailing_id = mailing.pk
    transaction.on_commit(lambda: queue_send_mailing(mailing_id=mailing_id))
    mailing.refresh_from_db()
    return mailing


@transaction.atomic
def send_to_new_audience(*, mailing, user, since=None):
    """Send a sent `mailing` to the audience members who have not had it (registered since `since`).

    Those who have a row of this mailing are skipped (its dedupe key), so nobody gets it
    twice. Side effects: moves the mailing from sent to sending (once, however
    concurrent) and stores `since` in new_since; once the transaction commits, queues
    registrations.send_mailing. Returns the number of people it will go to. Raises MailingError, changing
    nothing, when the mailing is not sent or nobody new is in its audience.
    """
    count = new_audience(mailing, since=since).count()
    if count == 0:
        raise MailingError(_("Everyone in the audience has had this mailing: nobody new to send it to."))
    moved = _flip(
        mailing,
        from_status=Mailing.Status.SENT,
        to_status=Mailing.Status.SENDING,
        sending_started_at=timezone.now(),
        new_since=since,
    )
    if not moved:
        raise MailingError(_("This mailing is not sent yet or is being sent."))
    mailing_id = mailing.pk
    transaction.on_commit(lambda: queue_send_mailing(mailing_id=mailing_id))
    mailing.refresh_from_db()
    return count


def resend_failed(*, mailing):
    """Queue again the mailing's recipient rows whose sending failed; return how many.

    Side effects: those of registrations.outbox.services.requeue_failed: failed rows go
    back to pending and are queued at MAILING_RATE_PER_MINUTE. Sent rows are never
    touched, so nobody gets the mailing twice.
    """
    return outbox.requeue_failed(recipient_rows(mailing))


def queue_send_mailing(*, mailing_id):
    """Queue the task that writes the mailing's rows (deliver_mailing); False if the broker is down.

    Called from transaction.on_commit; the mailing stays "sending" and task_resume_mailings
    queues it again later.
    """
    return enqueue(
        SEND_MAILING_TASK,
        kwargs={"mailing_id": mailing_id},
        queue=routing.mailing_queue(),
        what=f"mailing {mailing_id}",
        fallback="it is resumed later.",
    )


def deliver_mailing(*, mailing_id, now=None):
    """Write one outbox row per audience member who has none, queue their delivery; return how many.

    Run by registrations.send_mailing for a mailing in sending; does nothing for one
    gone or in another status. When sending again to new audience members, only those
    registered since the mailing's new_since. Safe to run twice, even concurrently: rows are inserted
    with ignore_conflicts on their dedupe key, and delivery sends a row at most once.

    Side effects: inserts OutboxEmail rows in batches (bulk_create); queues their delivery
    in batches, spread to MAILING_RATE_PER_MINUTE (outbox.services.queue_spread: one task per
    batch sending over one SMTP connection); moves the mailing to sent and sets sent_at (the
    first time).
    """
    mailing = Mailing.objects.select_related("event").filter(pk=mailing_id).first()
    if mailing is None or mailing.status != Mailing.Status.SENDING:
        return 0
    now = now or timezone.now()
    prepared = PreparedMailing(mailing)
    rows = (
        _recipient_row(mailing, prepared, recipient)
        for recipient in new_audience(mailing, since=mailing.new_since).iterator(chunk_size=INSERT_BATCH)
    )
    ids = outbox.queue_emails(rows, rate_per_minute=settings.MAILING_RATE_PER_MINUTE)
    _flip(mailing, from_status=Mailing.Status.SENDING, to_status=Mailing.Status.SENT)
    Mailing.objects.filter(pk=mailing.pk, sent_at__isnull=True).update(sent_at=now)
    return len(ids)


def _recipient_row(mailing, prepared, recipient):
    """The unsaved outbox row of `mailing` to `recipient`, a Registration or a SeriesFollower."""
    if isinstance(recipient, SeriesFollower):
        owner, key = {"follower": recipient}, f"mailing:{mailing.pk}:follower:{recipient.pk}"
    else:
        owner, key = {"registration": recipient}, f"mailing:{mailing.pk}:{recipient.pk}"
    return OutboxEmail(
        mailing=mailing,
        to_email=recipient.email,
        kind=OutboxEmail.Kind.MAILING,
        language=language_of(recipient),
        dedupe_key=key,
        **owner,
        **prepared.render(recipient),
    )


# A mailing still sending this long after it started lost its task (see task_resume_mailings).
STALLED_AFTER = dt.timedelta(minutes=10)


def stalled_mailing_ids(*, now=None):
    """Ids of mailings still sending more than STALLED_AFTER after they started."""
    now = now or timezone.now()
    return list(
        Mailing.objects.filter(
            status=Mailing.Status.SENDING, sending_started_at__lt=now - STALLED_AFTER
        ).values_list("pk", flat=True)
    )
