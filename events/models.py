"""Events, their programme and speakers. The organisations whose members are affiliates: events.organisations.

Every model here is shown on cached pages: it writes through ewevents.versions, so each
write makes the pages showing its row fresh (events.page_cache, events.querysets).
"""

import functools
import pathlib
import uuid
import zoneinfo
from urllib.parse import urlencode

from django.conf import settings
from django.conf.global_settings import LANGUAGES as ALL_LANGUAGES
from django.core.exceptions import ValidationError
from django.core.validators import FileExtensionValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from ewevents.versions import VersionedModel

from . import access, languages, photos
from .organisations import Membership, Organisation, OrganisationDomain  # noqa: F401 (the app's models)
from .querysets import (
    EventPartnerQuerySet,
    EventQuerySet,
    SessionMaterialQuerySet,
    SessionQuerySet,
    SessionSpeakerQuerySet,
    SpeakerQuerySet,
    TopicQuerySet,
    VenueQuerySet,
    WebinarSeriesQuerySet,
)

LANGUAGE_NAMES = dict(ALL_LANGUAGES)


@functools.cache
def known_time_zones():
    """The zone database's names; reading them walks the whole database, so once per process."""
    return frozenset(zoneinfo.available_timezones())


def validate_time_zone(value):
    if value not in known_time_zones():
        raise ValidationError(
            _("“%(value)s” is not a time zone name such as Europe/Brussels."),
            params={"value": value},
        )


def validate_time_zones(values):
    for value in values or []:
        validate_time_zone(value)


def default_reminder_offsets():
    """A day and an hour before the start, in minutes."""
    return [24 * 60, 60]


def validate_reminder_offsets(values):
    if not isinstance(values, list) or not all(
        isinstance(value, int) and not isinstance(value, bool) and value > 0 for value in values
    ):
        raise ValidationError(_("Enter whole numbers of minutes greater than zero."))


def validate_languages(values):
    for value in values or []:
        if value not in LANGUAGE_NAMES:
            raise ValidationError(_("“%(value)s” is not a language code."), params={"value": value})


class WebinarSeries(VersionedModel):
    title = models.CharField(_("title"), max_length=200)
    slug = models.SlugField(_("slug"), unique=True)
    summary = models.TextField(_("summary"), blank=True)
    description = models.TextField(_("description"), blank=True)
    recordings_url = models.URLField(
        _("pre-recorded webinars link"), blank=True, help_text=_("A library of earlier recordings.")
    )
    secondary_time_zones = models.JSONField(
        _("secondary time zones"),
        default=list,
        blank=True,
        validators=[validate_time_zones],
        help_text=_("Default for new webinars of this series."),
    )

    objects = WebinarSeriesQuerySet.as_manager()

    class Meta:
        ordering = ["title"]
        verbose_name = _("webinar series")
        verbose_name_plural = _("webinar series")

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("events:series_detail", kwargs={"slug": self.slug})


class Topic(VersionedModel):
    """A subject webinars are filed under, to filter a series by."""

    name = models.CharField(_("name"), max_length=100)
    slug = models.SlugField(_("slug"), max_length=100, unique=True)

    objects = TopicQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("topic")
        verbose_name_plural = _("topics")

    def __str__(self):
        return self.name


class Venue(VersionedModel):
    name = models.CharField(_("name"), max_length=200)
    address = models.TextField(_("address"), blank=True)
    city = models.CharField(_("city"), max_length=100)
    country = models.CharField(_("country"), max_length=100)
    website = models.URLField(_("website"), blank=True)
    directions = models.TextField(_("directions"), blank=True, help_text=_("How to get there."))
    accessibility = models.TextField(
        _("accessibility"),
        blank=True,
        help_text=_(
            "Step-free access, lifts, accessible toilets, hearing loops: what visitors need to know."
        ),
    )

    objects = VenueQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("venue")
        verbose_name_plural = _("venues")

    def __str__(self):
        return f"{self.name}, {self.city}"

    @property
    def map_url(self):
        """The venue on OpenStreetMap: a search for its name and address (a plain link, nothing embedded)."""
        parts = [self.name, ", ".join(self.address.split("\n")), self.city, self.country]
        return "https://www.openstreetmap.org/search?" + urlencode(
            {"query": ", ".join(p.strip() for p in parts if p.strip())}
        )


class Event(VersionedModel):
    class Kind(models.TextChoices):
        CONFERENCE = "conference", _("In-person conference")
        WEBINAR = "webinar", _("Online webinar")
        HYBRID = "hybrid", _("Hybrid event")

    class Status(models.TextChoices):
        DRAFT = access.DRAFT, _("Draft")
        PUBLISHED = access.PUBLISHED, _("Published")

    title = models.CharField(_("title"), max_length=250)
    subtitle = models.CharField(_("subtitle"), max_length=250, blank=True)
    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.CONFERENCE)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    series = models.ForeignKey(
        WebinarSeries,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="events",
        verbose_name=_("series"),
    )
    time_zone = models.CharField(
        _("time zone"),
        max_length=64,
        default="Europe/Brussels",
        validators=[validate_time_zone],
        help_text=_("The organiser's zone, an IANA name such as Europe/Brussels."),
    )
    secondary_time_zones = models.JSONField(
        _("secondary time zones"),
        default=list,
        blank=True,
        validators=[validate_time_zones],
        help_text=_("Other zones to show times in, for example Europe/Amsterdam."),
    )
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"))
    venue = models.ForeignKey(
        Venue, on_delete=models.PROTECT, null=True, blank=True, related_name="events", verbose_name=_("venue")
    )
    summary = models.TextField(_("summary"), blank=True, help_text=_("One or two sentences for lists."))
    description = models.TextField(_("description"), blank=True)
    highlights = models.TextField(
        _("highlights"), blank=True, help_text=_("Short bullet points, one per line.")
    )
    practical_information = models.TextField(_("practical information"), blank=True)
    language = models.CharField(_("language"), max_length=10, default="en", choices=ALL_LANGUAGES)
    interpretation_languages = models.JSONField(
        _("interpretation into"),
        default=list,
        blank=True,
        validators=[validate_languages],
        help_text=_("Languages of simultaneous interpretation."),
    )
    recording_url = models.URLField(_("recording link"), blank=True)
    slides_url = models.URLField(_("slides link"), blank=True)
    join_url = models.URLField(
        _("join link"),
        blank=True,
        help_text=_("Given only to confirmed registrants; never shown on public pages."),
    )
    reminder_offsets = models.JSONField(
        _("reminders"),
        default=default_reminder_offsets,
        blank=True,
        validators=[validate_reminder_offsets],
        help_text=_("Minutes before the start at which registrants are reminded."),
    )
    topics = models.ManyToManyField(Topic, related_name="events", verbose_name=_("topics"), blank=True)
    # Raised by events.services.record_time_change; calendar apps replace an entry
    # with the same UID only when its SEQUENCE is higher.
    sequence = models.PositiveIntegerField(_("calendar sequence"), default=0, editable=False)
    created = models.DateTimeField(_("created"), auto_now_add=True)
    updated = models.DateTimeField(_("updated"), auto_now=True)

    objects = EventQuerySet.as_manager()

    # At its end an event is past: lists move it, its page drops the registration box and
    # shows the recording (events.page_cache.next_turn).
    page_turns = ("end",)

    class Meta:
        ordering = ["start"]
        verbose_name = _("event")
        verbose_name_plural = _("events")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end__gt=models.F("start")), name="event_ends_after_start"
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("events:event_detail", kwargs={"slug": self.slug})

    def clean(self):
        if self.start and self.end and self.end <= self.start:
            raise ValidationError({"end": _("The end must be after the start.")})

    @property
    def tz(self):
        return zoneinfo.ZoneInfo(self.time_zone)

    @property
    def is_online(self):
        return self.kind == self.Kind.WEBINAR

    @property
    def time_zones(self):
        """The organiser's zone, then the secondary ones: every zone its times are shown in."""
        return [self.time_zone, *(zone for zone in self.secondary_time_zones if zone != self.time_zone)]

    @property
    def is_past(self):
        return self.end < timezone.now()

    @property
    def highlight_lines(self):
        return [line.strip(" •-*\t") for line in self.highlights.splitlines() if line.strip(" •-*\t")]

    @property
    def interpretation_language_names(self):
        return [
            gettext(LANGUAGE_NAMES[code]) for code in self.interpretation_languages if code in LANGUAGE_NAMES
        ]


class EventPartner(VersionedModel):
    """A host, co-host or supporter named on the event page."""

    class Role(models.TextChoices):
        HOST = "host", _("Host")
        CO_HOST = "co_host", _("Co-host")
        SUPPORTER = "supporter", _("Supporter")

    event = models.ForeignKey(
        Event, on_delete=models.CASCADE, related_name="partners", verbose_name=_("event")
    )
    name = models.CharField(_("name"), max_length=250)
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.CO_HOST)
    website = models.URLField(_("website"), blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    objects = EventPartnerQuerySet.as_manager()

    class Meta:
        ordering = ["order", "pk"]
        verbose_name = _("host or supporter")
        verbose_name_plural = _("hosts and supporters")

    def __str__(self):
        return f"{self.name} ({self.get_role_display()})"


class Speaker(VersionedModel):
    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    role = models.CharField(_("job title"), max_length=200, blank=True)
    organisation = models.CharField(_("organisation"), max_length=200, blank=True)
    bio = models.TextField(_("biography"), blank=True)
    photo = models.ImageField(
        _("photo"),
        upload_to="speakers/",
        blank=True,
        help_text=_("A JPEG or PNG; kept upright, at most 480 pixels a side, without its camera data."),
    )

    objects = SpeakerQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("speaker")
        verbose_name_plural = _("speakers")

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        if self.photo and not self.photo._committed:  # a new upload: store it as the site keeps photos
            self.photo = photos.normalised_photo(self.photo)
        super().save(*args, **kwargs)


class Session(VersionedModel):
    """An item of an event's programme, from a panel to a coffee break."""

    class Kind(models.TextChoices):
        WELCOME = "welcome", _("Welcome")
        TALK = "talk", _("Talk")
        PANEL = "panel", _("Panel")
        WORKSHOP = "workshop", _("Workshop")
        BREAK = "break", _("Break")
        MEAL = "meal", _("Meal")
        SOCIAL = "social", _("Social")
        PLENARY = "plenary", _("Plenary")

    class Visibility(models.TextChoices):
        PUBLIC = access.PUBLIC, _("Public")
        AFFILIATES = access.AFFILIATES, _("Affiliates only, title and time shown publicly")
        HIDDEN = access.HIDDEN, _("Affiliates only, not listed publicly")

    # Breaks and meals are part of the timeline but nobody signs up for them.
    NOT_ATTENDABLE = (Kind.BREAK, Kind.MEAL)

    event = models.ForeignKey(
        Event, on_delete=models.CASCADE, related_name="sessions", verbose_name=_("event")
    )
    title = models.CharField(_("title"), max_length=250)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.TALK)
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"))
    room = models.CharField(_("room"), max_length=100, blank=True)
    description = models.TextField(_("description"), blank=True)
    visibility = models.CharField(
        _("visibility"), max_length=20, choices=Visibility.choices, default=Visibility.PUBLIC
    )
    language = models.CharField(
        _("language"),
        max_length=10,
        blank=True,
        choices=ALL_LANGUAGES,
        help_text=_("Leave empty for the event's language."),
    )
    interpretation_languages = models.JSONField(
        _("interpretation into"),
        null=True,
        blank=True,
        validators=[validate_languages],
        help_text=_("Leave empty for the event's interpretation languages."),
    )
    speakers = models.ManyToManyField(
        Speaker, through="SessionSpeaker", related_name="sessions", verbose_name=_("speakers"), blank=True
    )
    # See Event.sequence.
    sequence = models.PositiveIntegerField(_("calendar sequence"), default=0, editable=False)

    objects = SessionQuerySet.as_manager()

    class Meta:
        ordering = ["start", "end", "pk"]
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end__gt=models.F("start")), name="session_ends_after_start"
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("events:session_detail", kwargs={"slug": self.event.slug, "pk": self.pk})

    def clean(self):
        if self.start and self.end and self.end <= self.start:
            raise ValidationError({"end": _("The end must be after the start.")})

    # Keep in sync with SessionQuerySet.visible_to: both read events.access.
    def details_visible_to(self, user):
        """Return whether `user` may see this session's description, speakers and links."""
        return access.session_details_visible(self, user)

    @property
    def is_attendable(self):
        return self.kind not in self.NOT_ATTENDABLE

    @property
    def is_restricted(self):
        return access.is_restricted(self)

    @property
    def effective_interpretation_languages(self):
        if self.interpretation_languages is None:
            return self.event.interpretation_languages
        return self.interpretation_languages

    @property
    def interpretation_language_names(self):
        return [
            gettext(LANGUAGE_NAMES[code])
            for code in self.effective_interpretation_languages
            if code in LANGUAGE_NAMES
        ]

    @property
    def spoken_in(self):
        """'In English, interpreted into Spanish', in the active language (events.languages)."""
        return languages.spoken_in(
            self.language or self.event.language, self.effective_interpretation_languages
        )

    @property
    def has_own_languages(self):
        """Whether this session is spoken or interpreted otherwise than its event."""
        own_language = self.language and self.language != self.event.language
        own_interpretation = self.interpretation_languages not in (None, self.event.interpretation_languages)
        return bool(own_language or own_interpretation)


class SessionSpeaker(VersionedModel):
    class Role(models.TextChoices):
        SPEAKER = "speaker", _("Speaker")
        MODERATOR = "moderator", _("Moderator")

    session = models.ForeignKey(
        Session, on_delete=models.CASCADE, related_name="session_speakers", verbose_name=_("session")
    )
    speaker = models.ForeignKey(
        Speaker, on_delete=models.CASCADE, related_name="session_speakers", verbose_name=_("speaker")
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.SPEAKER)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    objects = SessionSpeakerQuerySet.as_manager()

    class Meta:
        ordering = ["order", "pk"]
        verbose_name = _("session speaker")
        verbose_name_plural = _("session speakers")
        constraints = [
            models.UniqueConstraint(fields=["session", "speaker"], name="unique_session_speaker"),
        ]

    def __str__(self):
        return f"{self.speaker} ({self.get_role_display()})"


# What staff may upload as a session's material: documents, slides and recordings, nothing a
# browser would run (the files are served as downloads, events.views.session_material, all the same).
MATERIAL_EXTENSIONS = [
    *["pdf", "txt", "csv", "rtf"],
    *["doc", "docx", "odt", "xls", "xlsx", "ods", "ppt", "pptx", "odp", "key"],
    *["zip", "jpg", "jpeg", "png"],
    *["mp3", "m4a", "mp4", "webm"],
]


def validate_material_size(file):
    limit = settings.SESSION_MATERIAL_MAX_MB
    if file.size > limit * 1024 * 1024:
        raise ValidationError(
            _("This file is %(size)s MB; the limit is %(limit)s MB. Give a link to larger files."),
            params={"size": f"{file.size / (1024 * 1024):.1f}", "limit": limit},
        )


def material_upload_to(instance, filename):
    """A name no one can guess or read meaning into; the title names the download (events.views)."""
    return f"materials/{uuid.uuid4().hex}{pathlib.Path(filename).suffix.lower()}"


class SessionMaterial(VersionedModel):
    """Slides, a document or a recording of a session: a link, or a file uploaded by staff.

    Shown to whoever may see the session's details (Session.details_visible_to), and to no one
    else, not even its title; files are served by events.views.session_material under that rule.
    """

    class Kind(models.TextChoices):
        SLIDES = "slides", _("Slides")
        DOCUMENT = "document", _("Document")
        RECORDING = "recording", _("Recording")

    session = models.ForeignKey(
        Session, on_delete=models.CASCADE, related_name="materials", verbose_name=_("session")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.SLIDES)
    title = models.CharField(_("title"), max_length=200)
    url = models.URLField(_("link"), max_length=500, blank=True)
    file = models.FileField(
        _("file"),
        upload_to=material_upload_to,
        blank=True,
        max_length=200,
        validators=[FileExtensionValidator(MATERIAL_EXTENSIONS), validate_material_size],
        help_text=_("Or a file: PDF, office documents, slides, images, audio or video."),
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    objects = SessionMaterialQuerySet.as_manager()

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("material")
        verbose_name_plural = _("materials")

    def __str__(self):
        return self.title

    def clean(self):
        if bool(self.url) == bool(self.file):
            raise ValidationError(_("Give either a link or a file for this material, not both."))

    @property
    def href(self):
        """Where a visitor opens it: the link itself, or the guarded download of the file."""
        if self.url:
            return self.url
        return reverse(
            "events:session_material",
            kwargs={"slug": self.session.event.slug, "pk": self.session_id, "material": self.pk},
        )

    @property
    def extension(self):
        """'PDF' for a file named *.pdf; empty for a link."""
        return pathlib.PurePath(self.file.name).suffix.lstrip(".").upper() if self.file else ""
