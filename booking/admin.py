"""The admin: rooms, locations and closures are edited here, bookings read and acted on.

Every save and action calls the services, as the API and the pages do, so the same checks
hold (opening hours, room rules, the overlap rule) and the same mail goes out.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import FilteredSelectMultiple
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Organisation
from booking import services
from booking.errors import BookingError
from booking.models import (
    Booking,
    BookingStatus,
    Closure,
    FairUseLimit,
    Location,
    OpeningHours,
    Room,
    Series,
)
from booking.photos import open_checked
from booking.services import facilities as facility_services
from booking.services.facilities import ROOM_FIELDS, set_room_photo


class OpeningHoursFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        try:
            facility_services.check_hours(self.opening_hours())
        except BookingError as error:
            raise forms.ValidationError(str(error.message)) from error

    def opening_hours(self) -> list[dict]:
        return [
            {name: form.cleaned_data[name] for name in ("weekday", "opens", "closes")}
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]


class OpeningHoursInline(admin.TabularInline):
    model = OpeningHours
    formset = OpeningHoursFormSet
    extra = 0


@admin.register(Location)
class LocationAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "address"]
    search_fields = ["name", "slug", "address"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [OpeningHoursInline]
    autocomplete_fields = ["managers"]
    filter_horizontal = ["manager_groups"]

    def save_model(self, request, obj, form, change):
        facility_services.save_location(
            location=obj, slug=obj.slug, name=obj.name, address=obj.address
        )

    def save_formset(self, request, form, formset, change):
        # The week's hours are replaced as a whole by the service, never row by row.
        location = form.instance
        facility_services.save_location(
            location=location,
            slug=location.slug,
            name=location.name,
            address=location.address,
            opening_hours=formset.opening_hours(),
        )
        # For the admin's history entry, which reads what the formset would have saved.
        formset.new_objects = list(location.opening_hours.all())
        formset.changed_objects, formset.deleted_objects = [], []


def organisations_field(label, help_text) -> forms.ModelMultipleChoiceField:
    return forms.ModelMultipleChoiceField(
        Organisation.objects.all(),
        label=label,
        required=False,
        widget=FilteredSelectMultiple(_("organisations"), is_stacked=False),
        help_text=help_text,
    )


class RoomAdminForm(forms.ModelForm):
    """A photo goes through the same checks and cleaning as an API upload."""

    new_photo = forms.FileField(
        label=_("New photo"),
        required=False,
        help_text=_("JPEG, PNG or WebP, at most 10 MB and 25 megapixels."),
    )

    allowed = organisations_field(
        _("Organisations allowed"),
        _("Their members may book this room whatever their affiliation."),
    )
    refused = organisations_field(
        _("Organisations refused"),
        _("Their members may not book this room, whatever their affiliation."),
    )

    class Meta:
        model = Room
        fields = [*ROOM_FIELDS, "allowed", "refused", "managers", "manager_groups", "new_photo"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial["allowed"] = self.instance.organisations_allowed
        self.initial["refused"] = self.instance.organisations_refused

    def clean(self):
        cleaned = super().clean()
        if set(cleaned.get("allowed") or []) & set(cleaned.get("refused") or []):
            self.add_error("refused", _("An organisation cannot be both allowed and refused."))
        return cleaned

    def clean_new_photo(self):
        upload = self.cleaned_data.get("new_photo")
        if upload:
            try:
                open_checked(upload)
            except BookingError as error:
                raise forms.ValidationError(str(error.message)) from error
            upload.seek(0)
        return upload


@admin.register(Room)
class RoomAdmin(admin.ModelAdmin):
    form = RoomAdminForm
    list_display = [
        "name",
        "location",
        "kind",
        "capacity",
        "booking_mode",
        "requires_approval",
        "buffer_minutes",
        "is_active",
    ]
    list_filter = ["location", "kind", "booking_mode", "requires_approval", "is_active"]
    search_fields = ["name", "slug", "description"]
    prepopulated_fields = {"slug": ["name"]}
    list_select_related = ["location"]
    readonly_fields = ["photo", "thumbnail"]
    autocomplete_fields = ["managers"]
    filter_horizontal = ["manager_groups"]

    def save_model(self, request, obj, form, change):
        facility_services.save_room(room=obj, **{name: getattr(obj, name) for name in ROOM_FIELDS})
        facility_services.set_room_organisations(
            room=obj,
            allowed=list(form.cleaned_data["allowed"]),
            refused=list(form.cleaned_data["refused"]),
        )
        if form.cleaned_data.get("new_photo"):
            set_room_photo(room=obj, upload=form.cleaned_data["new_photo"])


@admin.register(Closure)
class ClosureAdmin(admin.ModelAdmin):
    list_display = ["reason", "location", "room", "start", "end"]
    list_filter = ["location", "room__location", ("start", admin.DateFieldListFilter)]
    search_fields = ["reason"]
    list_select_related = ["location", "room"]
    date_hierarchy = "start"

    def save_model(self, request, obj, form, change):
        facility_services.save_closure(
            closure=obj,
            start=obj.start,
            end=obj.end,
            reason=obj.reason,
            location=obj.location,
            room=obj.room,
        )

    def delete_model(self, request, obj):
        facility_services.delete_closure(closure=obj)

    def delete_queryset(self, request, queryset):
        for closure in queryset:
            facility_services.delete_closure(closure=closure)


class UpcomingFilter(admin.SimpleListFilter):
    title = _("when")
    parameter_name = "when"

    def lookups(self, request, model_admin):
        return [("upcoming", _("Upcoming")), ("past", _("Past"))]

    def queryset(self, request, queryset):
        if self.value() == "upcoming":
            return queryset.filter(end__gt=timezone.now())
        if self.value() == "past":
            return queryset.filter(end__lte=timezone.now())
        return queryset


def run_service(modeladmin, request, queryset, service, done_message):
    done = 0
    for booking in queryset:
        try:
            service(booking=booking, actor=request.user)
            done += 1
        except BookingError as error:
            modeladmin.message_user(request, f"{booking}: {error.message}", messages.ERROR)
    if done:
        modeladmin.message_user(request, done_message % {"count": done}, messages.SUCCESS)


@admin.register(Booking)
class BookingAdmin(admin.ModelAdmin):
    list_display = ["room", "start", "end", "user", "title", "status", "attendees", "sequence"]
    list_filter = [
        "status",
        UpcomingFilter,
        "room__location",
        "room__kind",
        "room",
        ("start", admin.DateFieldListFilter),
        "affiliation",
        "organisation",
    ]
    search_fields = ["title", "user__email", "user__name", "room__name"]
    list_select_related = ["room", "user"]
    date_hierarchy = "start"
    actions = ["approve", "decline", "cancel"]
    readonly_fields = [f.name for f in Booking._meta.fields]

    def has_add_permission(self, request):
        # New bookings go through the booking form or the API, where every rule is checked.
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Approve selected pending bookings"))
    def approve(self, request, queryset):
        pending = queryset.filter(status=BookingStatus.PENDING)
        run_service(self, request, pending, services.approve_booking, _("%(count)d approved."))

    @admin.action(description=_("Decline selected pending bookings"))
    def decline(self, request, queryset):
        pending = queryset.filter(status=BookingStatus.PENDING)
        run_service(self, request, pending, services.decline_booking, _("%(count)d declined."))

    @admin.action(description=_("Cancel selected bookings"))
    def cancel(self, request, queryset):
        run_service(
            self, request, queryset.live(), services.cancel_booking, _("%(count)d cancelled.")
        )


@admin.register(Series)
class SeriesAdmin(admin.ModelAdmin):
    list_display = ["room", "user", "rrule", "created_at"]
    list_filter = ["room__location", "room"]
    list_select_related = ["room", "user"]


@admin.register(FairUseLimit)
class FairUseLimitAdmin(admin.ModelAdmin):
    list_display = [
        "room_kind",
        "affiliation",
        "organisation",
        "max_hours_per_week",
        "max_future_bookings",
        "max_days_ahead",
    ]
    list_filter = ["room_kind", "affiliation"]
    list_select_related = ["organisation"]
    autocomplete_fields = ["organisation"]
