"""The Django admin for events. Every save and action goes through the services, as the API
and the pages do: registrations are read-only here apart from cancelling, so the event's
counters always stay true, and sessions hold their rooms through booking's services."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from booking.errors import BookingError
from booking.photos import open_checked
from events import ownership, services, speakers
from events.errors import RegistrationError
from events.models import (
    Attendance,
    Event,
    Programme,
    Registration,
    RegistrationStatus,
    Session,
    Speaker,
    YearPlanTarget,
)
from events.services.year_plan import FILTER_FIELDS, TARGET_FIELDS, check_target, may_plan


class OrganisersOnly:
    """The services refuse writes by anyone but event organisers (adding) and who manages
    the object (changing, events.ownership); the admin says so first. Owners are changed on
    the manage pages, which keep the last one."""

    def has_add_permission(self, request, *args):
        return ownership.may_create_events(request.user) and super().has_add_permission(
            request, *args
        )

    def has_change_permission(self, request, obj=None):
        if not super().has_change_permission(request, obj):
            return False
        if obj is None:
            return ownership.manages_anything(request.user)
        return self.may_manage(request.user, obj)

    def may_manage(self, user, obj) -> bool:
        raise NotImplementedError


class SavedByServices(OrganisersOnly):
    """Adds and changes go through the subclass's `create` and `update` (which call the
    services): a change passes the fields the form changed, an add every one of
    `service_fields` that has a value (the service fills in the rest, e.g. the first owner)."""

    service_fields: tuple[str, ...]

    def save_model(self, request, obj, form, change):
        if change:
            self.update(request.user, obj, {name: getattr(obj, name) for name in form.changed_data})
            return
        values = {name: getattr(obj, name) for name in self.service_fields}
        fields = {name: value for name, value in values.items() if value is not None}
        created = self.create(request.user, obj.slug, fields)
        # The admin goes on with the object its form built (log entry, redirect): it becomes
        # the one the service created.
        obj.pk = created.pk
        obj._state.adding = False


@admin.register(Programme)
class ProgrammeAdmin(SavedByServices, admin.ModelAdmin):
    service_fields = services.PROGRAMME_FIELDS
    list_display = ["name", "slug", "starts_on", "ends_on"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name", "slug"]

    def get_readonly_fields(self, request, obj=None):
        return ["slug", "owners"] if obj else ["owners"]

    def may_manage(self, user, obj) -> bool:
        return ownership.may_manage_programme(user, obj)

    def get_prepopulated_fields(self, request, obj=None):
        return {} if obj else self.prepopulated_fields

    def create(self, actor, slug: str, fields: dict) -> Programme:
        return services.create_programme(actor=actor, slug=slug, **fields)

    def update(self, actor, programme: Programme, changes: dict) -> None:
        services.update_programme(actor=actor, programme=programme, **changes)


class SessionInline(admin.TabularInline):
    model = Session
    extra = 0
    fields = ["start", "end", "room", "location_text"]
    readonly_fields = ["start", "end", "room", "location_text"]
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        # Sessions in rooms book the room; they are added on the organiser's pages.
        return False


@admin.register(Event)
class EventAdmin(SavedByServices, admin.ModelAdmin):
    service_fields = services.EVENT_FIELDS
    list_display = [
        "title",
        "programme",
        "kind",
        "theme",
        "capacity",
        "seats_taken",
        "waitlist_length",
    ]
    list_filter = ["programme", "kind", "theme"]
    search_fields = ["title", "slug"]
    readonly_fields = ["seats_taken", "waitlist_length", "owners"]
    list_select_related = ["programme"]
    inlines = [SessionInline]

    def delete_model(self, request, obj):
        _cancel_sessions(request, [obj])
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        _cancel_sessions(request, queryset)
        super().delete_queryset(request, queryset)

    def get_readonly_fields(self, request, obj=None):
        return [*self.readonly_fields, "slug"] if obj else self.readonly_fields

    def may_manage(self, user, obj) -> bool:
        return ownership.may_manage_event(user, obj)

    def create(self, actor, slug: str, fields: dict) -> Event:
        return services.create_event(actor=actor, slug=slug, **fields)

    def update(self, actor, event: Event, changes: dict) -> None:
        # A raised capacity promotes from the waitlist, as on the organiser's pages.
        services.update_event(actor=actor, event=event, **changes)


def _cancel_sessions(request, events) -> None:
    # Deleting rows would leave the rooms booked; cancelling through the service frees them.
    for event in events:
        for session in event.sessions.select_related("booking"):
            services.cancel_session(actor=request.user, session=session)


@admin.register(Session)
class SessionAdmin(admin.ModelAdmin):
    list_display = ["event", "start", "end", "room", "location_text"]
    list_select_related = ["event"]
    list_filter = ["event__programme"]
    readonly_fields = ["event", "start", "end", "room", "booking"]

    def has_add_permission(self, request):
        return False

    def delete_model(self, request, obj):
        # Through the service, so the room is freed.
        services.cancel_session(actor=request.user, session=obj)

    def delete_queryset(self, request, queryset):
        for session in queryset.select_related("booking"):
            services.cancel_session(actor=request.user, session=session)


@admin.action(description=_("Cancel the selected registrations (promotes the waitlist)"))
def cancel_registrations(modeladmin, request, queryset):
    cancelled = 0
    for registration in queryset.select_related("event").exclude(
        status=RegistrationStatus.CANCELLED
    ):
        try:
            services.cancel_registration(registration=registration, actor=request.user)
        except RegistrationError as error:
            modeladmin.message_user(request, str(error.message), messages.ERROR)
        else:
            cancelled += 1
    modeladmin.message_user(request, _("%(n)s cancelled.") % {"n": cancelled})


@admin.register(Registration)
class RegistrationAdmin(admin.ModelAdmin):
    list_display = ["event", "user", "status", "queue_number", "created_at"]
    list_filter = ["status", "event__programme", "theme", "affiliation", "organisation"]
    list_select_related = ["event", "user"]
    search_fields = ["user__email", "user__name", "event__title"]
    readonly_fields = [
        "event",
        "user",
        "status",
        "queue_number",
        "created_at",
        "cancelled_at",
        "affiliation",
        "organisation",
        "theme",
    ]
    actions = [cancel_registrations]

    def has_add_permission(self, request):
        return False

    def delete_model(self, request, obj):
        _cancel_then_delete(request, [obj])

    def delete_queryset(self, request, queryset):
        _cancel_then_delete(request, queryset.select_related("event"))


def _cancel_then_delete(request, registrations) -> None:
    # Cancelling first keeps the event's seat counters true and promotes the waitlist.
    for registration in registrations:
        if registration.status != RegistrationStatus.CANCELLED:
            services.cancel_registration(registration=registration, actor=request.user)
        registration.delete()


@admin.register(Attendance)
class AttendanceAdmin(admin.ModelAdmin):
    list_display = ["registration", "session", "checked_in_at", "checked_in_by"]
    list_select_related = ["registration__event", "registration__user", "session__event"]
    readonly_fields = ["registration", "session", "checked_in_at", "checked_in_by"]


class SpeakerAdminForm(forms.ModelForm):
    """A photo goes through the same checks and cleaning as an API upload (and a room's)."""

    new_photo = forms.FileField(
        label=_("New photo"),
        required=False,
        help_text=_("JPEG, PNG or WebP, at most 10 MB and 25 megapixels."),
    )

    class Meta:
        model = Speaker
        fields = ["programme", "name", "organisation", "bio", "events", "new_photo"]

    def clean_new_photo(self):
        upload = self.cleaned_data.get("new_photo")
        if upload:
            try:
                open_checked(upload)
            except BookingError as error:
                raise forms.ValidationError(str(error.message)) from error
            upload.seek(0)
        return upload

    def clean(self):
        cleaned = super().clean()
        # On a change the programme is read-only: the speaker's own.
        if "programme" in self.fields:
            programme = cleaned.get("programme")
        else:
            programme = self.instance.programme
        events = cleaned.get("events") or []
        if programme is not None and any(e.programme_id != programme.pk for e in events):
            self.add_error("events", _("Choose only events of the speaker's programme."))
        return cleaned


@admin.register(Speaker)
class SpeakerAdmin(OrganisersOnly, admin.ModelAdmin):
    """Saved and removed through events.speakers, as over the API."""

    form = SpeakerAdminForm
    list_display = ["name", "organisation", "programme"]
    list_filter = ["programme"]
    list_select_related = ["programme"]
    search_fields = ["name", "organisation"]
    readonly_fields = ["photo", "external_id"]
    filter_horizontal = ["events"]

    def get_readonly_fields(self, request, obj=None):
        return [*self.readonly_fields, "programme"] if obj else self.readonly_fields

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "programme":
            kwargs["queryset"] = ownership.managed_programmes(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "events":
            kwargs["queryset"] = ownership.managed_events(request.user).select_related("programme")
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def may_manage(self, user, obj) -> bool:
        return ownership.may_manage_programme(user, obj.programme)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and not self.may_manage(request.user, obj):
            return False
        return super().has_delete_permission(request, obj)

    def save_model(self, request, obj, form, change):
        fields = {name: getattr(obj, name) for name in speakers.SPEAKER_FIELDS}
        events = [event.slug for event in form.cleaned_data.get("events") or []]
        if change:
            # `obj` carries the form's values already; the service compares with the stored.
            stored = Speaker.objects.select_related("programme").get(pk=obj.pk)
            speakers.update_speaker(actor=request.user, speaker=stored, events=events, **fields)
        else:
            created = speakers.create_speaker(
                actor=request.user, programme=obj.programme, events=events, **fields
            )
            obj.pk = created.pk
            obj._state.adding = False
        if form.cleaned_data.get("new_photo"):
            speakers.set_speaker_photo(
                actor=request.user, speaker=obj, upload=form.cleaned_data["new_photo"]
            )

    def save_related(self, request, form, formsets, change):
        # The events were set by the service in save_model.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def delete_model(self, request, obj):
        speakers.delete_speaker(actor=request.user, speaker=obj)

    def delete_queryset(self, request, queryset):
        for speaker in queryset.select_related("programme"):
            speakers.delete_speaker(actor=request.user, speaker=speaker)


class YearPlanTargetForm(forms.ModelForm):
    class Meta:
        model = YearPlanTarget
        fields = TARGET_FIELDS

    def clean(self):
        data = super().clean()
        try:
            check_target(
                half_year_start=data.get("half_year_start"),
                measure=data.get("measure"),
                target=data.get("target"),
                **{name: data.get(name) for name in FILTER_FIELDS},
            )
        except RegistrationError as error:
            field = error.field if error.field in self.fields else None
            self.add_error(field, str(error.message))
        except TypeError:
            pass  # a required field is missing: its own error says so
        return data

    def validate_unique(self):
        # Recording a target again changes it (services.record_target).
        pass


@admin.register(YearPlanTarget)
class YearPlanTargetAdmin(admin.ModelAdmin):
    """The year plan's targets, written through services.record_target like the report
    page's form, so the same checks hold (measure and filter, percentages, who may)."""

    form = YearPlanTargetForm
    list_display = ["half_year_start", "measure", "target", "note", "updated_at"]
    list_filter = ["measure", "half_year_start"]
    fields = TARGET_FIELDS

    def has_add_permission(self, request):
        return may_plan(request.user) and super().has_add_permission(request)

    def has_change_permission(self, request, obj=None):
        return may_plan(request.user) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return may_plan(request.user) and super().has_delete_permission(request, obj)

    def save_model(self, request, obj, form, change):
        fields = {name: form.cleaned_data.get(name) for name in self.fields}
        fields = {name: value for name, value in fields.items() if value not in (None, "")}
        try:
            with transaction.atomic():
                if change:
                    # A changed half-year, measure or filter makes it another target.
                    services.remove_target(actor=request.user, target=obj)
                saved = services.record_target(actor=request.user, **fields)
        except RegistrationError as error:
            # The form checked the target; what is left is permission.
            raise PermissionDenied(str(error.message)) from error
        obj.pk = saved.pk

    def delete_model(self, request, obj):
        services.remove_target(actor=request.user, target=obj)
