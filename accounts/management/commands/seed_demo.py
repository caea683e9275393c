from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.test.utils import override_settings

from accounts.discovery import app_modules


class Command(BaseCommand):
    help = "Fill the database with demo data (idempotent). Refused when DEBUG=0."

    def add_arguments(self, parser):
        parser.add_argument("--quiet-logins", action="store_true", help="Do not print logins.")

    def handle(self, *args, quiet_logins=False, **options):
        if not settings.DEBUG:
            raise CommandError(
                "seed_demo makes accounts with known passwords; refused when DEBUG=0."
            )
        context: dict = {}
        # Demo bookings and registrations go through the real services, which mail people;
        # nobody should get (or see on the console) mail about made-up data.
        with (
            override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"),
            transaction.atomic(),
        ):
            # Each app that has a `demo` module adds its part, in INSTALLED_APPS order, so that
            # bookings can use the users and events can use the rooms.
            for _label, module in app_modules("demo"):
                module.seed(context)
        if not quiet_logins:
            self.stdout.write("Demo logins (email / password / role):")
            for email, password, role in context.get("logins", []):
                self.stdout.write(f"  {email:38} {password:28} {role}")
