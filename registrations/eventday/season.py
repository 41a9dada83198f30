"""Registrations over a season: every event starting between two dates, for one file across events."""

import datetime as dt

from crispy_forms.helper import FormHelper
from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from registrations.models import Registration

# A file of more than a few years is not a season: keep an export's size bounded.
LONGEST_SEASON_DAYS = 3 * 366


def this_year(today=None):
    """The first and last day of the current year, in the site's zone."""
    today = today or timezone.localdate()
    return dt.date(today.year, 1, 1), dt.date(today.year, 12, 31)


def season_registrations(*, first_day, last_day):
    """Registrations, in every status, of the events starting from `first_day` to `last_day` (inclusive).

    Days are in the site's zone (settings.TIME_ZONE); rows come by event start, then registration.
    """
    zone = timezone.get_default_timezone()
    start = dt.datetime.combine(first_day, dt.time.min, tzinfo=zone)
    end = dt.datetime.combine(last_day + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
    return Registration.objects.filter(event__start__gte=start, event__start__lt=end).order_by(
        "event__start", "event", "created", "pk"
    )


class SeasonExportForm(forms.Form):
    """Staff: the days whose events' registrations to export. Laid out by the page (two buttons)."""

    first_day = forms.DateField(
        label=_("Events starting from"), widget=forms.DateInput(attrs={"type": "date"})
    )
    last_day = forms.DateField(label=_("to (inclusive)"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        first, last = this_year()
        self.fields["first_day"].initial = first
        self.fields["last_day"].initial = last
        self.helper = FormHelper()
        self.helper.form_tag = False

    def clean(self):
        cleaned_data = super().clean()
        first, last = cleaned_data.get("first_day"), cleaned_data.get("last_day")
        if first and last:
            if last < first:
                raise ValidationError(_("The last day must not be before the first."))
            if (last - first).days > LONGEST_SEASON_DAYS:
                raise ValidationError(_("Choose at most three years at once."))
        return cleaned_data
