from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BookingConfig(AppConfig):
    name = "booking"
    verbose_name = _("Rooms and bookings")

    def ready(self):
        from accounts import outbox
        from booking import emails

        outbox.register(emails.KINDS, emails.build_batch)
        outbox.register([emails.NEEDS_APPROVAL_KIND], emails.build_managers_batch)
