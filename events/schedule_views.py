"""/manage/schedule/: organisers upload a frab or pretalx schedule into a programme.

The room mapping is typed one line per room (`Schedule room = our-room-slug`) and the page
fills it in with the programme's last mapping, so a re-import is: pick the file, submit."""

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.errors import add_form_error
from events.errors import RegistrationError
from events.manage_views import organiser_required
from events.models import Programme
from events.ownership import managed_programmes
from events.rooms import room_choices
from events.schedule_import import MAX_BYTES, parse_schedule
from events.services.schedule import import_schedule, remembered_room_map


def room_map_lines(room_map: dict[str, str]) -> str:
    return "\n".join(f"{name} = {slug}" for name, slug in sorted(room_map.items()))


class ScheduleImportForm(forms.Form):
    programme = forms.ModelChoiceField(
        label=gettext_lazy("Programme"),
        queryset=Programme.objects.order_by("name"),
        to_field_name="slug",
    )
    file = forms.FileField(
        label=gettext_lazy("Schedule file"),
        help_text=gettext_lazy("The schedule.json or schedule.xml that pretalx or frab exports."),
    )
    rooms = forms.CharField(
        label=gettext_lazy("Rooms"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=gettext_lazy(
            "One line per room of the schedule: its name, =, and the slug of our room. "
            "Rooms not listed become an outside place."
        ),
    )

    def __init__(self, *args, manager, **kwargs):
        super().__init__(*args, **kwargs)
        # Only programmes the person manages (events.ownership); others are not a choice.
        self.fields["programme"].queryset = managed_programmes(manager).order_by("name")

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(_("A schedule file may be at most 5 MB."))
        return upload

    def clean_rooms(self):
        mapping = {}
        for number, line in enumerate(self.cleaned_data["rooms"].splitlines(), start=1):
            if not line.strip():
                continue
            name, equals, slug = line.rpartition("=")
            if not equals or not name.strip() or not slug.strip():
                raise forms.ValidationError(
                    _("Line %(number)s: write the room name, =, and a room slug.")
                    % {"number": number}
                )
            mapping[name.strip()] = slug.strip()
        return mapping


@organiser_required
def schedule_import_page(request):
    if request.method == "POST":
        form = ScheduleImportForm(request.POST, request.FILES, manager=request.user)
        if form.is_valid():
            programme = form.cleaned_data["programme"]
            try:
                counts = import_schedule(
                    actor=request.user,
                    programme=programme,
                    talks=parse_schedule(form.cleaned_data["file"].read()),
                    room_map=form.cleaned_data["rooms"],
                )
            except RegistrationError as error:
                add_form_error(form, error, list_conflicts=True)
            else:
                messages.success(
                    request,
                    _(
                        "Schedule imported: %(created)s new, %(updated)s changed, "
                        "%(cancelled)s cancelled, %(unchanged)s unchanged."
                    )
                    % counts,
                )
                url = reverse("events:manage-schedule-import")
                return redirect(f"{url}?programme={programme.slug}")
    else:
        programme = (
            managed_programmes(request.user).filter(slug=request.GET.get("programme", "")).first()
        )
        initial = {}
        if programme is not None:
            initial = {
                "programme": programme,
                "rooms": room_map_lines(remembered_room_map(programme)),
            }
        form = ScheduleImportForm(initial=initial, manager=request.user)
    return render(
        request,
        "events/manage/schedule_import.html",
        {"form": form, "rooms": room_choices()},
    )
