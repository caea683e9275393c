"""Speakers and the schedules that programmes exchange with pretalx and frab.

A schedule event is keyed by its frab `guid` within one programme (`ScheduleEntry`), so a
re-import finds the event it made before, and the same file may fill two programmes (an
export imported elsewhere). Speakers belong to a programme, as pretalx's do to an event;
one imported from a schedule keeps the schedule's person key (`external_id`).
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Speaker(models.Model):
    programme = models.ForeignKey(
        "events.Programme",
        on_delete=models.CASCADE,
        related_name="speakers",
        verbose_name=_("programme"),
    )
    name = models.CharField(_("name"), max_length=200)
    organisation = models.CharField(_("organisation"), max_length=200, blank=True)
    bio = models.TextField(_("short bio"), blank=True)
    photo = models.ImageField(_("photo"), upload_to="speakers/", blank=True)
    external_id = models.CharField(
        _("schedule key"),
        max_length=100,
        blank=True,
        help_text=_("The person's code or id in the imported schedule."),
    )
    events = models.ManyToManyField(
        "events.Event", related_name="speakers", blank=True, verbose_name=_("events")
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("speaker")
        verbose_name_plural = _("speakers")
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "external_id"],
                condition=~Q(external_id=""),
                name="events_speaker_one_per_schedule_key",
            ),
        ]

    def __str__(self):
        return self.name


class ScheduleEntry(models.Model):
    """The event (of one session) that a schedule event became, keyed by its guid."""

    programme = models.ForeignKey(
        "events.Programme", on_delete=models.CASCADE, related_name="schedule_entries"
    )
    guid = models.UUIDField(_("schedule guid"))
    event = models.OneToOneField(
        "events.Event", on_delete=models.CASCADE, related_name="schedule_entry"
    )
    # The session the schedule event is; none once cancelled (cancelling deletes it).
    session = models.OneToOneField(
        "events.Session",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="schedule_entry",
    )
    # Set when the talk left the schedule: its session was cancelled like any other.
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)

    class Meta:
        verbose_name = _("schedule entry")
        verbose_name_plural = _("schedule entries")
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "guid"], name="events_scheduleentry_guid_per_programme"
            ),
        ]

    def __str__(self):
        return str(self.guid)


class ScheduleSettings(models.Model):
    """What the import form remembers per programme: schedule room name -> our room slug."""

    programme = models.OneToOneField(
        "events.Programme", on_delete=models.CASCADE, related_name="schedule_settings"
    )
    room_map = models.JSONField(_("room mapping"), default=dict, blank=True)

    class Meta:
        verbose_name = _("schedule settings")
        verbose_name_plural = _("schedule settings")

    def __str__(self):
        return str(self.programme)
