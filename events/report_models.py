"""The year plan: targets per covenant half-year, which the report sets beside the actual
figures (events.year_plan). A target is one of the report's measures with a filter."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Affiliation
from booking.models import RoomKind
from events.models import EventKind, Theme


class Measure(models.TextChoices):
    PEOPLE_BOOKED = "people_booked", _("People who booked a room")
    OCCUPANCY = "occupancy", _("Occupancy of rooms (%)")
    SESSIONS = "sessions", _("Sessions held")
    SESSIONS_IN_OUR_ROOMS = "sessions_in_our_rooms", _("Sessions held in our rooms (%)")
    REGISTRATIONS = "registrations", _("Confirmed registrations")
    PARTICIPANTS = "participants", _("People with a confirmed registration")
    ATTENDED = "attended", _("Registrations with attendance")


class YearPlanTarget(models.Model):
    half_year_start = models.DateField(
        _("half-year"),
        help_text=_("The first day of the covenant half-year: 28 March or 28 September."),
    )
    measure = models.CharField(_("measure"), max_length=30, choices=Measure.choices)
    # The filter: which of these apply depends on the measure (events.year_plan.FILTERS).
    affiliation = models.CharField(
        _("affiliation"), max_length=20, choices=Affiliation.choices, blank=True
    )
    organisation = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("organisation"),
    )
    location = models.ForeignKey(
        "booking.Location",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("location"),
    )
    room_kind = models.CharField(
        _("kind of room"), max_length=20, choices=RoomKind.choices, blank=True
    )
    event_kind = models.CharField(
        _("kind of event"), max_length=20, choices=EventKind.choices, blank=True
    )
    theme = models.CharField(_("theme"), max_length=20, choices=Theme.choices, blank=True)
    programme = models.ForeignKey(
        "events.Programme",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("programme"),
    )
    target = models.DecimalField(_("target"), max_digits=9, decimal_places=1)
    note = models.CharField(
        _("note"), max_length=200, blank=True, help_text=_("What the year plan calls it.")
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["measure", "half_year_start", "id"]
        verbose_name = _("year plan target")
        verbose_name_plural = _("year plan targets")
        constraints = [
            models.CheckConstraint(
                condition=Q(half_year_start__month=3, half_year_start__day=28)
                | Q(half_year_start__month=9, half_year_start__day=28),
                name="events_yearplantarget_half_year_start",
                violation_error_message=_("A half-year starts on 28 March or 28 September."),
            ),
            models.CheckConstraint(
                condition=Q(target__gte=0), name="events_yearplantarget_target_not_negative"
            ),
            models.UniqueConstraint(
                fields=[
                    "half_year_start",
                    "measure",
                    "affiliation",
                    "organisation",
                    "location",
                    "room_kind",
                    "event_kind",
                    "theme",
                    "programme",
                ],
                nulls_distinct=False,
                name="events_yearplantarget_one_per_half_year",
                violation_error_message=_("This half-year already has that target."),
            ),
        ]

    def __str__(self):
        return f"{self.half_year_start}: {self.get_measure_display()} {self.target}"
