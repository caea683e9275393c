"""The year plan's targets: recorded and removed by facility managers and event
administrators (report viewers only read). One target per half-year, measure and filter, which
the database's unique constraint keeps; recording one again changes its value."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.roles import is_event_administrator, is_facility_manager
from booking.report_periods import COVENANT_START, is_half_year_start
from events.errors import RegistrationError
from events.models import Measure, YearPlanTarget

# Which filters each measure understands (the measures' queries are in events.year_plan).
FILTERS = {
    Measure.PEOPLE_BOOKED: ("affiliation", "organisation", "location", "room_kind"),
    Measure.OCCUPANCY: ("location", "room_kind"),
    Measure.SESSIONS: ("event_kind", "theme", "programme"),
    Measure.SESSIONS_IN_OUR_ROOMS: ("event_kind", "theme", "programme"),
    Measure.REGISTRATIONS: ("affiliation", "organisation", "event_kind", "theme", "programme"),
    Measure.PARTICIPANTS: ("affiliation", "organisation", "event_kind", "theme", "programme"),
    Measure.ATTENDED: ("affiliation", "organisation", "event_kind", "theme", "programme"),
}
PERCENT_MEASURES = (Measure.OCCUPANCY, Measure.SESSIONS_IN_OUR_ROOMS)
FILTER_FIELDS = (
    "affiliation",
    "organisation",
    "location",
    "room_kind",
    "event_kind",
    "theme",
    "programme",
)
# What a person writes for a target, on the report page and in the admin.
TARGET_FIELDS = ("half_year_start", "measure", "target", *FILTER_FIELDS, "note")


def may_plan(user) -> bool:
    return is_facility_manager(user) or is_event_administrator(user)


def _require_planner(actor) -> None:
    if not may_plan(actor):
        raise RegistrationError(
            _("Only facility managers and event administrators keep the year plan."),
            code="forbidden",
        )


def record_target(
    *,
    actor,
    half_year_start: date,
    measure: str,
    target: Decimal,
    note: str = "",
    affiliation: str = "",
    organisation=None,
    location=None,
    room_kind: str = "",
    event_kind: str = "",
    theme: str = "",
    programme=None,
) -> YearPlanTarget:
    """Set the target of `measure` with its filter for the half-year from `half_year_start`."""
    _require_planner(actor)
    given = {
        "affiliation": affiliation,
        "organisation": organisation,
        "location": location,
        "room_kind": room_kind,
        "event_kind": event_kind,
        "theme": theme,
        "programme": programme,
    }
    check_target(half_year_start=half_year_start, measure=measure, target=target, **given)
    with transaction.atomic():
        # update_or_create reads again after a racing insert of the same target (the unique
        # constraint refuses the second), so two managers saving at once leave one target.
        found, _created = YearPlanTarget.objects.update_or_create(
            half_year_start=half_year_start,
            measure=measure,
            **given,
            defaults={"target": target, "note": note, "recorded_by": actor},
        )
    return found


def check_target(*, half_year_start: date, measure: str, target: Decimal, **given) -> None:
    """Raise RegistrationError naming the field when the target cannot be recorded."""
    if measure not in Measure.values:
        raise RegistrationError(_("Choose one of the measures."), field="measure")
    if not is_half_year_start(half_year_start) or half_year_start < COVENANT_START:
        raise RegistrationError(
            _("A half-year of the covenant starts on 28 March or 28 September, from 2023."),
            field="half_year_start",
        )
    if target < 0 or (measure in PERCENT_MEASURES and target > 100):
        raise RegistrationError(
            _("A percentage lies between 0 and 100.")
            if measure in PERCENT_MEASURES
            else _("A target is 0 or more."),
            field="target",
        )
    for name, value in given.items():
        if value and name not in FILTERS[measure]:
            raise RegistrationError(
                _("This measure cannot be filtered by %(filter)s.")
                % {"filter": YearPlanTarget._meta.get_field(name).verbose_name},
                field=name,
            )
    if given.get("affiliation") and given.get("organisation") is not None:
        raise RegistrationError(
            _("Filter by an affiliation or an organisation, not both."), field="organisation"
        )


def remove_target(*, actor, target: YearPlanTarget) -> None:
    _require_planner(actor)
    YearPlanTarget.objects.filter(pk=target.pk).delete()
