from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BookingConfig(AppConfig):
    name = "booking"
    verbose_name = _("Rooms and bookings")

    def ready(self):
        from django.db.models.signals import post_delete

        from accounts import outbox
        from accounts.models import Organisation
        from booking import emails, receivers

        outbox.register(emails.KINDS, emails.build_batch)
        outbox.register([emails.NEEDS_APPROVAL_KIND], emails.build_managers_batch)
        post_delete.connect(
            receivers.forget_organisation,
            sender=Organisation,
            dispatch_uid="booking.forget_organisation",
        )
