"""Admin form fields for the list-valued settings of events and sessions, their time zones, and
session pickers that tell one "Coffee break" from the next."""

import functools

from django import forms
from django.conf.global_settings import LANGUAGES
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import Event, Session, WebinarSeries, default_reminder_offsets, known_time_zones
from .times import short_span

# The zone database's regions. Names outside them are aliases kept for old systems ("US/Eastern",
# "GB", "EST5EDT", "Etc/GMT+3") or no place at all ("Factory", "localtime", "posixrules").
ZONE_REGIONS = frozenset(
    [
        "Africa",
        "America",
        "Antarctica",
        "Arctic",
        "Asia",
        "Atlantic",
        "Australia",
        "Europe",
        "Indian",
        "Pacific",
    ]
)


def _zone_label(name):
    """'Buenos Aires (America/Argentina/Buenos_Aires)': the city first, so typing it finds the zone."""
    if "/" not in name:
        return name
    return f"{name.rsplit('/', 1)[-1].replace('_', ' ')} ({name})"


@functools.cache
def time_zone_choices():
    """[(name, label)] of the zones staff choose from: UTC, then every place's zone by city."""
    places = [name for name in known_time_zones() if name.split("/")[0] in ZONE_REGIONS]
    return [("UTC", "UTC"), *sorted(((name, _zone_label(name)) for name in places), key=lambda c: c[1])]


class TimeZoneChoiceField(forms.ChoiceField):
    """One of time_zone_choices(), or the zone the object already has (an alias stored before)."""

    def __init__(self, **kwargs):
        super().__init__(choices=time_zone_choices, **kwargs)

    def keep(self, value):
        """Offer `value` too, when it is a zone name outside the list (the object's current zone)."""
        if value and value in known_time_zones() and value not in dict(time_zone_choices()):
            self.choices = [(value, value), *time_zone_choices()]


def session_label(session, *, with_event=False):
    """'Wed 3 Feb, 10:30–11:00 · Coffee break', in the event's zone; with the event's title first
    when sessions of several events are listed together. Select the session's event with it."""
    label = f"{short_span(session.start, session.end, session.event.tz)} · {session.title}"
    return f"{session.event.title} · {label}" if with_event else label


class SessionMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Sessions labelled by day, time and title (session_label); its queryset selects their events."""

    def __init__(self, queryset, *, with_event=False, **kwargs):
        self.with_event = with_event
        super().__init__(queryset, **kwargs)

    def label_from_instance(self, obj):
        return session_label(obj, with_event=self.with_event)


class TimeZoneListField(forms.CharField):
    """Zone names separated by commas, e.g. 'Europe/Amsterdam, America/Mexico_City'."""

    def prepare_value(self, value):
        if isinstance(value, list):
            return ", ".join(value)
        return value

    def to_python(self, value):
        names = [name.strip() for name in (value or "").split(",") if name.strip()]
        unknown = [name for name in names if name not in known_time_zones()]
        if unknown:
            raise forms.ValidationError(
                _("Unknown time zone: %(names)s. Use names such as Europe/Amsterdam."),
                params={"names": ", ".join(unknown)},
            )
        return names


class MinutesListField(forms.CharField):
    """Whole minutes separated by commas, e.g. '1440, 60' for a day and an hour before."""

    def prepare_value(self, value):
        if isinstance(value, list):
            return ", ".join(str(minutes) for minutes in value)
        return value

    def to_python(self, value):
        parts = [part.strip() for part in (value or "").split(",") if part.strip()]
        if not all(part.isdigit() and int(part) > 0 for part in parts):
            raise forms.ValidationError(
                _("Enter whole numbers of minutes greater than zero, separated by commas, e.g. 1440, 60.")
            )
        # Largest first, each once: the order reminders go out in.
        return sorted({int(part) for part in parts}, reverse=True)


def _language_field(**kwargs):
    return forms.MultipleChoiceField(
        choices=LANGUAGES,
        required=False,
        widget=admin.widgets.FilteredSelectMultiple(_("languages"), is_stacked=False),
        **kwargs,
    )


class EventAdminForm(forms.ModelForm):
    time_zone = TimeZoneChoiceField(
        label=_("Time zone"),
        initial="Europe/Brussels",
        help_text=_("The organiser's zone. Type a city's first letters to find it."),
    )
    secondary_time_zones = TimeZoneListField(
        label=_("Secondary time zones"),
        required=False,
        help_text=_("Zone names separated by commas, e.g. Europe/Amsterdam."),
    )
    interpretation_languages = _language_field(label=_("Interpretation into"))
    reminder_offsets = MinutesListField(
        label=_("Reminders"),
        required=False,
        # A declared field loses the model default a generated one would show on the add page.
        initial=default_reminder_offsets,
        help_text=_(
            "Minutes before the start at which confirmed registrants get a reminder, separated by "
            "commas: 1440, 60 is a day and an hour before. Leave empty for no reminders."
        ),
    )

    class Meta:
        model = Event
        fields = [
            *["title", "subtitle", "slug", "kind", "status", "series", "topics", "time_zone", "start"],
            *["end", "secondary_time_zones", "venue", "summary", "highlights", "description"],
            *["practical_information", "language", "interpretation_languages", "join_url"],
            *["reminder_offsets", "recording_url", "slides_url"],
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["time_zone"].keep(self.instance.time_zone)


class SessionAdminForm(forms.ModelForm):
    interpretation_languages = _language_field(
        label=_("Interpretation into"), help_text=_("Leave empty for the event's interpretation languages.")
    )

    class Meta:
        model = Session
        fields = [
            *["event", "title", "kind", "start", "end", "room", "description", "visibility"],
            *["language", "interpretation_languages"],
        ]

    def clean_interpretation_languages(self):
        return self.cleaned_data["interpretation_languages"] or None


class WebinarSeriesAdminForm(forms.ModelForm):
    secondary_time_zones = TimeZoneListField(
        label=_("Secondary time zones"),
        required=False,
        help_text=_("Zone names separated by commas, e.g. Europe/Amsterdam."),
    )

    class Meta:
        model = WebinarSeries
        fields = ["title", "slug", "summary", "description", "recordings_url", "secondary_time_zones"]
