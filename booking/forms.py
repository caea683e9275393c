from datetime import datetime, time, timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from booking import managers
from booking.models import Location, Room, RoomKind
from booking.timezones import CalendarDateField, StrictDateTimeFormField, make_aware_strict
from booking.widgets import DATE_INPUT_FORMATS, LocalDateInput


class RoomSearchForm(forms.Form):
    free_from = StrictDateTimeFormField(label=_("Free from"), required=False)
    free_until = StrictDateTimeFormField(label=_("Free until"), required=False)
    capacity = forms.IntegerField(label=_("People"), min_value=1, required=False)
    kind = forms.ChoiceField(
        label=_("Kind"), choices=[("", _("Any kind")), *RoomKind.choices], required=False
    )
    location = forms.ModelChoiceField(
        label=_("Location"),
        queryset=Location.objects.order_by("name"),
        to_field_name="slug",
        empty_label=_("Any location"),
        required=False,
    )

    def clean(self):
        data = super().clean()
        start, end = data.get("free_from"), data.get("free_until")
        if (start is None) != (end is None) and not self.errors:
            self.add_error("free_until", _("Give both a start and an end."))
        elif start and end and start >= end:
            self.add_error("free_until", _("The end must be after the start."))
        return data


class DayGridForm(forms.Form):
    location = forms.ModelChoiceField(
        label=_("Location"),
        queryset=Location.objects.order_by("name"),
        to_field_name="slug",
        required=False,
    )
    # Not a CalendarDateField: a year no calendar shows is the view's 404, not a form error.
    day = forms.DateField(
        label=_("Day"), required=False, widget=LocalDateInput, input_formats=DATE_INPUT_FORMATS
    )


class SpanForm(forms.Form):
    """A start and an end in Europe/Amsterdam time, the end after the start."""

    start = StrictDateTimeFormField(label=_("Start"))
    end = StrictDateTimeFormField(label=_("End"))

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["start"] >= data["end"]:
            self.add_error("end", _("The end must be after the start."))
        return data


class BookingForm(SpanForm):
    title = forms.CharField(label=_("Title"), max_length=200, required=False)
    attendees = forms.IntegerField(label=_("Number of people"), min_value=1, initial=1)
    public_title = forms.BooleanField(
        label=_("Show the title in the room's public calendar"), required=False
    )
    # A series in words, built into the RRULE the services take (the API takes one typed).
    repeat = forms.ChoiceField(
        label=_("Repeat"),
        choices=[
            ("", _("Does not repeat")),
            ("daily", _("Every day")),
            ("weekdays", _("Every weekday (Monday to Friday)")),
            ("weekly", _("Every week on the same day")),
            ("fortnightly", _("Every two weeks on the same day")),
        ],
        required=False,
    )
    repeat_count = forms.IntegerField(
        label=_("Number of times"), min_value=2, max_value=100, required=False
    )
    repeat_until = CalendarDateField(
        label=_("Or until (date)"),
        required=False,
        help_text=_("A series ends after a number of times or on a date; at most 100 times."),
    )

    def clean(self):
        data = super().clean()
        repeat = data.pop("repeat", "")
        count, until = data.pop("repeat_count", None), data.pop("repeat_until", None)
        data["rrule"] = ""
        if not repeat:
            return data
        if (count is None) == (until is None):
            self.add_error(
                "repeat_count", _("Give the number of times or an end date: one of the two.")
            )
            return data
        ending = f"COUNT={count}" if count is not None else f"UNTIL={until:%Y%m%d}"
        data["rrule"] = f"{REPEAT_RULES[repeat]};{ending}"
        return data


REPEAT_RULES = {
    "daily": "FREQ=DAILY",
    "weekdays": "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR",
    "weekly": "FREQ=WEEKLY",
    "fortnightly": "FREQ=WEEKLY;INTERVAL=2",
}


class MoveForm(SpanForm):
    title = forms.CharField(label=_("Title"), max_length=200, required=False)
    scope = forms.ChoiceField(
        label=_("Apply to"),
        choices=[("this", _("This booking")), ("following", _("This and later ones"))],
        initial="this",
        widget=forms.RadioSelect,
        required=False,
    )


class ClosureForm(SpanForm):
    field_order = ["location", "room", "whole_day", "start", "end", "reason"]

    whole_day = forms.BooleanField(
        label=_("Whole days"),
        required=False,
        help_text=_("From the start date up to and including the end date; times are ignored."),
    )

    location = forms.ModelChoiceField(
        label=_("Location"), queryset=Location.objects.order_by("name"), required=False
    )
    room = forms.ModelChoiceField(
        label=_("Room"),
        queryset=Room.objects.select_related("location").order_by("name"),
        required=False,
    )
    reason = forms.CharField(label=_("Reason"), max_length=200)

    def __init__(self, *args, manager, **kwargs):
        super().__init__(*args, **kwargs)
        if self.data.get("whole_day"):
            self.fields["start"].default_time = self.fields["end"].default_time = time(0)
        # Offer only what `manager` may close; a posted id outside it is "not a choice".
        self.fields["location"].queryset = managers.managed_locations(manager).order_by("name")
        self.fields["room"].queryset = (
            managers.managed_rooms(manager).select_related("location").order_by("name")
        )
        if not self.fields["location"].queryset.exists():
            del self.fields["location"]  # a room's manager closes only rooms

    def clean(self):
        if self.cleaned_data.pop("whole_day", False) and self.cleaned_data.get("end"):
            # The end date is included: the closure runs until the next midnight.
            last_day = timezone.localtime(self.cleaned_data["end"]).date()
            self.cleaned_data["end"] = make_aware_strict(
                datetime.combine(last_day + timedelta(days=1), time(0))
            )
        data = super().clean()
        if bool(data.get("location")) == bool(data.get("room")):
            self.add_error("room", _("Choose either a location or a room."))
        return data
