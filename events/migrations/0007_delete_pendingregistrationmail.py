from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0006_pending_registration_mail_to_outbox"),
    ]

    operations = [
        migrations.DeleteModel(
            name="PendingRegistrationMail",
        ),
    ]
