"""The registration form: the same class registers and, bound to a registration, edits it.

It validates and lays out; signup.services writes. Never call save().
"""

import json

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Field, Layout, Submit
from django import forms
from django.core.exceptions import ValidationError
from django.forms.models import ModelChoiceIterator
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.functional import cached_property
from django.utils.html import conditional_escape, format_html
from django.utils.translation import get_language, gettext, ngettext
from django.utils.translation import gettext_lazy as _

from events.models import LANGUAGE_NAMES, Session
from registrations.models import (
    FIXED_QUESTION_KINDS,
    Registration,
    SessionChoice,
)

from . import abuse, capacity, questions, selectors, time_zones
from .form_fields import MultiLineField, ReadyChoices, SingleLineField, SiteLanguageField, check_ids

NO_INTERPRETATION = "none"


class TimeZoneField(forms.ChoiceField):
    """A zone of time_zones.choices(): common ones by region, then the others; an alias posted counts
    as the zone it links to ("Asia/Calcutta" is "Asia/Kolkata").

    A zone stored before the list was short (such as "Etc/GMT+3") stays valid where it is the
    registration's own, so editing other answers keeps it.
    """

    def __init__(self, *args, kept=(), **kwargs):
        self.kept = frozenset(kept)
        super().__init__(*args, **kwargs)

    def to_python(self, value):
        value = super().to_python(value)
        return time_zones.listed(value) or value

    def valid_value(self, value):
        return value in time_zones.real_zones() or value in self.kept


class _OfferedSessionsIterator(ModelChoiceIterator):
    """The field's sessions, read once per form: its checkboxes and the page's event summary share them."""

    def __iter__(self):
        for session in self.field.offered:
            yield self.choice(session)

    def __len__(self):
        return len(self.field.offered)

    def __bool__(self):
        return bool(self.field.offered)


class SessionChoiceField(forms.ModelMultipleChoiceField):
    """Sessions labelled with their time in the event's zone, title and places left.

    Places left come from each session's places row, loaded with it (selectors.sessions_to_choose),
    so labelling needs no query beyond the sessions themselves. On the manage page a session the
    registrant already chose says where they stand in it instead (`chosen`: session pk -> the
    SessionChoice status), since "full: you can join its waiting list" would be wrong for them.
    """

    iterator = _OfferedSessionsIterator

    def __init__(self, *args, event, chosen=None, **kwargs):
        self.event = event
        self.chosen = chosen or {}
        super().__init__(*args, **kwargs)

    @cached_property
    def offered(self):
        """The sessions offered, in order: one query, however often the form and page read them."""
        return list(self.queryset)

    def clean(self, value):
        if isinstance(value, list | tuple):
            check_ids(value, self.error_messages["invalid_pk_value"])
        return super().clean(value)

    def label_from_instance(self, session):
        tz = self.event.tz
        start, end = session.start.astimezone(tz), session.end.astimezone(tz)
        when = f"{date_format(start, 'D j M')}, {date_format(start, 'G:i')}–{date_format(end, 'G:i')}"
        label = f"{when} · {session.title}"
        standing = self._standing(self.chosen.get(session.pk))
        if standing:
            return f"{label} ({standing})"
        left = capacity.session_places_left(session)
        if left == 0:
            # Outside the f-string, where makemessages finds it.
            full = gettext("This session is full: you can join its waiting list")
            return f"{label} ({full})"
        if left is not None:
            places = ngettext("%(count)d place left", "%(count)d places left", left) % {"count": left}
            return f"{label} ({places})"
        return label

    @staticmethod
    def _standing(status):
        if status == SessionChoice.Status.CONFIRMED:
            return gettext("your place is confirmed")
        if status == SessionChoice.Status.OFFERED:
            return gettext("a place is offered to you")
        if status == SessionChoice.Status.WAITING:
            return gettext("full: you are on its waiting list")
        return ""


class RegistrationForm(forms.ModelForm):
    privacy_consent = forms.BooleanField(required=True)
    time_zone = TimeZoneField(
        label=_("Your time zone"),
        help_text=_("Times in your emails are also shown in this zone."),
    )
    invitation_code = SingleLineField(label=_("Invitation code"), max_length=100)
    # Carries the personal invitation's token from the link's ?invitation= through the POST.
    invitation_token = forms.CharField(widget=forms.HiddenInput, required=False)
    # Against bots, on the registration form only: a field people never see and must leave
    # empty, and a signed time stamp of when the form was shown.
    website = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )
    form_stamp = forms.CharField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Registration
        fields = [
            "name",
            "email",
            "organisation",
            "role",
            "country",
            "attendee_type",
            "sessions",
            "dietary_needs",
            "accessibility_needs",
            "interpretation_language",
            "participant_list_consent",
            "language",
            "time_zone",
        ]
        labels = {
            "name": _("Full name"),
            "email": _("Email address"),
        }
        help_texts = {
            "email": _("We send your confirmation and your private link to change or cancel here."),
        }
        # Answers reach plain-text emails: no line breaks where one line is asked (form_fields).
        field_classes = {
            "name": SingleLineField,
            "organisation": SingleLineField,
            "role": SingleLineField,
            "dietary_needs": MultiLineField,
            "accessibility_needs": MultiLineField,
            "language": SiteLanguageField,
        }
        widgets = {
            "language": forms.HiddenInput,
            "dietary_needs": forms.Textarea(attrs={"rows": 2}),
            "accessibility_needs": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(
        self, *args, event, user, instance=None, registration_settings=None, invitation=None, **kwargs
    ):
        """`invitation`: in guest-list mode, the Invitation whose personal link was opened."""
        self.event = event
        self.user = user
        self.invitation = invitation
        self.registration_settings = registration_settings or selectors.registration_settings_for(event)
        editing = instance is not None
        initial = self._initial(kwargs.pop("initial", None) or {}, instance, invitation)
        super().__init__(*args, instance=instance, initial=initial, **kwargs)
        self._set_up_sessions()
        self._set_up_time_zone(instance)
        self.fields["language"].required = False
        self._set_up_questions()
        self._set_up_email(editing)
        if editing:
            for name in ("privacy_consent", "website", "form_stamp"):
                del self.fields[name]
        else:
            self._set_up_new_registration()
        if editing or self.registration_settings.mode != self.registration_settings.Mode.INVITATION:
            del self.fields["invitation_code"]
        if invitation is None:
            del self.fields["invitation_token"]
        self.helper = self._helper(editing)

    def _initial(self, initial, instance, invitation):
        editing = instance is not None
        if not editing or not instance.time_zone:
            initial.setdefault("time_zone", time_zones.listed(self.event.time_zone) or time_zones.UTC)
        elif time_zones.listed(instance.time_zone):
            initial["time_zone"] = time_zones.listed(instance.time_zone)
        if not editing:
            initial.update(self._account_initial(self.user))
        if invitation is not None:
            initial.update(name=invitation.name, email=invitation.email, invitation_token=invitation.token)
        initial["language"] = instance.language if editing else (get_language() or "en")
        return initial

    def _set_up_sessions(self):
        event = self.event
        # The cached event says whether it has any (events.selectors.event_for): if not, no query.
        none_to_attend = getattr(event, "has_attendable_sessions", True) is False
        offered = Session.objects.none() if none_to_attend else selectors.sessions_to_choose(event, self.user)
        self.fields["sessions"] = SessionChoiceField(
            queryset=offered,
            event=event,
            chosen=selectors.chosen_sessions(self.instance),
            required=False,
            widget=forms.CheckboxSelectMultiple,
            label=_("Sessions you will attend"),
            help_text=_("Times are %(zone)s.") % {"zone": event.time_zone.replace("_", " ")},
        )
        if event.is_online and not self.fields["sessions"].offered:
            # A webinar without a programme: nothing to choose.
            del self.fields["sessions"]

    def _set_up_time_zone(self, instance):
        groups = time_zones.choices(self.event.start)
        own = instance.time_zone if instance is not None else ""
        if own and not time_zones.listed(own):
            # Kept from before the list was short: offered, so that saving other answers keeps it.
            groups = [*groups, (own, own)]
        field = self.fields["time_zone"]
        field.choices = ReadyChoices(groups)
        field.kept = frozenset([own]) if own else frozenset()

    def _set_up_new_registration(self):
        self.fields["privacy_consent"].label = format_html(
            gettext('I have read and accept the <a href="{url}" target="_blank">privacy notice</a>.'),
            url=reverse("registrations:privacy"),
        )
        # timezone.js presets the select from the browser, only on a fresh form.
        if not self.is_bound:
            attrs = self.fields["time_zone"].widget.attrs
            attrs["data-browser-time-zone"] = ""
            # For the browsers that name their zone by an alias ("Asia/Calcutta").
            attrs["data-zone-aliases"] = json.dumps(time_zones.aliases(), separators=(",", ":"))
        self.fields["form_stamp"].initial = abuse.make_stamp(self.event)

    def _helper(self, editing):
        helper = FormHelper()
        helper.form_method = "post"
        helper.layout = Layout(
            *(
                Field(name, wrapper_class="visually-hidden") if name == "website" else name
                for name in self.fields
            )
        )
        helper.add_input(
            Submit("submit", _("Save changes") if editing else _("Register"), css_class="btn-primary")
        )
        return helper

    @staticmethod
    def _account_initial(user):
        if not getattr(user, "is_authenticated", False):
            return {}
        return {
            "name": user.get_full_name(),
            "email": user.email,
            "organisation": selectors.organisation_name_of(user),
        }

    def _set_up_email(self, editing):
        # The address is the registration's identity: fixed once registered, and
        # a logged-in person registers with their account's address.
        field = self.fields["email"]
        if self.invitation is not None:
            # A disabled field ignores what is posted: the invitation's address is used.
            field.disabled = True
            field.help_text = _("Your invitation is for this address.")
        elif editing or (getattr(self.user, "is_authenticated", False) and self.user.email):
            field.disabled = True
            field.help_text = _("To use another address, cancel and register again with it.")

    def _set_up_questions(self):
        """Lay out the questions the registrant is asked, built-in and own, in their order, after the email.

        A built-in question fills its column's field with staff's label, help text and whether it
        is required; the columns not asked are left out. An own question gets a field of its own,
        whose answer reaches cleaned_data["answers"] (Question -> value), saved by signup.services.
        """
        asked = questions.questions_for(self.event, self.user)
        self.questions = [question for question in asked if not question.is_built_in]
        answers = questions.answers_by_question(self.instance) if self.questions else {}
        laid_out = {}
        for question in asked:
            if question.is_built_in:
                field = self._built_in_field(question)
                if field is not None:
                    laid_out[question.field] = field
            else:
                field = questions.form_field(question)
                field.initial = questions.initial_value(question, answers.get(question.pk))
                laid_out[questions.field_name(question)] = field
        fields = {}
        for name, field in self.fields.items():
            if name in FIXED_QUESTION_KINDS:
                continue
            fields[name] = field
            if name == "email":
                fields.update(laid_out)
        self.fields = fields

    def _built_in_field(self, question):
        """The form field for the built-in `question`, or None where it has nothing to ask."""
        name = question.field
        if name == "interpretation_language":
            field = self._interpretation_field()
            if field is None:
                return None
        elif name == "country":
            current = self.instance.country if self.instance.pk else ""
            field = forms.ChoiceField(choices=questions.country_name_choices(current))
            self.initial["country"] = questions.stored_country_name(current) or current
        else:
            field = self.fields[name]
        if name == "attendee_type":
            field.choices = [("", questions.CHOOSE_PROMPT), *Registration.AttendeeType.choices]
        field.label = question.label
        # Help texts are rendered unescaped by Django and crispy forms: staff's text is escaped here.
        field.help_text = conditional_escape(question.help_text)
        field.required = question.required
        return field

    def _interpretation_field(self):
        languages = self.event.interpretation_languages or []
        if not languages:
            return None
        choices = [("", questions.CHOOSE_PROMPT), (NO_INTERPRETATION, _("I don't need interpretation"))]
        choices += [(code, gettext(LANGUAGE_NAMES.get(code, code))) for code in languages]
        return forms.ChoiceField(choices=choices)

    def clean_invitation_token(self):
        # The view found the invitation from the posted token or the link; that one counts.
        return self.invitation.token

    def clean(self):
        cleaned_data = super().clean()
        if "website" in self.fields:
            self._check_for_bots(cleaned_data)
        cleaned_data["answers"] = {
            question: cleaned_data.get(questions.field_name(question)) for question in self.questions
        }
        return cleaned_data

    def _check_for_bots(self, cleaned_data):
        if cleaned_data.get("website"):
            raise ValidationError(_("We could not accept this form. Please try again."), code="honeypot")
        try:
            abuse.check_stamp(cleaned_data.get("form_stamp"), self.event)
        except abuse.StampError as error:
            # Give the form shown again a fresh stamp, so a person can send it next time.
            self.data = self.data.copy()
            self.data[self.add_prefix("form_stamp")] = abuse.make_stamp(self.event)
            if str(error) == "too fast":
                message = _(
                    "This form was sent too quickly after it was opened. Please check your answers "
                    "and send it again."
                )
            else:
                message = _(
                    "This form has expired or was changed. Please check your answers and send it again."
                )
            raise ValidationError(message, code="form_stamp") from None

    def clean_language(self):
        return self.cleaned_data.get("language") or get_language() or "en"

    def clean_interpretation_language(self):
        return self.cleaned_data.get("interpretation_language") or ""

    def save(self, commit=True):
        raise NotImplementedError("Registrations are written by registrations.signup.services.")


class ManageLinkRequestForm(forms.Form):
    email = forms.EmailField(
        label=_("Email address"),
        max_length=254,
        help_text=_("The address you registered with."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", _("Email me my links")))


class PersonalDataExportForm(forms.Form):
    """Staff: the address whose data to export (registrations.privacy.personal_data)."""

    email = forms.EmailField(
        label=_("Email address"),
        max_length=254,
        help_text=_("Letter case does not matter. Everything held on this address is exported as JSON."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", _("Export personal data")))
