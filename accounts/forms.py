from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.services import update_profile


class SignupForm(forms.Form):
    """Extra fields on allauth's sign-up form. Affiliation is deliberately absent."""

    name = forms.CharField(label=_("Name"), max_length=150)

    def signup(self, request, user):
        update_profile(user=user, name=self.cleaned_data["name"], language=user.language)


class ProfileForm(forms.ModelForm):
    """What a person may change about themselves: never affiliation, email or roles."""

    class Meta:
        model = User
        fields = ["name", "language"]


class EraseAccountForm(forms.Form):
    confirm = forms.BooleanField(
        label=_(
            "I understand that my account and my personal data will be erased, that my "
            "future bookings and registrations will be cancelled, and that this cannot be "
            "undone."
        ),
        error_messages={"required": _("Tick the box to confirm that you want this.")},
    )
