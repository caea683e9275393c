from django.db import migrations, models
from django.db.models import Exists, OuterRef
from django.db.models.functions import Upper


def unverified_users(apps):
    """Users that the rule computed on every request until now held unverified.

    An SSO account is verified; a user with no address row for their email (made by staff,
    create_user or bulk_create) is too; otherwise a verified row for that address, whatever
    its case, is what counts."""
    User = apps.get_model("accounts", "User")
    EmailAddress = apps.get_model("account", "EmailAddress")
    SocialAccount = apps.get_model("socialaccount", "SocialAccount")
    # Upper() on both sides rather than iexact: a LIKE would read "_" and "%" as wildcards.
    addresses = EmailAddress.objects.alias(email_upper=Upper("email")).filter(
        user=OuterRef("pk"), email_upper=Upper(OuterRef("email"))
    )
    return User.objects.filter(
        ~Exists(SocialAccount.objects.filter(user=OuterRef("pk"))),
        Exists(addresses),
        ~Exists(addresses.filter(verified=True)),
    )


def store_email_verified(apps, schema_editor):
    unverified_users(apps).update(email_verified=False)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0005_sso_accounts_without_password"),
        ("account", "0001_initial"),
        ("socialaccount", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="email_verified",
            field=models.BooleanField(
                default=True,
                help_text="Unset for a sign-up that has not yet followed the link in its mail.",
                verbose_name="email address verified",
            ),
        ),
        migrations.RunPython(store_email_verified, migrations.RunPython.noop),
    ]
