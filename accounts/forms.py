from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import User


class SignupForm(forms.Form):
    """Extra fields on allauth's sign-up form. Affiliation is deliberately absent."""

    name = forms.CharField(label=_("Name"), max_length=150)

    def signup(self, request, user):
        user.name = self.cleaned_data["name"]
        user.save(update_fields=["name"])


class ProfileForm(forms.ModelForm):
    """What a person may change about themselves: never affiliation, email or roles."""

    class Meta:
        model = User
        fields = ["name", "language"]
