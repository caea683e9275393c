from datetime import time

import factory

from booking.models import Location, OpeningHours, Room, RoomKind


class LocationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Location
        skip_postgeneration_save = True

    slug = factory.Sequence(lambda n: f"location-{n}")
    name = factory.Sequence(lambda n: f"Location {n}")
    address = "Oude Amersfoortseweg 131, Hilversum"

    @factory.post_generation
    def hours(self, create, extracted, **kwargs):
        """Open every day 07:00-23:00 unless given {weekday: (opens, closes)}."""
        if not create:
            return
        spans = extracted if extracted is not None else dict.fromkeys(range(7), ("07:00", "23:00"))
        OpeningHours.objects.bulk_create(
            OpeningHours(
                location=self,
                weekday=weekday,
                opens=time.fromisoformat(opens),
                closes=time.fromisoformat(closes),
            )
            for weekday, (opens, closes) in spans.items()
        )


class RoomFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Room

    slug = factory.Sequence(lambda n: f"room-{n}")
    name = factory.Sequence(lambda n: f"Room {n}")
    location = factory.SubFactory(LocationFactory)
    kind = RoomKind.LAB
    capacity = 8
    bookable_by = factory.LazyFunction(lambda: ["hu", "municipality", "partner"])
    min_duration_minutes = 30
    max_duration_minutes = 480
    max_days_ahead = 400  # the next autumn clock change can be more than a year away
    min_notice_minutes = 0
    buffer_minutes = 0
