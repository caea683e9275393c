"""Two managers saving the same target at once leave one target: the unique constraint
(with NULL filters not distinct) decides, and update_or_create reads again after it refuses.
The control drops the constraint and shows the duplicates it prevents."""

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection

from events import services
from events.models import Measure, YearPlanTarget
from tests.conftest import constraint_dropped
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

SAVERS = 8


def save_at_once(planners, half_year_start: date) -> list:
    barrier = threading.Barrier(len(planners))

    def save(index_and_planner):
        index, planner = index_and_planner
        barrier.wait()
        try:
            return services.record_target(
                actor=planner,
                half_year_start=half_year_start,
                measure=Measure.SESSIONS,
                event_kind="llo_course",
                target=Decimal(10 + index),
            )
        except YearPlanTarget.MultipleObjectsReturned as error:
            # Without the constraint: a saver that comes after duplicates finds two.
            return error
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=len(planners)) as pool:
        return list(pool.map(save, enumerate(planners)))


def test_targets_saved_at_once_leave_one(db):
    planners = [UserFactory(groups=["facility_managers"]) for _ in range(SAVERS)]

    saved = save_at_once(planners, date(2026, 9, 28))

    assert all(isinstance(target, YearPlanTarget) for target in saved)
    assert YearPlanTarget.objects.count() == 1
    assert YearPlanTarget.objects.get().target in {Decimal(10 + i) for i in range(SAVERS)}


def test_control_without_the_constraint_targets_saved_at_once_duplicate(db):
    planners = [UserFactory(groups=["facility_managers"]) for _ in range(SAVERS)]
    starts = [date(year, month, 28) for year in range(2023, 2027) for month in (3, 9)]

    with constraint_dropped(
        YearPlanTarget,
        "events_yearplantarget_one_per_half_year",
        cleanup=lambda: YearPlanTarget.objects.all().delete(),
    ):
        # Several rounds: a round may by chance run one after the other.
        for start in starts:
            save_at_once(planners, start)
            if YearPlanTarget.objects.filter(half_year_start=start).count() > 1:
                break
        duplicated = YearPlanTarget.objects.filter(half_year_start=start).count()

    assert duplicated > 1
