"""Admin form fields for the list-valued settings of events and sessions."""

from django import forms
from django.conf.global_settings import LANGUAGES
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import Event, Session, WebinarSeries, default_reminder_offsets, known_time_zones


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
