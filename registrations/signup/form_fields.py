"""Form fields for what the public types: text cleaned of control characters, ids checked in range.

Answers reach plain-text emails and CSV exports, where a line break in a name would start a
line the site never wrote ("Subject: ...", "Your account is closed"). So single-line answers
lose every control and line-break character, and multi-line ones keep only their line breaks.
"""

import re

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.choices import BaseChoiceIterator

# Unicode's control characters (Cc: C0, DEL, C1 such as NEL) and its line and paragraph separators:
# everything str.splitlines() splits on, and the terminal escapes.
_CONTROLS = "\x00-\x1f\x7f-\x9f\u2028\u2029"
_CONTROLS_WITH_SPACE_AROUND = re.compile(rf"[ ]*[{_CONTROLS}]+[ ]*")
_LINE_BREAK = re.compile(r"\r\n|[\r\u2028\u2029]")
# Tab and line feed are the only controls a multi-line answer keeps.
_CONTROLS_BUT_TAB_AND_LINE_FEED = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]+")

# A primary key is a positive 64-bit integer (BigAutoField).
_LARGEST_ID = 2**63 - 1


class ReadyChoices(BaseChoiceIterator):
    """Choices already in Django's normal form, shared by every form that offers them.

    A plain list is normalised again each time a field is given it and copied with every form:
    for the ~600 time zones or ~250 countries that is most of what building the form costs.
    Being an iterator tells Django they are ready; they are never changed, so copies may share them.
    """

    def __init__(self, choices):
        self._choices = tuple(choices)

    def __iter__(self):
        return iter(self._choices)

    def __len__(self):
        return len(self._choices)

    def __add__(self, other):
        return [*self._choices, *other]

    def __deepcopy__(self, memo):
        return self

    def __copy__(self):
        return self


def single_line(value):
    """`value` with each run of control or line-break characters (and the spaces around it) as one space."""
    return _CONTROLS_WITH_SPACE_AROUND.sub(" ", value).strip()


def multi_line(value):
    """`value` with its line breaks as "\\n" and no other control character but tabs."""
    return _CONTROLS_BUT_TAB_AND_LINE_FEED.sub("", _LINE_BREAK.sub("\n", value)).strip()


class SingleLineField(forms.CharField):
    """A CharField whose value holds no control or line-break character."""

    def to_python(self, value):
        value = super().to_python(value)
        return single_line(value) if value else value


class MultiLineField(forms.CharField):
    """A CharField for a textarea: line breaks kept (as "\\n"), other control characters but tabs removed."""

    def to_python(self, value):
        value = super().to_python(value)
        return multi_line(value) if value else value


class SiteLanguageField(forms.CharField):
    """A hidden field for one of settings.LANGUAGES; anything else posted counts as empty.

    The page sends its own language: another value was not typed by anyone, so it is
    ignored rather than shown as an error beside a field no one sees.
    """

    def to_python(self, value):
        value = super().to_python(value)
        return value if value in dict(settings.LANGUAGES) else ""


def check_ids(values, error_message):
    """Raise ValidationError(`error_message`, code "invalid_pk_value") for any value not an id in range.

    The database would otherwise be asked about them: SQLite fails on integers past 64 bits.
    """
    for value in values:
        text = str(value).strip()
        in_range = text.isascii() and text.isdigit() and len(text) <= 19 and 1 <= int(text) <= _LARGEST_ID
        if not in_range:
            raise ValidationError(error_message, code="invalid_pk_value", params={"pk": value})
