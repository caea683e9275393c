"""Event and programme owners. The event's organiser becomes its first owner; the rooms
held for sessions become the event's rather than the person's who booked them."""

import django.db.models.deletion
import django.db.models.functions.text
from django.conf import settings
from django.db import migrations, models


def organisers_to_owners(apps, schema_editor):
    Event = apps.get_model("events", "Event")
    Owner = Event.owners.through
    Owner.objects.bulk_create(
        [
            Owner(event_id=event_id, user_id=user_id)
            for event_id, user_id in Event.objects.filter(organiser__isnull=False).values_list(
                "pk", "organiser_id"
            )
        ],
        ignore_conflicts=True,
    )


def owners_to_organisers(apps, schema_editor):
    # Back to one organiser: the owner added first.
    Event = apps.get_model("events", "Event")
    first = {}
    for event_id, user_id in Event.owners.through.objects.order_by("pk").values_list(
        "event_id", "user_id"
    ):
        first.setdefault(event_id, user_id)
    for event_id, user_id in first.items():
        Event.objects.filter(pk=event_id).update(organiser_id=user_id)


def detach_session_bookings(apps, schema_editor):
    # A session's room is the event's: it must not follow (or be cancellable by) whoever
    # happened to book it once they stop owning the event.
    Booking = apps.get_model("booking", "Booking")
    Booking.objects.filter(event_session__isnull=False).update(user=None)


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0008_organisations"),
        ("booking", "0006_organisations"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="event",
            name="owners",
            field=models.ManyToManyField(
                blank=True,
                related_name="owned_events",
                to=settings.AUTH_USER_MODEL,
                verbose_name="owners",
            ),
        ),
        migrations.AddField(
            model_name="programme",
            name="owners",
            field=models.ManyToManyField(
                blank=True,
                related_name="owned_programmes",
                to=settings.AUTH_USER_MODEL,
                verbose_name="owners",
            ),
        ),
        migrations.CreateModel(
            name="OwnerInvitation",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("email", models.EmailField(max_length=254, verbose_name="email")),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                (
                    "event",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="owner_invitations",
                        to="events.event",
                    ),
                ),
                (
                    "invited_by",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "programme",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="owner_invitations",
                        to="events.programme",
                    ),
                ),
            ],
            options={
                "verbose_name": "owner invitation",
                "verbose_name_plural": "owner invitations",
                "ordering": ["created_at", "id"],
                "indexes": [
                    models.Index(
                        django.db.models.functions.text.Lower("email"),
                        name="events_ownerinvitation_email",
                    )
                ],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("event__isnull", True), ("programme__isnull", False)),
                            models.Q(("event__isnull", False), ("programme__isnull", True)),
                            _connector="OR",
                        ),
                        name="events_ownerinvitation_event_or_programme",
                    ),
                    models.UniqueConstraint(
                        django.db.models.functions.text.Lower("email"),
                        models.F("event"),
                        name="events_ownerinvitation_once_per_event",
                    ),
                    models.UniqueConstraint(
                        django.db.models.functions.text.Lower("email"),
                        models.F("programme"),
                        name="events_ownerinvitation_once_per_programme",
                    ),
                ],
            },
        ),
        migrations.RunPython(organisers_to_owners, owners_to_organisers),
        migrations.RunPython(detach_session_bookings, migrations.RunPython.noop),
        migrations.RemoveField(
            model_name="event",
            name="organiser",
        ),
    ]
