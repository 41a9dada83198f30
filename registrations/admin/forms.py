"""The CSV upload form that the attendance import and the guest list import share."""

import csv
import io

from django import forms
from django.utils.translation import gettext_lazy as _

from events.models import Event


class CsvUploadForm(forms.Form):
    """An event and a CSV file uploaded by staff; subclasses set the limits, columns and messages."""

    max_bytes = 2 * 1024 * 1024
    too_large_message = ""
    required_columns = ()
    missing_columns_message = ""
    # Guest lists keep blank lines as empty rows, so that reported line numbers stay right.
    keep_blank_lines = False

    event = forms.ModelChoiceField(queryset=Event.objects.order_by("-start"), label=_("Event"))

    def clean_file(self):
        """Return the rows as dicts keyed by the lower-cased, stripped header."""
        upload = self.cleaned_data["file"]
        if upload.size > self.max_bytes:
            raise forms.ValidationError(self.too_large_message)
        try:
            text = upload.read().decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise forms.ValidationError(_("The file is not UTF-8 text. Save it as “CSV UTF-8”.")) from exc
        lines = text.splitlines()
        header = lines[0] if lines else ""
        # Some spreadsheets save with semicolons.
        delimiter = ";" if ";" in header and "," not in header else ","
        # csv.reader, not DictReader: DictReader drops blank lines, which would shift the line numbers.
        reader = csv.reader(io.StringIO(text), delimiter=delimiter)
        fieldnames = [name.strip().lower() for name in next(reader, [])]
        if not set(self.required_columns) <= set(fieldnames):
            raise forms.ValidationError(self.missing_columns_message)
        records = (record for record in reader if record or self.keep_blank_lines)
        return [dict(zip(fieldnames, record, strict=False)) for record in records]
