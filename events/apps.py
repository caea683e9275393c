from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EventsConfig(AppConfig):
    name = "events"
    verbose_name = _("Events and registrations")

    def ready(self):
        from accounts import outbox
        from events import emails, owner_emails, receivers
        from events.services import OWNER_INVITATION

        outbox.register(emails.REGISTRATION_KINDS, emails.build_registration_batch)
        outbox.register(emails.SESSION_KINDS, emails.build_session_batch)
        outbox.register([OWNER_INVITATION], owner_emails.build_owner_invitation_batch)
        receivers.connect()
