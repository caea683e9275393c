"""Property tests of the interval arithmetic behind availability."""

import itertools
from datetime import UTC, date, datetime, time, timedelta

from hypothesis import given
from hypothesis import strategies as st

from booking import intervals
from booking.timezones import LOCAL_TZ

BASE = datetime(2027, 3, 22, tzinfo=UTC)  # the week of a spring clock change


def pairs_to_intervals(pairs):
    return [
        (BASE + timedelta(minutes=a), BASE + timedelta(minutes=a + length)) for a, length in pairs
    ]


interval_lists = st.lists(st.tuples(st.integers(0, 10_000), st.integers(1, 600)), max_size=12).map(
    pairs_to_intervals
)

quarter_hours = st.integers(0, 95).map(lambda q: time(q // 4, (q % 4) * 15))
weekly_hours = st.dictionaries(
    st.integers(0, 6),
    st.tuples(quarter_hours, quarter_hours).filter(lambda t: t[0] < t[1]).map(lambda t: [t]),
    max_size=7,
)
days_around_changes = st.sampled_from(
    [date(2027, 3, 27), date(2027, 3, 28), date(2027, 10, 30), date(2027, 10, 31)]
)


def no_overlaps(spans):
    return all(a[1] <= b[0] for a, b in itertools.pairwise(spans))


@given(interval_lists, interval_lists)
def test_free_plus_busy_equals_open(open_spans, taken):
    busy = intervals.intersect(taken, open_spans)
    free = intervals.subtract(open_spans, busy)

    assert intervals.normalise(free + busy) == intervals.normalise(open_spans)
    assert intervals.intersect(free, busy) == []
    assert no_overlaps(free)
    assert no_overlaps(busy)
    assert intervals.total(free) + intervals.total(busy) == intervals.total(open_spans)


@given(interval_lists)
def test_normalise_is_sorted_disjoint_and_idempotent(spans):
    merged = intervals.normalise(spans)

    assert no_overlaps(merged)
    assert all(a[1] < b[0] for a, b in itertools.pairwise(merged))
    assert intervals.normalise(merged) == merged
    assert intervals.total(merged) <= sum((e - s for s, e in spans), timedelta())


@given(weekly_hours, days_around_changes)
def test_opening_intervals_on_dst_days_have_real_length(hours, day):
    start = datetime.combine(day, time(0)).replace(tzinfo=LOCAL_TZ)
    span = (start, start + timedelta(days=1))

    opened = intervals.opening_intervals(hours, span, LOCAL_TZ)

    expected = timedelta()
    for opens, closes in hours.get(day.weekday(), []):
        length = intervals.wall_time(day, closes, LOCAL_TZ) - intervals.wall_time(
            day, opens, LOCAL_TZ
        )
        # Opening inside the spring gap lands just after it (wall_time), which can be after
        # a closing time just past the gap: open 02:45, close 03:15 is not open at all.
        expected += max(length, timedelta())
    assert intervals.total(opened) == expected
    assert no_overlaps(opened)


def test_opening_intervals_spring_day_loses_an_hour():
    hours = {6: [(time(0, 0), time(23, 0))]}
    start = datetime(2027, 3, 28, tzinfo=LOCAL_TZ)

    opened = intervals.opening_intervals(hours, (start, start + timedelta(days=1)), LOCAL_TZ)

    assert intervals.total(opened) == timedelta(hours=22)


def test_opening_intervals_autumn_day_gains_an_hour():
    hours = {6: [(time(0, 0), time(23, 0))]}
    start = datetime(2027, 10, 31, tzinfo=LOCAL_TZ)

    opened = intervals.opening_intervals(hours, (start, start + timedelta(days=1)), LOCAL_TZ)

    assert intervals.total(opened) == timedelta(hours=24)


@given(interval_lists, interval_lists)
def test_subtract_leaves_nothing_of_what_was_removed(base, removed):
    rest = intervals.subtract(base, removed)

    assert intervals.intersect(rest, removed) == []
    assert all(intervals.covers(base, span) for span in rest)


def test_opening_in_the_spring_gap_closing_just_after_it_is_not_open():
    # Found by the property test above: 02:45 does not exist on that Sunday and reads as
    # 03:45, after the 03:15 closing time.
    hours = {6: [(time(2, 45), time(3, 15))]}
    start = datetime(2027, 3, 28, tzinfo=LOCAL_TZ)

    assert intervals.opening_intervals(hours, (start, start + timedelta(days=1)), LOCAL_TZ) == []
