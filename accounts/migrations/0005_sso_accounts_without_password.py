"""SSO accounts get no password: take away any that was set before that rule."""

from django.contrib.auth.hashers import make_password
from django.db import migrations


def make_sso_passwords_unusable(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    for user in User.objects.filter(socialaccount__isnull=False).distinct():
        if not user.password.startswith("!"):
            user.password = make_password(None)
            user.save(update_fields=["password"])


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_outbox_mail"),
        ("socialaccount", "0006_alter_socialaccount_extra_data"),
    ]

    operations = [migrations.RunPython(make_sso_passwords_unusable, migrations.RunPython.noop)]
