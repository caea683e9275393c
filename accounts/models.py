from django.conf import settings
from django.contrib.auth.base_user import BaseUserManager
from django.contrib.auth.models import AbstractBaseUser, PermissionsMixin
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.feed_tokens import new_feed_nonce


class Affiliation(models.TextChoices):
    HU = "hu", _("Hogeschool Utrecht")
    MUNICIPALITY = "municipality", _("Gemeente Hilversum")
    PARTNER = "partner", _("Media Park partner")
    PUBLIC = "public", _("Public")


class OrganisationKind(models.TextChoices):
    HU = "hu", _("Hogeschool Utrecht")
    MUNICIPALITY = "municipality", _("Municipality")
    EDUCATION_PARTNER = "education_partner", _("Education partner")
    COMPANY = "company", _("Company")
    PUBLIC_BODY = "public_body", _("Public body")
    RESEARCH = "research", _("Research partner")
    OTHER = "other", _("Other")


class Organisation(models.Model):
    """Who a person belongs to: HU, the municipality, a school, a company on the Media Park.

    SSO members get theirs from their identity provider (through `SsoIdentifier`), local
    accounts from staff; bookings and registrations keep the one they were made under.
    """

    name = models.CharField(_("name"), max_length=150)
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=OrganisationKind.choices)
    affiliation = models.CharField(
        _("affiliation it grants"),
        max_length=20,
        choices=Affiliation.choices,
        help_text=_("What its members may book and attend, as far as affiliation decides."),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self):
        return self.name


class SsoIdentifier(models.Model):
    """How an identity provider names an organisation; kept by IT in the admin (docs/sso.md).

    `schac:<schac_home_organization>` for a SURFconext institution, `entra:<tenant id>` for
    an Entra ID tenant, lower case. A sign-in whose identifier is not here is refused.
    """

    identifier = models.CharField(
        _("identifier"),
        max_length=200,
        unique=True,
        help_text=_("schac: and the home organisation (schac:hu.nl), or entra: and the tenant id."),
    )
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="sso_identifiers",
        verbose_name=_("organisation"),
    )

    class Meta:
        ordering = ["identifier"]
        verbose_name = _("SSO identifier")
        verbose_name_plural = _("SSO identifiers")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    identifier__regex=r"^(schac:[a-z0-9][a-z0-9.-]*|entra:[0-9a-f-]+)$"
                ),
                name="accounts_ssoidentifier_form",
                violation_error_message=_(
                    "Write schac: and a home organisation (e.g. schac:hu.nl) or entra: and a "
                    "tenant id, in lower case."
                ),
            ),
        ]

    def __str__(self):
        return self.identifier


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **fields):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **fields):
        fields.setdefault("is_staff", False)
        fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **fields)

    def create_superuser(self, email, password=None, **fields):
        fields.setdefault("is_staff", True)
        fields.setdefault("is_superuser", True)
        if fields["is_staff"] is not True or fields["is_superuser"] is not True:
            raise ValueError("A superuser must have is_staff and is_superuser set.")
        return self._create_user(email, password, **fields)

    def get_by_natural_key(self, email):
        # Email addresses are compared without case, as mail servers do.
        return self.get(email__iexact=email)


class User(AbstractBaseUser, PermissionsMixin):
    email = models.EmailField(_("email address"), unique=True)
    name = models.CharField(_("name"), max_length=150, blank=True)
    affiliation = models.CharField(
        _("affiliation"),
        max_length=20,
        choices=Affiliation.choices,
        default=Affiliation.PUBLIC,
        help_text=_("Set by how the person signed in, never by the person."),
    )
    # What SURFconext said about the person (student, employee, ...), kept for audits.
    sso_affiliations = models.JSONField(_("SSO affiliations"), default=list, blank=True)
    # From the identity provider at every SSO sign-in; for a local account, set by staff.
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="members",
        verbose_name=_("organisation"),
    )
    language = models.CharField(
        _("preferred language"),
        max_length=8,
        choices=settings.LANGUAGES,
        default=settings.LANGUAGE_CODE,
    )
    # Secret input of the personal feed URL; see accounts/feed_tokens.py.
    feed_nonce = models.CharField(max_length=64, default=new_feed_nonce, editable=False)
    # Whether the person may book and register. An account made by staff counts as verified;
    # a local sign-up is not until it confirms its address; an SSO account always is (its
    # identity provider vouches for it). Kept by accounts.services, read on every request.
    email_verified = models.BooleanField(
        _("email address verified"),
        default=True,
        help_text=_("Unset for a sign-up that has not yet followed the link in its mail."),
    )
    # Set at every SSO sign-in (accounts.services.apply_sso_identity); an SSO account's API
    # token lapses some days after it (SSO_API_TOKEN_DAYS), read with the token in one query.
    sso_signed_in_at = models.DateTimeField(
        _("last SSO sign-in"), null=True, blank=True, editable=False
    )
    is_staff = models.BooleanField(_("staff status"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)

    objects = UserManager()

    EMAIL_FIELD = "email"
    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.UniqueConstraint(
                models.functions.Lower("email"), name="accounts_user_email_ci_unique"
            ),
        ]

    def __str__(self):
        return self.name or self.email

    def get_full_name(self):
        return self.name or self.email

    def get_short_name(self):
        return (self.name or self.email).split(" ")[0]


class OutboxMail(models.Model):
    """A mail owed to someone (an outbox row): every mail the system sends starts as one.

    Written in the transaction of the change that owes it, so a committed change always gets
    its mail and a rolled-back one never does, whether or not the task queue is reachable at
    that moment. `kind` names the builder that turns the row into a message (registered by
    the app that owns the kind, see accounts/outbox.py); `payload` holds ids and parameters,
    never a rendered message. The worker deletes the row once the mail is sent; a row that
    keeps failing stays, marked failed, for the admin.
    """

    kind = models.CharField(_("kind"), max_length=60)
    payload = models.JSONField(_("payload"), default=dict)
    # The recipient's language when the mail was owed; the message is built in it.
    language = models.CharField(_("language"), max_length=10, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    # When the next try is due; empty once the worker has given up on the mail.
    send_after = models.DateTimeField(_("send after"), null=True, default=timezone.now)
    failed_at = models.DateTimeField(_("failed at"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("outgoing mail")
        verbose_name_plural = _("outgoing mail")
        ordering = ["id"]
        indexes = [models.Index(fields=["send_after", "id"])]

    def __str__(self):
        return f"{self.kind} #{self.pk}"
