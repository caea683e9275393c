"""Programmes, events, sessions, registrations and attendance.

Seats are counted on the event row (`seats_taken`, `waitlist_length`, `waitlist_next`), changed
only by events.services under a row lock, so the API never counts registrations per request.

Waitlist places: every waitlisted registration gets a `queue_number` from the event's
monotonically increasing `waitlist_next`; numbers are never reused or renumbered. A person's
place in line is the rank of their queue number among the event's waitlisted registrations
(1, 2, 3, ... without gaps by construction), so leaving the waitlist or being promoted never
rewrites other rows.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from accounts.models import Affiliation, Organisation
from events import content


class EventKind(models.TextChoices):
    DMW_SESSION = "dmw_session", _("Dutch Media Week session")
    LLO_COURSE = "llo_course", _("LLO course")
    CAMPUS_EVENT = "campus_event", _("Campus event")


class Theme(models.TextChoices):
    MEDIA_CAMPUS = "media_campus", _("Media Campus")
    MEDIA_ICT = "media_ict", _("Media & ICT")
    SUSTAINABILITY = "sustainability", _("Sustainability")
    CARE_EDUCATION = "care_education", _("Care and education")


class RegistrationStatus(models.TextChoices):
    CONFIRMED = "confirmed", _("Confirmed")
    WAITLISTED = "waitlisted", _("Waitlisted")
    CANCELLED = "cancelled", _("Cancelled")


def default_audience() -> list[str]:
    return list(Affiliation.values)


class Programme(models.Model):
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    name = models.CharField(_("name"), max_length=150)
    description = models.TextField(_("description"), blank=True)
    title_en = models.CharField(_("name in English"), max_length=150, blank=True)
    description_en = models.TextField(_("description in English"), blank=True)
    starts_on = models.DateField(_("first day"), null=True, blank=True)
    ends_on = models.DateField(_("last day"), null=True, blank=True)
    # Owners manage the programme and every event in it (events.ownership).
    owners = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="owned_programmes",
        verbose_name=_("owners"),
    )

    class Meta:
        verbose_name = _("programme")
        verbose_name_plural = _("programmes")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(starts_on__isnull=True)
                | Q(ends_on__isnull=True)
                | Q(starts_on__lte=F("ends_on")),
                name="events_programme_dates_in_order",
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def display_name(self) -> str:
        """The name in the active language (the English one where there is one)."""
        return content.programme_name(self)

    @property
    def display_description(self) -> str:
        return content.programme_description(self)


class Event(models.Model):
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    programme = models.ForeignKey(
        Programme, on_delete=models.PROTECT, related_name="events", verbose_name=_("programme")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=EventKind.choices)
    theme = models.CharField(_("theme"), max_length=20, choices=Theme.choices)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    title_en = models.CharField(_("title in English"), max_length=200, blank=True)
    description_en = models.TextField(_("description in English"), blank=True)
    audience = models.JSONField(
        _("audience"),
        default=default_audience,
        help_text=_("Affiliations that may register."),
    )
    capacity = models.PositiveIntegerField(_("capacity"))
    registration_opens = models.DateTimeField(_("registration opens"), null=True, blank=True)
    registration_closes = models.DateTimeField(_("registration closes"), null=True, blank=True)
    waitlist = models.BooleanField(_("waitlist"), default=True)
    # A draft is seen and managed by its owners only; nobody can register for it. Events
    # made on the manage pages start as drafts; the API, imports and the admin publish at
    # once unless told otherwise, as they did before drafts existed.
    published = models.BooleanField(_("published"), default=True, db_default=True)
    # Its creator and the co-organisers they add; the programme's owners manage it as well.
    # The last owner cannot leave (events.services.owners, under the event's row lock).
    owners = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="owned_events",
        verbose_name=_("owners"),
    )
    image = models.ImageField(_("image"), upload_to="events/", blank=True)
    # Counters kept by events.services in the same transaction as the registration change.
    seats_taken = models.PositiveIntegerField(_("seats taken"), default=0, editable=False)
    waitlist_length = models.PositiveIntegerField(_("waitlist length"), default=0, editable=False)
    waitlist_next = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        ordering = ["title"]
        constraints = [
            models.CheckConstraint(
                condition=Q(registration_opens__isnull=True)
                | Q(registration_closes__isnull=True)
                | Q(registration_opens__lt=F("registration_closes")),
                name="events_event_window_in_order",
            ),
        ]

    def __str__(self):
        return self.title

    @property
    def display_title(self) -> str:
        """The title in the active language (the English one where there is one)."""
        return content.event_title(self)

    @property
    def display_description(self) -> str:
        return content.event_description(self)

    @property
    def seats_left(self) -> int:
        # A lowered capacity keeps everyone confirmed, so seats_taken may exceed it.
        return max(self.capacity - self.seats_taken, 0)


class Session(models.Model):
    event = models.ForeignKey(
        Event, on_delete=models.CASCADE, related_name="sessions", verbose_name=_("event")
    )
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"))
    room = models.ForeignKey(
        "booking.Room",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="event_sessions",
        verbose_name=_("room"),
    )
    # The room held for this session, through booking's services: a room is never double
    # booked between events and lab bookings, because both go through one engine.
    booking = models.OneToOneField(
        "booking.Booking",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="event_session",
        verbose_name=_("room booking"),
    )
    location_text = models.CharField(
        _("place"), max_length=200, blank=True, help_text=_("Where, when not in one of our rooms.")
    )
    # RFC 5545 SEQUENCE of the session's calendar entries: grows on every change a calendar
    # must pick up (time, place, title).
    sequence = models.PositiveIntegerField(_("sequence"), default=0, editable=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    # Set by whichever worker claims the 24-hour reminder; the claim is what makes it once.
    reminder_sent_at = models.DateTimeField(_("reminder sent at"), null=True, editable=False)

    class Meta:
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        ordering = ["start", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(start__lt=F("end")), name="events_session_start_before_end"
            ),
            models.CheckConstraint(
                condition=Q(room__isnull=True, booking__isnull=True)
                | Q(room__isnull=False, booking__isnull=False),
                name="events_session_room_has_booking",
            ),
        ]
        indexes = [models.Index(fields=["start"])]

    def __str__(self):
        return f"{self.event} {self.start:%Y-%m-%d %H:%M}"


class Registration(models.Model):
    event = models.ForeignKey(
        Event, on_delete=models.CASCADE, related_name="registrations", verbose_name=_("event")
    )
    # Null once the person's data is erased; the row stays so past counts stay true.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="registrations",
        verbose_name=_("person"),
    )
    status = models.CharField(_("status"), max_length=20, choices=RegistrationStatus.choices)
    queue_number = models.PositiveIntegerField(_("queue number"), null=True, blank=True)
    created_at = models.DateTimeField(_("registered at"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    # The person's affiliation and organisation, and the event's theme, when they registered:
    # reports stay true after the person changes organisation or erases their account.
    affiliation = models.CharField(
        _("affiliation when registered"),
        max_length=20,
        choices=Affiliation.choices,
        blank=True,
        editable=False,
    )
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="registrations",
        verbose_name=_("organisation when registered"),
    )
    theme = models.CharField(
        _("theme when registered"), max_length=20, choices=Theme.choices, blank=True, editable=False
    )

    class Meta:
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "user"],
                condition=~Q(status=RegistrationStatus.CANCELLED),
                name="events_registration_one_live_per_person",
            ),
            models.UniqueConstraint(
                fields=["event", "queue_number"], name="events_registration_queue_number_unique"
            ),
            models.CheckConstraint(
                condition=~Q(status=RegistrationStatus.WAITLISTED) | Q(queue_number__isnull=False),
                name="events_registration_waitlisted_has_queue_number",
            ),
        ]
        indexes = [models.Index(fields=["event", "status", "queue_number"])]

    def __str__(self):
        return f"{self.user} – {self.event}"


class Attendance(models.Model):
    registration = models.ForeignKey(
        Registration, on_delete=models.CASCADE, related_name="attendances"
    )
    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="attendances")
    checked_in_at = models.DateTimeField(_("checked in at"))
    checked_in_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        constraints = [
            models.UniqueConstraint(
                fields=["registration", "session"], name="events_attendance_once_per_session"
            ),
        ]

    def __str__(self):
        return f"{self.registration} @ {self.session}"


class OwnerInvitation(models.Model):
    """An address without an account, invited to own an event or a programme: whoever signs
    in with that address, verified, becomes an owner (events.receivers)."""

    event = models.ForeignKey(
        Event, on_delete=models.CASCADE, null=True, blank=True, related_name="owner_invitations"
    )
    programme = models.ForeignKey(
        Programme,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="owner_invitations",
    )
    email = models.EmailField(_("email"))
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("owner invitation")
        verbose_name_plural = _("owner invitations")
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(event__isnull=True, programme__isnull=False)
                | Q(event__isnull=False, programme__isnull=True),
                name="events_ownerinvitation_event_or_programme",
            ),
            models.UniqueConstraint(
                Lower("email"), "event", name="events_ownerinvitation_once_per_event"
            ),
            models.UniqueConstraint(
                Lower("email"), "programme", name="events_ownerinvitation_once_per_programme"
            ),
        ]
        indexes = [models.Index(Lower("email"), name="events_ownerinvitation_email")]

    def __str__(self):
        return f"{self.email} – {self.event or self.programme}"


# Schedule exchange (speakers, imported schedule entries) lives in its own module.
# The covenant report's year plan, likewise.
from events.report_models import Measure, YearPlanTarget  # noqa: E402
from events.schedule_models import ScheduleEntry, ScheduleSettings, Speaker  # noqa: E402

__all__ = ["Measure", "ScheduleEntry", "ScheduleSettings", "Speaker", "YearPlanTarget"]
