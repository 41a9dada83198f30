"""The follow form: an address, and the registration form's defences against bots."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from registrations.signup import abuse


class FollowForm(forms.Form):
    email = forms.EmailField(
        label=_("Your email address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    # As on the registration form: a field people never see and must leave empty, and a
    # signed time stamp of when the form was shown (registrations.signup.abuse).
    website = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )
    form_stamp = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, series, **kwargs):
        super().__init__(*args, **kwargs)
        self.series = series
        self.fields["form_stamp"].initial = abuse.make_stamp(series, salt=abuse.FOLLOW_STAMP_SALT)

    def clean(self):
        cleaned_data = super().clean()
        if cleaned_data.get("website"):
            raise ValidationError(_("We could not accept this form. Please try again."), code="honeypot")
        try:
            abuse.check_stamp(cleaned_data.get("form_stamp"), self.series, salt=abuse.FOLLOW_STAMP_SALT)
        except abuse.StampError as error:
            # The form shown again gets a fresh stamp, so a person can send it next time.
            self.data = self.data.copy()
            self.data["form_stamp"] = abuse.make_stamp(self.series, salt=abuse.FOLLOW_STAMP_SALT)
            if str(error) == "too fast":
                message = _("This form was sent too quickly after it was opened. Please send it again.")
            else:
                message = _("This form has expired or was changed. Please send it again.")
            raise ValidationError(message, code="form_stamp") from None
        return cleaned_data
