"""Registration mail still owed when this release is installed moves to the one outbox
(accounts.OutboxMail), with its tries and its next try kept."""

from django.db import migrations


def move_to_outbox(apps, schema_editor):
    PendingRegistrationMail = apps.get_model("events", "PendingRegistrationMail")
    OutboxMail = apps.get_model("accounts", "OutboxMail")
    owed = PendingRegistrationMail.objects.select_related("registration__user").order_by("id")
    OutboxMail.objects.bulk_create(
        (
            OutboxMail(
                kind=f"registration.{pending.kind}",
                payload={"registration": pending.registration_id},
                language=(
                    pending.registration.user.language if pending.registration.user else ""
                ),
                created_at=pending.created_at,
                attempts=pending.attempts,
                send_after=pending.send_after,
            )
            for pending in owed.iterator(chunk_size=1000)
        ),
        batch_size=1000,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_outbox_mail"),
        ("events", "0005_pending_registration_mail"),
    ]

    operations = [migrations.RunPython(move_to_outbox, migrations.RunPython.noop)]
