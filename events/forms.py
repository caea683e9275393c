from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Affiliation
from booking.timezones import CalendarDateField, StrictDateTimeFormField
from events.images import validate_event_image
from events.models import EventKind, Programme, Theme


class EventFilterForm(forms.Form):
    programme = forms.ModelChoiceField(
        label=_("Programme"),
        queryset=Programme.objects.order_by("name"),
        to_field_name="slug",
        required=False,
        empty_label=_("All programmes"),
    )
    theme = forms.ChoiceField(
        label=_("Theme"), choices=[("", _("All themes")), *Theme.choices], required=False
    )
    kind = forms.ChoiceField(
        label=_("Kind"), choices=[("", _("All kinds")), *EventKind.choices], required=False
    )
    start_from = CalendarDateField(label=_("From"), required=False)
    start_to = CalendarDateField(label=_("Until"), required=False)


class EventForm(forms.Form):
    slug = forms.SlugField(label=_("Slug"), max_length=80, help_text=_("Part of the web address."))
    title = forms.CharField(label=_("Title"), max_length=200)
    programme = forms.ModelChoiceField(
        label=_("Programme"), queryset=Programme.objects.order_by("name")
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=EventKind.choices)
    theme = forms.ChoiceField(label=_("Theme"), choices=Theme.choices)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea, required=False)
    audience = forms.MultipleChoiceField(
        label=_("Audience"),
        choices=Affiliation.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Who may register."),
    )
    capacity = forms.IntegerField(label=_("Capacity"), min_value=0)
    registration_opens = StrictDateTimeFormField(label=_("Registration opens"), required=False)
    registration_closes = StrictDateTimeFormField(label=_("Registration closes"), required=False)
    waitlist = forms.BooleanField(label=_("Waitlist when full"), required=False, initial=True)
    image = forms.ImageField(label=_("Image"), required=False)

    def __init__(self, *args, editing=False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            self.fields["slug"].disabled = True

    def clean_image(self):
        image = self.cleaned_data.get("image")
        if image and hasattr(image, "content_type"):
            return validate_event_image(image)
        return image

    def clean(self):
        cleaned = super().clean()
        opens, closes = cleaned.get("registration_opens"), cleaned.get("registration_closes")
        if opens and closes and opens >= closes:
            self.add_error("registration_closes", _("Registration must open before it closes."))
        return cleaned


class SessionForm(forms.Form):
    start = StrictDateTimeFormField(label=_("Start"))
    end = StrictDateTimeFormField(label=_("End"))
    room = forms.ChoiceField(label=_("Room"), required=False)
    location_text = forms.CharField(label=_("Or an outside place"), max_length=200, required=False)

    def __init__(self, *args, room_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["room"].choices = [("", _("No room (outside place)")), *room_choices]

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and start >= end:
            self.add_error("end", _("A session must end after it starts."))
        if not cleaned.get("room") and not cleaned.get("location_text"):
            self.add_error("location_text", _("Pick a room or name an outside place."))
        return cleaned


class OwnerForm(forms.Form):
    email = forms.EmailField(
        label=_("Email address"),
        help_text=_(
            "Someone with an account becomes an owner at once; anyone else gets an invitation."
        ),
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )
