"""Registrations for events, their per-event settings, guest lists, mailings, calendar feed tokens
and the followers of webinar series.

The outbox's model lives with the outbox (registrations/outbox/models.py) and is imported at
the end of this module, where Django looks for the app's models.
"""

import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from events.models import Event, Session, WebinarSeries, validate_time_zone
from ewevents.versions import VersionedModel, VersionedQuerySet

from .scopes import scopes_of, signup_scope

# The answers a registration form may ask for, and how each can be configured.
OPTIONAL_FIELDS = (
    "organisation",
    "role",
    "country",
    "attendee_type",
    "dietary_needs",
    "accessibility_needs",
    "interpretation_language",
    "participant_list_consent",
)


# The fixed answers above that a registration keeps in its own columns and that staff manage as
# built-in questions (Question.field): all of them. Their kind is fixed by the column.
FIXED_QUESTION_KINDS = {
    "organisation": "text",
    "role": "text",
    "country": "country",
    "attendee_type": "single_choice",
    "dietary_needs": "long_text",
    "accessibility_needs": "long_text",
    "interpretation_language": "single_choice",
    "participant_list_consent": "checkbox",
}


class FieldState(models.TextChoices):
    # Read only by migration 0021, which turned field_settings into built-in questions.
    REQUIRED = "required", _("Required")
    OPTIONAL = "optional", _("Optional")
    HIDDEN = "hidden", _("Hidden")


def validate_field_settings(value):
    if not isinstance(value, dict):
        raise ValidationError(_("Enter a mapping of field names to required, optional or hidden."))
    for name, state in value.items():
        if name not in OPTIONAL_FIELDS:
            raise ValidationError(_("“%(name)s” is not an optional field."), params={"name": name})
        if state not in FieldState.values:
            raise ValidationError(
                _("“%(state)s” is not one of required, optional or hidden."), params={"state": state}
            )


def new_manage_token():
    return secrets.token_urlsafe(32)


# The code shown at the door (registrations.door_code): Crockford's base32, without the
# letters I, L, O and U that are read as 1, 1, 0 and V, so staff can type it from a screen;
# uppercase and digits only, so its QR code is the smallest kind (alphanumeric mode).
DOOR_CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
# 12 characters of 5 bits: 60 random bits, past guessing at a staff-only page.
DOOR_CODE_LENGTH = 12


def new_door_code():
    return "".join(secrets.choice(DOOR_CODE_ALPHABET) for _ in range(DOOR_CODE_LENGTH))


MIN_INVITATION_CODE_LENGTH = 12


def places_left(capacity, confirmed):
    """Places still free of `capacity` with `confirmed` taken; None when there is no limit (capacity None)."""
    if capacity is None:
        return None
    return max(capacity - confirmed, 0)


class RegistrationSettings(models.Model):
    """How one event takes registrations. Services lock this row while they count and take places."""

    class Mode(models.TextChoices):
        OPEN = "open", _("Open")
        APPROVAL = "approval", _("Requires staff approval")
        INVITATION = "invitation", _("Invitation code")
        GUEST_LIST = "guest_list", _("Personal invitation links (guest list)")

    event = models.OneToOneField(
        Event, on_delete=models.CASCADE, related_name="registration_settings", verbose_name=_("event")
    )
    mode = models.CharField(_("registration mode"), max_length=20, choices=Mode.choices, default=Mode.OPEN)
    invitation_code = models.CharField(
        _("invitation code"), max_length=100, blank=True, help_text=_("Shared with those invited.")
    )
    opens_at = models.DateTimeField(
        _("registration opens"), null=True, blank=True, help_text=_("Leave empty to open now.")
    )
    closes_at = models.DateTimeField(
        _("registration closes"),
        null=True,
        blank=True,
        help_text=_("Leave empty to close when the event ends."),
    )
    capacity = models.PositiveIntegerField(
        _("capacity"), null=True, blank=True, help_text=_("Leave empty for no limit.")
    )
    offer_hours = models.PositiveSmallIntegerField(
        _("hours to accept an offered place"),
        null=True,
        blank=True,
        help_text=_(
            "When set, a place that becomes free is offered to the next person on the waiting list, "
            "who has this many hours to accept it before it passes on. Leave empty to give places at once."
        ),
    )
    # Places held: confirmed registrations and places offered and not yet accepted. Kept up to
    # date by registrations.signup.capacity, so pages never aggregate over registrations.
    confirmed_count = models.PositiveIntegerField(_("confirmed registrations"), default=0, editable=False)
    # No longer read: since migration 0021 the built-in questions (Question.field) say what is asked.
    # Kept one release so that the code before it still runs while it is deployed (see README).
    field_settings = models.JSONField(
        _("optional fields"),
        default=dict,
        blank=True,
        validators=[validate_field_settings],
        help_text=_("Maps an optional field's name to required, optional or hidden."),
    )

    # Registration opens and closes: pages showing the box turn then (events.page_cache.next_turn).
    page_turns = ("opens_at", "closes_at")

    class Meta:
        verbose_name = _("registration settings")
        verbose_name_plural = _("registration settings")

    def __str__(self):
        return str(self.event)

    def clean(self):
        if self.opens_at and self.closes_at and self.closes_at <= self.opens_at:
            raise ValidationError({"closes_at": _("Registration must close after it opens.")})
        if self.mode == self.Mode.INVITATION and not self.invitation_code:
            raise ValidationError({"invitation_code": _("Invitation mode needs a code.")})
        if self.mode == self.Mode.INVITATION and len(self.invitation_code) < MIN_INVITATION_CODE_LENGTH:
            # Guesses are also rate-limited per address, but a short code falls to a patient guesser.
            raise ValidationError(
                {
                    "invitation_code": _("Use at least %(count)d characters, say four random words.")
                    % {"count": MIN_INVITATION_CODE_LENGTH}
                }
            )

    def is_open(self, now):
        """Return whether registration is open at the aware datetime `now`."""
        if self.opens_at is not None and now < self.opens_at:
            return False
        closes_at = self.closes_at if self.closes_at is not None else self.event.end
        return now < closes_at

    @property
    def places_left(self):
        """Places still free for the whole event, or None when there is no limit."""
        return places_left(self.capacity, self.confirmed_count)


class SessionPlaces(models.Model):
    """A session's capacity (None: no limit) and how many confirmed registrations hold a place in it.

    Kept by registrations.signup.capacity under the event's lock, so pages never count over
    registrations: a row appears when a session gets a capacity or its first confirmed
    registration. A session without a row has no limit and no one in it.
    """

    session = models.OneToOneField(
        Session, on_delete=models.CASCADE, primary_key=True, related_name="places", verbose_name=_("session")
    )
    capacity = models.PositiveIntegerField(
        _("capacity"), null=True, blank=True, help_text=_("Leave empty for no limit.")
    )
    confirmed_count = models.PositiveIntegerField(_("confirmed registrations"), default=0, editable=False)

    class Meta:
        verbose_name = _("session places")
        verbose_name_plural = _("session places")

    def __str__(self):
        return str(self.session)

    @property
    def places_left(self):
        return places_left(self.capacity, self.confirmed_count)


class RegistrationStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting approval")
    CONFIRMED = "confirmed", _("Confirmed")
    WAITLISTED = "waitlisted", _("Waitlisted")
    # A place is held for it until `offered_until`: accepted, it is confirmed; else it passes on.
    OFFERED = "offered", _("Place offered")
    CANCELLED = "cancelled", _("Cancelled")
    REJECTED = "rejected", _("Rejected")


# An active registration holds or waits for a place; only one per email and event.
ACTIVE_STATUSES = (
    RegistrationStatus.PENDING,
    RegistrationStatus.CONFIRMED,
    RegistrationStatus.WAITLISTED,
    RegistrationStatus.OFFERED,
)
# The statuses that hold one of the event's places (RegistrationSettings.confirmed_count).
HOLDING_STATUSES = (RegistrationStatus.CONFIRMED, RegistrationStatus.OFFERED)


class RegistrationQuerySet(VersionedQuerySet):
    """Every write bumps the registrant's scopes (registrations.scopes): by account and by address."""

    scope_lookups = ("user_id", "email")
    scopes_in_instance = True

    def scopes_from(self, values):
        return scopes_of(*values)


class Registration(VersionedModel):
    """One person's registration for an event. Write it only through registrations.signup.services."""

    Status = RegistrationStatus
    ACTIVE_STATUSES = ACTIVE_STATUSES
    HOLDING_STATUSES = HOLDING_STATUSES

    class AttendeeType(models.TextChoices):
        PUBLIC_BUYER = "public_buyer", _("Public buyer")
        MONITORING_PARTNER = "monitoring_partner", _("Monitoring partner")
        AFFILIATE = "affiliate", _("Affiliate")
        CIVIL_SOCIETY = "civil_society", _("Civil society")
        TRADE_UNION = "trade_union", _("Trade union")
        INDUSTRY = "industry", _("Industry")
        GOVERNMENT = "government", _("Government")
        ACADEMIC = "academic", _("Academic")
        MEDIA = "media", _("Media")
        OTHER = "other", _("Other")

    event = models.ForeignKey(
        Event, on_delete=models.CASCADE, related_name="registrations", verbose_name=_("event")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="registrations",
        verbose_name=_("user"),
    )
    name = models.CharField(_("name"), max_length=200)
    email = models.EmailField(_("email"))
    organisation = models.CharField(_("organisation"), max_length=200, blank=True)
    role = models.CharField(_("job title or role"), max_length=200, blank=True)
    country = models.CharField(_("country"), max_length=100, blank=True)
    attendee_type = models.CharField(
        _("attendee type"), max_length=30, choices=AttendeeType.choices, blank=True
    )
    sessions = models.ManyToManyField(
        Session,
        through="SessionChoice",
        related_name="registrations",
        blank=True,
        verbose_name=_("sessions"),
    )
    dietary_needs = models.TextField(_("dietary needs"), blank=True)
    accessibility_needs = models.TextField(_("accessibility needs"), blank=True)
    interpretation_language = models.CharField(_("interpretation language"), max_length=10, blank=True)
    participant_list_consent = models.BooleanField(_("appear on the participant list"), default=False)
    privacy_consent_at = models.DateTimeField(_("privacy notice accepted at"))
    privacy_notice_version = models.CharField(_("privacy notice version"), max_length=50)
    language = models.CharField(_("language"), max_length=10, default="en")
    time_zone = models.CharField(_("time zone"), max_length=64, blank=True, validators=[validate_time_zone])
    status = models.CharField(
        _("status"), max_length=20, choices=RegistrationStatus.choices, default=RegistrationStatus.PENDING
    )
    manage_token = models.CharField(
        _("manage token"), max_length=64, unique=True, default=new_manage_token, editable=False
    )
    # Only checks in (registrations.door_code): shown in the QR code, on the manage page and
    # in the confirmation emails, never the manage token, which opens, changes and cancels.
    door_code = models.CharField(
        _("door code"), max_length=DOOR_CODE_LENGTH, unique=True, default=new_door_code, editable=False
    )
    created = models.DateTimeField(_("created"), auto_now_add=True)
    updated = models.DateTimeField(_("updated"), auto_now=True)
    # The event's waiting list is promoted in this order (registrations.signup.waiting_list).
    waitlisted_at = models.DateTimeField(_("waitlisted at"), null=True, blank=True)
    # Attended at least once: the first check-in (registrations.eventday.checkin keeps it in
    # step with the CheckIn rows) or the time from an attendance report.
    attended_at = models.DateTimeField(
        _("attended at"), null=True, blank=True, help_text=_("Set at check-in or from an attendance report.")
    )
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    # While a place is offered: the moment the offer lapses (registrations.signup.offers).
    offered_until = models.DateTimeField(_("place offered until"), null=True, blank=True, editable=False)
    # Added to the SEQUENCE of every entry in the registrant's emailed calendar files and
    # raised when one is cancelled, so each file outranks the one before it in their calendar.
    calendar_sequence = models.PositiveIntegerField(_("calendar sequence"), default=0, editable=False)
    # Set when the personal data was removed (registrations.privacy.retention): past the
    # retention period, or at the registrant's request. Counts stay, the person is gone.
    anonymised_at = models.DateTimeField(_("anonymised at"), null=True, blank=True, editable=False)

    objects = RegistrationQuerySet.as_manager()

    class Meta:
        ordering = ["created", "pk"]
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")
        # Viewing registrations (view_registration) shows them one by one; a file of them all,
        # with needs and diets, leaves the site: that takes this permission too.
        permissions = [("export_registration", _("Can export registrations' personal data"))]
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                "event",
                condition=models.Q(status__in=ACTIVE_STATUSES),
                name="one_active_registration_per_email",
            ),
        ]
        indexes = [
            models.Index(fields=["event", "status"], name="registration_event_status"),
        ]

    def __str__(self):
        return f"{self.name} <{self.email}> – {self.event}"

    @property
    def is_active(self):
        return self.status in ACTIVE_STATUSES

    @property
    def join_url(self):
        """The event's join link when this registration is confirmed, else "".

        The one rule for who gets the join link: emails, the manage page and "My
        registrations" read it here; public pages, files and feeds never show it.
        """
        if self.status != RegistrationStatus.CONFIRMED:
            return ""
        return self.event.join_url


class SessionChoiceQuerySet(RegistrationQuerySet):
    """Every write bumps the scopes of the choice's registration (registrations.scopes)."""

    scope_lookups = ("registration__user_id", "registration__email")


class SessionChoice(VersionedModel):
    """A registration's choice of a session: holding a place in it, or waiting for one.

    For a confirmed registration, "confirmed" holds one of the session's places
    (SessionPlaces.confirmed_count counts them, and places "offered"), and "waiting" queues
    for one, in the order of `waiting_since` (registrations.signup.waiting_list). A registration that holds no
    place for the event (pending, waitlisted, cancelled, rejected) holds none in its sessions:
    its choices are all "waiting". Write it only through registrations.signup, which
    always says which.
    """

    class Status(models.TextChoices):
        CONFIRMED = "confirmed", _("Confirmed")
        WAITING = "waiting", _("On the waiting list")
        # A place is held for it until `offered_until`; accepted, it is confirmed, else it passes on.
        OFFERED = "offered", _("Place offered")

    # The statuses that hold one of the session's places (SessionPlaces.confirmed_count).
    HOLDING = (Status.CONFIRMED, Status.OFFERED)

    registration = models.ForeignKey(
        Registration, on_delete=models.CASCADE, related_name="choices", verbose_name=_("registration")
    )
    session = models.ForeignKey(
        Session, on_delete=models.CASCADE, related_name="choices", verbose_name=_("session")
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.CONFIRMED)
    # When the registrant chose the session: its waiting list is promoted in this order.
    waiting_since = models.DateTimeField(_("chosen at"), default=timezone.now)
    offered_until = models.DateTimeField(_("place offered until"), null=True, blank=True)

    objects = SessionChoiceQuerySet.as_manager()

    class Meta:
        # The table Django made for Registration.sessions before it had a model.
        db_table = "registrations_registration_sessions"
        unique_together = [("registration", "session")]
        indexes = [models.Index(fields=["session", "status", "waiting_since"], name="choice_queue")]
        verbose_name = _("session choice")
        verbose_name_plural = _("session choices")

    def __str__(self):
        return str(self.session)


class CheckIn(models.Model):
    """A registration checked in at the door on one day of its event (a date in the event's zone).

    Written only by registrations.eventday.checkin, which also keeps Registration.attended_at.
    """

    registration = models.ForeignKey(
        Registration, on_delete=models.CASCADE, related_name="checkins", verbose_name=_("registration")
    )
    day = models.DateField(_("day"), help_text=_("The day of the event, in the event's time zone."))
    checked_in_at = models.DateTimeField(_("checked in at"))
    checked_in_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("checked in by"),
    )

    class Meta:
        ordering = ["day", "pk"]
        verbose_name = _("check-in")
        verbose_name_plural = _("check-ins")
        constraints = [
            models.UniqueConstraint(
                fields=["registration", "day"], name="one_checkin_per_registration_and_day"
            ),
        ]

    def __str__(self):
        return f"{self.registration_id} – {self.day.isoformat()}"


class AccessRecord(models.Model):
    """A record that a staff member saw or took away many people's data at once: an export, a
    list, badges, a summary. Written only by registrations.privacy.audit; never changed.

    It names who and what, never whose data: registrations by id, no names or addresses.
    """

    class What(models.TextChoices):
        REGISTRATIONS_CSV = "registrations_csv", _("Registrations (CSV)")
        REGISTRATIONS_EXCEL = "registrations_excel", _("Registrations (CSV for Excel)")
        SELECTED_CSV = "selected_csv", _("Selected registrations (CSV, admin action)")
        PARTICIPANT_LIST = "participant_list", _("Participant list")
        BADGES = "badges", _("Name badges")
        SUMMARY = "summary", _("Summary")
        SUMMARY_CSV = "summary_csv", _("Summary table (CSV)")
        PERSONAL_DATA = "personal_data", _("Personal data export")
        REGISTRATIONS_XLSX = "registrations_xlsx", _("Registrations (Excel workbook)")
        SEASON_CSV = "season_csv", _("Registrations of several events (CSV)")
        SEASON_XLSX = "season_xlsx", _("Registrations of several events (Excel workbook)")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("staff member"),
    )
    what = models.CharField(_("what"), max_length=30, choices=What.choices)
    event = models.ForeignKey(
        Event, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("event")
    )
    # How many people's rows it held, and which registrations by id where a selection was exported.
    rows = models.PositiveIntegerField(_("rows"), default=0)
    detail = models.CharField(_("detail"), max_length=1000, blank=True)
    at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("staff access record")
        verbose_name_plural = _("staff access records")

    def __str__(self):
        return f"{self.get_what_display()} – {self.at.isoformat(timespec='seconds')}"


def new_invitation_token():
    return secrets.token_urlsafe(32)


class Invitation(models.Model):
    """One person on an event's guest list, with the personal link they register through.

    Used in guest-list mode (RegistrationSettings.Mode.GUEST_LIST). Write it only
    through registrations.signup.guest_list, which imports the list, send the links and link
    the registration made with one.
    """

    event = models.ForeignKey(
        Event, on_delete=models.CASCADE, related_name="invitations", verbose_name=_("event")
    )
    name = models.CharField(_("name"), max_length=200)
    email = models.EmailField(_("email"))
    token = models.CharField(
        _("invitation token"), max_length=64, unique=True, default=new_invitation_token, editable=False
    )
    created = models.DateTimeField(_("created"), auto_now_add=True)
    sent_at = models.DateTimeField(_("invitation sent at"), null=True, blank=True, editable=False)
    # The latest registration made with the link; a cancelled one leaves the link usable again.
    registration = models.OneToOneField(
        Registration,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="invitation",
        verbose_name=_("registration"),
    )
    anonymised_at = models.DateTimeField(_("anonymised at"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["created", "pk"]
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                "event",
                name="one_invitation_per_email",
                violation_error_message=_("This email is already on the guest list of this event."),
            ),
        ]

    def __str__(self):
        return f"{self.name} <{self.email}> – {self.event}"


class CalendarFeedToken(models.Model):
    """The secret in a user's personal calendar feed URL; resetting it replaces the token."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="calendar_feed",
        verbose_name=_("user"),
    )
    token = models.CharField(_("token"), max_length=64, unique=True, default=new_manage_token)
    created = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("calendar feed token")
        verbose_name_plural = _("calendar feed tokens")

    def __str__(self):
        return str(self.user)


class Mailing(models.Model):
    """A message staff write to part of an event's registrants; sent through registrations.mailings.services.

    Subject and body may hold the placeholders {{ name }}, {{ manage_link }},
    {{ practical_information }} and {{ event }}; the body is Markdown. Subject and body
    are the English text, which every recipient gets unless subject_es and body_es give
    the Spanish one for those whose language is Spanish (each of the two falls back alone).
    """

    class Audience(models.TextChoices):
        CONFIRMED = "confirmed", _("All confirmed registrants")
        GUESTS = "guests", _("Guests only: confirmed, not affiliates")
        AFFILIATES = "affiliates", _("Affiliates only: confirmed, members of affiliate organisations")
        SESSIONS = "sessions", _("Confirmed attendees of the chosen sessions")
        WAITING_LIST = "waiting_list", _("The waiting list")
        INTERPRETATION = "interpretation", _("Confirmed registrants who asked for interpretation")
        # Not registrants: the confirmed followers of the event's webinar series (registrations.following).
        FOLLOWERS = "followers", _("Followers of this event's webinar series")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")

    event = models.ForeignKey(
        Event, on_delete=models.CASCADE, related_name="mailings", verbose_name=_("event")
    )
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(
        _("body"),
        help_text=_(
            "Markdown. Placeholders: {{ name }}, {{ manage_link }}, {{ practical_information }}, {{ event }}."
        ),
    )
    subject_es = models.CharField(
        _("subject in Spanish"),
        max_length=200,
        blank=True,
        help_text=_("For recipients whose language is Spanish. Leave empty to send them the English one."),
    )
    body_es = models.TextField(
        _("body in Spanish"),
        blank=True,
        help_text=_(
            "Markdown, with the same placeholders. Leave empty to send Spanish-speaking recipients "
            "the English body."
        ),
    )
    audience = models.CharField(
        _("audience"), max_length=20, choices=Audience.choices, default=Audience.CONFIRMED
    )
    sessions = models.ManyToManyField(
        Session,
        related_name="mailings",
        blank=True,
        verbose_name=_("sessions"),
        help_text=_("For the audience “attendees of the chosen sessions”."),
    )
    registered_since = models.DateTimeField(
        _("registered since"),
        null=True,
        blank=True,
        help_text=_("Only people who registered at or after this time. Leave empty for everyone."),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT, editable=False
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name=_("created by"),
    )
    created = models.DateTimeField(_("created"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True, editable=False)
    # Set each time sending starts; a mailing still sending long after is resumed.
    sending_started_at = models.DateTimeField(_("sending started at"), null=True, blank=True, editable=False)
    # When sending again to new audience members: only those registered since this.
    new_since = models.DateTimeField(
        _("new audience members registered since"), null=True, blank=True, editable=False
    )

    class Meta:
        ordering = ["-created", "-pk"]
        verbose_name = _("mailing")
        verbose_name_plural = _("mailings")

    def __str__(self):
        return f"{self.subject} – {self.event}"


class SignupQuerySet(VersionedQuerySet):
    """Rows of an event's registration form or emails: every write bumps its signup scope."""

    scope_lookups = ("event_id",)
    scopes_in_instance = True

    def scopes_from(self, values):
        return [signup_scope(*values)]


class EmailText(VersionedModel):
    """What staff wrote for one kind of an event's registration emails, in one language.

    Plain text with placeholders (registrations.signup.email_texts lists them); an empty
    subject or body keeps the built-in one. What the system always adds (the manage link,
    the door code, the .ics files, the details of the registration) stays whatever is here.
    """

    class Kind(models.TextChoices):
        # The values of OutboxEmail.Kind whose wording staff may replace.
        REGISTERED = "registered", _("Confirmation (registered)")
        WAITLISTED = "waitlisted", _("On the waiting list")
        OFFERED = "offered", _("Place offered from the waiting list")
        PROMOTED = "promoted", _("Promoted from the waiting list")
        AWAITING_APPROVAL = "awaiting_approval", _("Awaiting approval")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        REMINDER = "reminder", _("Reminder before the event")
        RECORDING_AVAILABLE = "recording_available", _("Follow-up: recording available")
        CANCELLED = "cancelled", _("Cancelled")
        CHANGED = "changed", _("Changed")

    event = models.ForeignKey(
        Event, on_delete=models.CASCADE, related_name="email_texts", verbose_name=_("event")
    )
    kind = models.CharField(_("email"), max_length=30, choices=Kind.choices)
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES)
    subject = models.CharField(
        _("subject"), max_length=200, blank=True, help_text=_("Leave empty for the built-in subject.")
    )
    body = models.TextField(
        _("message"),
        blank=True,
        help_text=_(
            "Plain text: a blank line starts a new paragraph, links become clickable. "
            "Leave empty for the built-in message."
        ),
    )
    updated = models.DateTimeField(_("updated"), auto_now=True)

    objects = SignupQuerySet.as_manager()

    class Meta:
        ordering = ["event", "kind", "language"]
        verbose_name = _("email text")
        verbose_name_plural = _("email texts")
        constraints = [
            models.UniqueConstraint(fields=["event", "kind", "language"], name="one_email_text_per_language"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} ({self.get_language_display()}) – {self.event}"


class AbuseCounter(models.Model):
    """A row of the "abuse" cache on the embedded default: Django's DatabaseCache reads and writes it.

    A model, not `createcachetable`, so that migrate makes the table on every database and a
    test's flush empties it. Its columns are those DatabaseCache expects (ewevents/cache.py).
    """

    cache_key = models.CharField(max_length=255, primary_key=True)
    value = models.TextField()
    expires = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("abuse counter")
        verbose_name_plural = _("abuse counters")

    def __str__(self):
        return self.cache_key


class QuestionChoiceQuerySet(SignupQuerySet):
    scope_lookups = ("question__event_id",)


class QuestionQuerySet(SignupQuerySet):
    def asked(self):
        return self.filter(asked=True)

    def own(self):
        """Staff's own questions, whose answers are Answer rows; not the built-in ones."""
        return self.filter(field="")

    def built_in(self):
        return self.exclude(field="")


class Question(VersionedModel):
    """A question on one event's registration form: staff's own, or a built-in one.

    Label and help text have a column per language (registrations/translation.py). Choices,
    for the choice kinds, are QuestionChoice rows. Answers are Answer rows, each keeping the
    text of what was answered, so a question changed later leaves them readable.

    A built-in question (`field` set) asks one of the registration's own columns
    (FIXED_QUESTION_KINDS): its answer is stored there, its kind and choices come from the
    column, and it is hidden by not being asked rather than deleted. A new event starts with one
    per column (registrations.signup.questions.add_default_questions).
    """

    class Kind(models.TextChoices):
        TEXT = "text", _("Short text")
        LONG_TEXT = "long_text", _("Long text")
        SINGLE_CHOICE = "single_choice", _("Single choice")
        MULTIPLE_CHOICE = "multiple_choice", _("Multiple choice")
        CHECKBOX = "checkbox", _("Checkbox (yes or no)")
        COUNTRY = "country", _("Country")

    class Audience(models.TextChoices):
        EVERYONE = "everyone", _("Everyone")
        AFFILIATES = "affiliates", _("Affiliates only")
        GUESTS = "guests", _("Guests only (not affiliates)")

    CHOICE_KINDS = (Kind.SINGLE_CHOICE, Kind.MULTIPLE_CHOICE)

    event = models.ForeignKey(
        Event, on_delete=models.CASCADE, related_name="questions", verbose_name=_("event")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.TEXT)
    label = models.CharField(_("question"), max_length=300)
    help_text = models.CharField(_("help text"), max_length=500, blank=True)
    required = models.BooleanField(_("required"), default=False)
    audience = models.CharField(
        _("asked of"),
        max_length=20,
        choices=Audience.choices,
        default=Audience.EVERYONE,
        help_text=_("Guests are people who are not affiliates; staff are asked the affiliates' questions."),
    )
    order = models.PositiveIntegerField(_("order"), default=0)
    asked = models.BooleanField(
        _("asked"),
        default=True,
        help_text=_("Untick to leave the question off the form; answers already given are kept."),
    )
    field = models.CharField(
        _("built-in question"),
        max_length=30,
        blank=True,
        editable=False,
        choices=[(name, name) for name in FIXED_QUESTION_KINDS],
        help_text=_("The registration's own column this question fills; empty for staff's own questions."),
    )

    objects = QuestionQuerySet.as_manager()

    class Meta:
        ordering = ["event", "order", "pk"]
        verbose_name = _("registration question")
        verbose_name_plural = _("registration questions")
        constraints = [
            models.UniqueConstraint(
                fields=["event", "field"],
                condition=~models.Q(field=""),
                name="one_built_in_question_per_field",
            ),
        ]

    def __str__(self):
        return self.label

    @property
    def has_choices(self):
        """Whether its choices are QuestionChoice rows: staff's own choice questions."""
        return self.kind in self.CHOICE_KINDS and not self.field

    @property
    def is_built_in(self):
        return bool(self.field)


class QuestionChoice(VersionedModel):
    """One answer to choose for a single- or multiple-choice question."""

    question = models.ForeignKey(
        Question, on_delete=models.CASCADE, related_name="choices", verbose_name=_("question")
    )
    label = models.CharField(_("choice"), max_length=200)
    order = models.PositiveIntegerField(_("order"), default=0)

    objects = QuestionChoiceQuerySet.as_manager()

    class Meta:
        ordering = ["question", "order", "pk"]
        verbose_name = _("choice")
        verbose_name_plural = _("choices")

    def __str__(self):
        return self.label


class Answer(models.Model):
    """A registration's answer to one of its event's questions. Written by registrations.signup.questions.

    `value` is what the form reads back: the text typed; the chosen choices' ids, in the
    choices' order, joined by ","; a country's code; "yes" for a ticked checkbox. `text` is the
    answer as people read it, in English, written with it: the choices' and the country's names
    then, so renaming or deleting a choice later leaves the answer readable.
    """

    registration = models.ForeignKey(
        Registration, on_delete=models.CASCADE, related_name="answers", verbose_name=_("registration")
    )
    # RESTRICT: a question with answers is kept, unless its event (and so its registrations) goes.
    question = models.ForeignKey(
        Question, on_delete=models.RESTRICT, related_name="answers", verbose_name=_("question")
    )
    value = models.TextField(_("value"), blank=True)
    text = models.TextField(_("answer"), blank=True)

    class Meta:
        ordering = ["question__order", "question_id"]
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        constraints = [
            models.UniqueConstraint(fields=["registration", "question"], name="one_answer_per_question"),
        ]

    def __str__(self):
        return self.text


def new_follower_token():
    return secrets.token_urlsafe(32)


class SeriesFollower(models.Model):
    """Someone told about new webinars of a series (registrations.following): double opt-in.

    A follower counts from confirmed_at (they opened the emailed link and pressed the button)
    until unsubscribed_at; until they confirm, nothing but the confirmation email goes to the
    address. The two tokens are random, like a registration's manage token, and each opens one
    thing: the confirm token only the confirmation, the unsubscribe token (in every message to the
    follower) only the unsubscription, so a forwarded announcement cannot confirm anything.
    """

    series = models.ForeignKey(
        WebinarSeries, on_delete=models.CASCADE, related_name="followers", verbose_name=_("series")
    )
    email = models.EmailField(_("email"))
    language = models.CharField(_("language"), max_length=10, default="en")
    confirm_token = models.CharField(
        _("confirmation token"), max_length=64, unique=True, default=new_follower_token, editable=False
    )
    unsubscribe_token = models.CharField(
        _("unsubscribe token"), max_length=64, unique=True, default=new_follower_token, editable=False
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    # The last confirmation email queued: another goes at most every SERIES_FOLLOW_RESEND_MINUTES.
    confirmation_sent_at = models.DateTimeField(_("confirmation sent at"), null=True, blank=True)
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    unsubscribed_at = models.DateTimeField(_("unsubscribed"), null=True, blank=True)

    class Meta:
        ordering = ["series", "created_at", "pk"]
        verbose_name = _("series follower")
        verbose_name_plural = _("series followers")
        constraints = [
            models.UniqueConstraint(Lower("email"), "series", name="one_follow_per_series_and_email"),
        ]

    def __str__(self):
        return f"{self.email} – {self.series}"

    @property
    def is_active(self):
        """Confirmed and not unsubscribed: told about new webinars."""
        return self.confirmed_at is not None and self.unsubscribed_at is None

    @property
    def name(self):
        # A follower gives only an address; mailings fill {{ name }} with nothing for them.
        return ""


# Django finds an app's models in its models module; the outbox keeps its own beside its code.
from .outbox.models import OutboxEmail  # noqa: E402, F401
