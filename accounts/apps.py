from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts")

    def ready(self):
        from accounts import mail, outbox, receivers  # noqa: F401 (receivers: allauth's signals)

        outbox.register([mail.ACCOUNT], mail.build_account_mail)
