from allauth.socialaccount.models import SocialAccount
from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.utils.translation import gettext_lazy as _

from accounts import services
from accounts.models import Organisation, OutboxMail, SsoIdentifier, User

# Staff may say that a local account belongs to a Media Park partner; SSO affiliations come
# from the identity provider and would be overwritten at the next login anyway.
STAFF_SETTABLE = services.STAFF_GRANTED_AFFILIATIONS


class StaffUserChangeForm(UserChangeForm):
    class Meta(UserChangeForm.Meta):
        model = User
        fields = "__all__"

    def clean_affiliation(self):
        affiliation = self.cleaned_data["affiliation"]
        if affiliation == self.instance.affiliation:
            return affiliation
        if SocialAccount.objects.filter(user=self.instance).exists():
            raise forms.ValidationError(
                _("This person signs in through SSO; the identity provider sets the affiliation.")
            )
        if affiliation not in STAFF_SETTABLE:
            raise forms.ValidationError(
                _("Only SSO sign-in gives the HU or municipality affiliation.")
            )
        return affiliation

    def clean(self):
        cleaned = super().clean()
        if "organisation" not in self.changed_data:
            return cleaned
        organisation = cleaned.get("organisation")
        refusal = services.organisation_refusal(user=self.instance, organisation=organisation)
        if refusal:
            self.add_error("organisation", refusal)
        elif organisation is not None:
            # A member has the affiliation their organisation grants (attach_to_organisation).
            cleaned["affiliation"] = organisation.affiliation
        return cleaned


class StaffUserCreationForm(AdminUserCreationForm):
    class Meta(AdminUserCreationForm.Meta):
        model = User
        fields = ("email",)


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = StaffUserChangeForm
    add_form = StaffUserCreationForm
    ordering = ["email"]
    list_display = ["email", "name", "affiliation", "organisation", "is_active", "is_staff"]
    list_filter = ["affiliation", "organisation", "is_active", "is_staff", "groups"]
    list_select_related = ["organisation"]
    search_fields = ["email", "name", "organisation__name"]
    autocomplete_fields = ["organisation"]
    readonly_fields = ["sso_affiliations", "date_joined", "last_login"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (_("Person"), {"fields": ["name", "language"]}),
        (
            _("Affiliation"),
            {"fields": ["affiliation", "organisation", "sso_affiliations"]},
        ),
        (
            _("Roles and permissions"),
            {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]},
        ),
        (_("Dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (
            None,
            {"classes": ["wide"], "fields": ["email", "usable_password", "password1", "password2"]},
        ),
    ]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and "organisation" in form.changed_data:
            services.attach_to_organisation(user=obj, organisation=obj.organisation)


class SsoIdentifierForm(forms.ModelForm):
    class Meta:
        model = SsoIdentifier
        fields = ["identifier"]

    def clean_identifier(self):
        # IdPs send host names and GUIDs in any case; sign-in compares them in lower case.
        return self.cleaned_data["identifier"].strip().lower()


class SsoIdentifierInline(admin.TabularInline):
    model = SsoIdentifier
    form = SsoIdentifierForm
    extra = 1


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    """IT maps SURFconext institutions and Entra tenants here (docs/sso.md); staff see who
    belongs where on /manage/organisations/."""

    list_display = ["name", "slug", "kind", "affiliation"]
    list_filter = ["kind", "affiliation"]
    search_fields = ["name", "slug", "sso_identifiers__identifier"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [SsoIdentifierInline]


@admin.register(OutboxMail)
class OutboxMailAdmin(admin.ModelAdmin):
    """Mail the worker has yet to send: normally empty within seconds. Rows with attempts
    wait for their next try; rows marked failed were given up on and stay for a look."""

    list_display = ["kind", "attempts", "send_after", "failed_at", "last_error", "created_at"]
    list_filter = ["kind", ("failed_at", admin.EmptyFieldListFilter)]
    readonly_fields = [
        "kind",
        "payload",
        "language",
        "attempts",
        "send_after",
        "failed_at",
        "last_error",
        "created_at",
    ]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
