from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts")

    def ready(self):
        from accounts import mail, outbox, receivers

        outbox.register([mail.ACCOUNT], mail.build_account_mail)
        post_migrate.connect(
            receivers.seed_sso_organisations, sender=self, dispatch_uid="accounts.seed_sso"
        )
