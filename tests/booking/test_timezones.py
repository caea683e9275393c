from datetime import datetime, timedelta, timezone

import pytest
from rest_framework import serializers

from booking.timezones import (
    LOCAL_TZ,
    LocalTimeError,
    StrictDateTimeField,
    StrictDateTimeFormField,
    make_aware_strict,
)


def test_ordinary_local_time_gets_amsterdam_offset():
    aware = make_aware_strict(datetime(2026, 3, 2, 9, 0))

    assert aware.utcoffset() == timedelta(hours=1)
    assert make_aware_strict(datetime(2026, 7, 2, 9, 0)).utcoffset() == timedelta(hours=2)


@pytest.mark.parametrize("minute", [0, 30, 59])
def test_time_in_spring_gap_is_refused(minute):
    with pytest.raises(LocalTimeError) as error:
        make_aware_strict(datetime(2026, 3, 29, 2, minute))

    assert error.value.code == "nonexistent"


@pytest.mark.parametrize("minute", [0, 30, 59])
def test_time_in_autumn_repeat_is_refused(minute):
    with pytest.raises(LocalTimeError) as error:
        make_aware_strict(datetime(2026, 10, 25, 2, minute))

    assert error.value.code == "ambiguous"


def test_times_next_to_transitions_are_fine():
    assert make_aware_strict(datetime(2026, 3, 29, 1, 59)).utcoffset() == timedelta(hours=1)
    assert make_aware_strict(datetime(2026, 3, 29, 3, 0)).utcoffset() == timedelta(hours=2)
    assert make_aware_strict(datetime(2026, 10, 25, 1, 59)).utcoffset() == timedelta(hours=2)
    assert make_aware_strict(datetime(2026, 10, 25, 3, 0)).utcoffset() == timedelta(hours=1)


def test_aware_input_is_kept():
    value = datetime(2026, 10, 25, 2, 30, tzinfo=timezone(timedelta(hours=1)))

    assert make_aware_strict(value) is value


def test_api_field_refuses_gap_and_takes_offset():
    field = StrictDateTimeField()

    with pytest.raises(serializers.ValidationError) as error:
        field.to_internal_value("2026-03-29T02:30:00")
    with_offset = field.to_internal_value("2026-10-25T02:30:00+01:00")

    assert "does not exist" in str(error.value.detail[0])
    assert with_offset.astimezone(LOCAL_TZ).utcoffset() == timedelta(hours=1)


def test_api_field_refuses_repeat():
    with pytest.raises(serializers.ValidationError) as error:
        StrictDateTimeField().to_internal_value("2026-10-25T02:30")

    assert "happens twice" in str(error.value.detail[0])


def test_form_field_names_the_gap():
    field = StrictDateTimeFormField()

    with pytest.raises(Exception) as error:
        field.clean("2026-03-29T02:15")

    assert error.value.code == "nonexistent"
    assert field.clean("2026-03-30T02:15").utcoffset() == timedelta(hours=2)
