from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import ArrayField, RangeOperators
from django.contrib.postgres.indexes import GistIndex
from django.db import models
from django.db.backends.postgresql.psycopg_any import DateTimeTZRange
from django.db.models import F, Q, Value
from django.db.models.functions import Cast
from django.utils.translation import gettext_lazy as _

from accounts.models import Affiliation, Organisation
from booking.ranges import TsTzRange


class Location(models.Model):
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    name = models.CharField(_("name"), max_length=150)
    address = models.CharField(_("address"), max_length=250, blank=True)
    # Managers of a location manage all its rooms; see booking.managers.
    managers = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="managed_locations",
        verbose_name=_("managers"),
        help_text=_("People who approve, decline and close all rooms of this location."),
    )
    manager_groups = models.ManyToManyField(
        "auth.Group",
        blank=True,
        related_name="managed_locations",
        verbose_name=_("manager groups"),
        help_text=_("Groups (such as an organisation's team) whose members manage this location."),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("location")
        verbose_name_plural = _("locations")

    def __str__(self):
        return self.name


class OpeningHours(models.Model):
    """One weekday's opening time of a location, in Europe/Amsterdam wall time."""

    class Weekday(models.IntegerChoices):
        MONDAY = 0, _("Monday")
        TUESDAY = 1, _("Tuesday")
        WEDNESDAY = 2, _("Wednesday")
        THURSDAY = 3, _("Thursday")
        FRIDAY = 4, _("Friday")
        SATURDAY = 5, _("Saturday")
        SUNDAY = 6, _("Sunday")

    location = models.ForeignKey(
        Location, on_delete=models.CASCADE, related_name="opening_hours", verbose_name=_("location")
    )
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    opens = models.TimeField(_("opens"))
    closes = models.TimeField(_("closes"))

    class Meta:
        ordering = ["location", "weekday", "opens"]
        verbose_name = _("opening hours")
        verbose_name_plural = _("opening hours")
        constraints = [
            models.CheckConstraint(
                condition=Q(opens__lt=F("closes")), name="booking_openinghours_opens_before_closes"
            ),
            models.CheckConstraint(
                condition=Q(weekday__gte=0, weekday__lte=6), name="booking_openinghours_weekday"
            ),
            models.UniqueConstraint(
                fields=["location", "weekday"], name="booking_openinghours_one_per_weekday"
            ),
        ]

    def __str__(self):
        return f"{self.get_weekday_display()} {self.opens:%H:%M}-{self.closes:%H:%M}"


class RoomKind(models.TextChoices):
    LAB = "lab", _("Lab")
    STUDIO = "studio", _("Studio")
    MEETING_ROOM = "meeting_room", _("Meeting room")
    CLASSROOM = "classroom", _("Classroom")
    WORKSPACE = "workspace", _("Workspace")
    AUDITORIUM = "auditorium", _("Auditorium")


class BookingMode(models.TextChoices):
    ROOM = "room", _("Whole room")
    SEATS = "seats", _("Seats")


class Room(models.Model):
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    name = models.CharField(_("name"), max_length=150)
    location = models.ForeignKey(
        Location, on_delete=models.PROTECT, related_name="rooms", verbose_name=_("location")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=RoomKind.choices)
    capacity = models.PositiveIntegerField(_("capacity"))
    description = models.TextField(_("description"), blank=True)
    amenities = models.JSONField(_("amenities"), default=list, blank=True)
    photo = models.ImageField(_("photo"), upload_to="rooms/", blank=True)
    thumbnail = models.ImageField(_("thumbnail"), upload_to="rooms/thumbs/", blank=True)
    # Booking rules.
    bookable_by = models.JSONField(
        _("bookable by"),
        default=list,
        blank=True,
        help_text=_("Affiliations that may book this room: hu, municipality, partner, public."),
    )
    # Organisations' members may book beside (allowed) or despite (refused) their affiliation.
    # Ids, not a many-to-many table: the rule is read with the room row, so checking it in a
    # booking rush costs no query (booking.rules.check_booker). An organisation's deletion
    # takes its id out (booking.receivers).
    organisations_allowed = ArrayField(
        models.BigIntegerField(),
        verbose_name=_("organisations allowed"),
        default=list,
        blank=True,
    )
    organisations_refused = ArrayField(
        models.BigIntegerField(),
        verbose_name=_("organisations refused"),
        default=list,
        blank=True,
    )
    requires_approval = models.BooleanField(_("requires approval"), default=False)
    min_duration_minutes = models.PositiveIntegerField(_("minimum duration (minutes)"), default=30)
    max_duration_minutes = models.PositiveIntegerField(_("maximum duration (minutes)"), default=480)
    max_days_ahead = models.PositiveIntegerField(_("bookable days ahead"), default=90)
    min_notice_minutes = models.PositiveIntegerField(_("minimum notice (minutes)"), default=0)
    buffer_minutes = models.PositiveIntegerField(_("buffer between bookings (minutes)"), default=0)
    booking_mode = models.CharField(
        _("booking mode"),
        max_length=10,
        choices=BookingMode.choices,
        default=BookingMode.ROOM,
        help_text=_(
            "Whole room: a booking takes the room. Seats: a booking takes its attendees' "
            "seats, and the room holds at most its capacity at any moment."
        ),
    )
    # Labels of the desks of a seats room, shown on its page (a desk map is a later step).
    desks = ArrayField(
        models.CharField(max_length=40), verbose_name=_("desks"), default=list, blank=True
    )
    # A room that needs check-in frees bookings nobody showed up for (booking.check_in).
    check_in_required = models.BooleanField(
        _("check-in required"),
        default=False,
        help_text=_("A booking not checked in by the release time is released for others."),
    )
    release_after_minutes = models.PositiveIntegerField(
        _("release after (minutes)"),
        default=15,
        help_text=_("Minutes after the start that a booking without check-in is released."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    managers = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="managed_rooms",
        verbose_name=_("managers"),
        help_text=_("People who approve, decline and close this room, beside its location's."),
    )
    manager_groups = models.ManyToManyField(
        "auth.Group",
        blank=True,
        related_name="managed_rooms",
        verbose_name=_("manager groups"),
        help_text=_("Groups (such as an organisation's team) whose members manage this room."),
    )

    class Meta:
        ordering = ["location__name", "name"]
        verbose_name = _("room")
        verbose_name_plural = _("rooms")
        constraints = [
            models.CheckConstraint(
                condition=Q(min_duration_minutes__lte=F("max_duration_minutes")),
                name="booking_room_min_duration_not_above_max",
            ),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="booking_room_capacity"),
            models.CheckConstraint(
                condition=Q(release_after_minutes__gte=1, release_after_minutes__lte=240),
                name="booking_room_release_after_range",
            ),
            models.CheckConstraint(
                condition=~Q(organisations_allowed__overlap=F("organisations_refused")),
                name="booking_room_organisation_allowed_or_refused",
                violation_error_message=_("An organisation cannot be both allowed and refused."),
            ),
        ]
        indexes = [models.Index(fields=["is_active", "kind", "capacity"])]

    def __str__(self):
        return self.name


class Closure(models.Model):
    """A period in which a whole location, or one room, cannot be booked."""

    location = models.ForeignKey(
        Location,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="closures",
        verbose_name=_("location"),
    )
    room = models.ForeignKey(
        Room,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="closures",
        verbose_name=_("room"),
    )
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"))
    reason = models.CharField(_("reason"), max_length=200)

    class Meta:
        ordering = ["start"]
        verbose_name = _("closure")
        verbose_name_plural = _("closures")
        constraints = [
            models.CheckConstraint(
                condition=Q(start__lt=F("end")), name="booking_closure_start_before_end"
            ),
            models.CheckConstraint(
                condition=Q(location__isnull=False, room__isnull=True)
                | Q(location__isnull=True, room__isnull=False),
                name="booking_closure_location_xor_room",
            ),
        ]
        indexes = [models.Index(fields=["end", "start"])]

    def __str__(self):
        return f"{self.room or self.location}: {self.reason}"


class Series(models.Model):
    """Bookings made together from one RFC 5545 recurrence rule."""

    room = models.ForeignKey(
        Room, on_delete=models.CASCADE, related_name="series", verbose_name=_("room")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="booking_series",
        verbose_name=_("user"),
    )
    rrule = models.CharField(_("recurrence rule"), max_length=250)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    # Set when the booker missed three occurrences in a row (booking.check_in): unless they
    # confirm by then, the rest of the series is cancelled and the room is free for others.
    confirm_by = models.DateTimeField(_("confirm the rest by"), null=True, blank=True)

    class Meta:
        verbose_name = _("series")
        verbose_name_plural = _("series")

    def __str__(self):
        return f"{self.room}: {self.rrule}"


class BookingStatus(models.TextChoices):
    PENDING = "pending", _("Pending approval")
    CONFIRMED = "confirmed", _("Confirmed")
    DECLINED = "declined", _("Declined")
    CANCELLED = "cancelled", _("Cancelled")
    # Not checked in by the room's release time: the slot went back to others.
    RELEASED = "released", _("Released (no check-in)")


LIVE_STATUSES = (BookingStatus.PENDING, BookingStatus.CONFIRMED)


class BookingQuerySet(models.QuerySet):
    def of_room(self, room):
        """Bookings of `room`, its id typed bigint like the column.

        The GiST index over (room_id, blocked range) serves `room_id = x` only for a bigint
        x (btree_gist has no cross-type operators), and a plain parameter arrives as an
        integer: the index then finds every room's bookings at that time and filters them.
        """
        return self.filter(room_id=Cast(Value(room.pk), models.BigIntegerField()))

    def live(self):
        """Bookings that hold their slot: pending and confirmed."""
        return self.filter(status__in=LIVE_STATUSES)

    def blocking(self, start, end):
        """Live bookings whose time plus buffer touches [start, end).

        A range overlap, which the GiST index over (room, blocked range) answers without
        scanning a room's whole future.
        """
        return (
            self.live()
            .alias(blocked_range=TsTzRange("blocked_from", "blocked_until"))
            .filter(blocked_range__overlap=DateTimeTZRange(start, end, "[)"))
        )


class Booking(models.Model):
    room = models.ForeignKey(
        Room, on_delete=models.PROTECT, related_name="bookings", verbose_name=_("room")
    )
    # Null once an account is deleted: past bookings stay for occupancy figures.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="bookings",
        verbose_name=_("user"),
    )
    title = models.CharField(_("title"), max_length=200, blank=True)
    public_title = models.BooleanField(
        _("title is public"),
        default=False,
        help_text=_("Show the title in the room's public calendar."),
    )
    attendees = models.PositiveIntegerField(_("attendees"), default=1)
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"))
    # The slot widened by the room's buffer, stored so the database can guard it: the
    # exclusion constraint covers [start, blocked_until), and a search for a free span
    # [a, b) is the plain comparison blocked_from < b and blocked_until > a.
    blocked_from = models.DateTimeField(_("blocked from"), editable=False)
    blocked_until = models.DateTimeField(_("blocked until"), editable=False)
    status = models.CharField(
        _("status"), max_length=20, choices=BookingStatus.choices, default=BookingStatus.CONFIRMED
    )
    # RFC 5545 SEQUENCE: grows on every change a calendar must pick up.
    sequence = models.PositiveIntegerField(_("sequence"), default=0)
    series = models.ForeignKey(
        Series,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="bookings",
        verbose_name=_("series"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    # Set by whichever worker claims the 24-hour reminder; the claim is what makes it once.
    reminder_sent_at = models.DateTimeField(_("reminder sent at"), null=True, editable=False)
    checked_in_at = models.DateTimeField(_("checked in at"), null=True, editable=False)
    # Why a manager declined it, told to the booker in the mail and on the booking's page.
    # A database default too: the one-statement insert and the benchmark's seeding write
    # rows without naming every column.
    decline_reason = models.CharField(
        _("reason for declining"), max_length=500, blank=True, default="", db_default=""
    )
    # The booker's affiliation and organisation when the booking was made (accounts.selectors.
    # snapshot_of), so reports stay true after they change organisation or erase their account.
    affiliation = models.CharField(
        _("affiliation when booked"),
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
        related_name="bookings",
        verbose_name=_("organisation when booked"),
    )

    # Set when the booking is made, from the room's mode (and True for an event's session,
    # which holds a seats room whole). Stored on the booking because the exclusion
    # constraint's condition can read only the booking's own row, never its room's: seat
    # bookings must fall outside it, as they may share time up to the room's capacity.
    takes_whole_room = models.BooleanField(
        _("takes the whole room"), default=True, db_default=True, editable=False
    )

    objects = BookingQuerySet.as_manager()

    class Meta:
        ordering = ["start", "id"]
        verbose_name = _("booking")
        verbose_name_plural = _("bookings")
        constraints = [
            models.CheckConstraint(
                condition=Q(start__lt=F("end")), name="booking_booking_start_before_end"
            ),
            models.CheckConstraint(
                condition=Q(blocked_from__lte=F("start")) & Q(blocked_until__gte=F("end")),
                name="booking_booking_blocked_covers_slot",
            ),
            models.CheckConstraint(condition=Q(attendees__gte=1), name="booking_attendees"),
            # Deferrable (checked per statement unless deferred): a rearrangement of several
            # bookings in one transaction, like two sessions trading places, is checked
            # once all have moved (booking.services.rearranging).
            ExclusionConstraint(
                name="booking_booking_no_overlap",
                deferrable=models.Deferrable.IMMEDIATE,
                expressions=[
                    ("room", RangeOperators.EQUAL),
                    (TsTzRange("start", "blocked_until"), RangeOperators.OVERLAPS),
                ],
                # Seat bookings share time; the room lock and the count of seats in the
                # booking's statement (booking.services.bookings) guard them.
                condition=Q(status__in=["pending", "confirmed"], takes_whole_room=True),
            ),
        ]
        indexes = [
            # Overlap lookups (Booking.objects.blocking) compare this range with &&;
            # btree_gist lets room_id share the index.
            GistIndex(
                F("room"),
                TsTzRange("blocked_from", "blocked_until"),
                name="booking_room_blocked_range",
            ),
            models.Index(fields=["user", "start"], name="booking_user_start"),
            models.Index(fields=["start"], name="booking_start"),
            # The release worker's scan: confirmed bookings without check-in, by start.
            models.Index(
                fields=["start"],
                name="booking_awaiting_check_in",
                condition=Q(status="confirmed", checked_in_at__isnull=True),
            ),
        ]

    def __str__(self):
        return f"{self.room}: {self.start:%Y-%m-%d %H:%M} ({self.get_status_display()})"

    @property
    def is_live(self) -> bool:
        return self.status in LIVE_STATUSES

    @property
    def seats(self) -> int | None:
        """The seats this booking takes; None when it takes the whole room."""
        return None if self.takes_whole_room else self.attendees


class FairUseLimit(models.Model):
    """How much one person may book of one kind of room: for everyone (no affiliation and
    no organisation), for an affiliation, or for the members of an organisation. The most
    specific limit that matches a person holds (organisation, then affiliation, then
    everyone); an empty field sets no limit of that sort."""

    room_kind = models.CharField(_("kind of room"), max_length=20, choices=RoomKind.choices)
    affiliation = models.CharField(
        _("affiliation"), max_length=20, choices=Affiliation.choices, blank=True
    )
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="fair_use_limits",
        verbose_name=_("organisation"),
    )
    max_hours_per_week = models.PositiveIntegerField(
        _("hours per person per week"), null=True, blank=True
    )
    max_future_bookings = models.PositiveIntegerField(
        _("upcoming bookings per person"), null=True, blank=True
    )
    max_days_ahead = models.PositiveIntegerField(_("bookable days ahead"), null=True, blank=True)

    class Meta:
        ordering = ["room_kind", "affiliation", "organisation"]
        verbose_name = _("fair-use limit")
        verbose_name_plural = _("fair-use limits")
        constraints = [
            models.UniqueConstraint(
                fields=["room_kind", "affiliation", "organisation"],
                nulls_distinct=False,
                name="booking_fairuselimit_one_per_group",
                violation_error_message=_("This group already has a limit for this kind of room."),
            ),
            models.CheckConstraint(
                condition=Q(affiliation="") | Q(organisation__isnull=True),
                name="booking_fairuselimit_affiliation_or_organisation",
                violation_error_message=_("Name an affiliation or an organisation, not both."),
            ),
        ]

    def __str__(self):
        group = self.organisation or self.get_affiliation_display() or _("everyone")
        return f"{self.get_room_kind_display()}: {group}"
