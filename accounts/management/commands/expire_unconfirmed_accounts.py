from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand

from accounts.services import expire_unconfirmed_accounts


class Command(BaseCommand):
    help = (
        "Delete local sign-ups that did not confirm their address within "
        "UNCONFIRMED_ACCOUNT_DAYS and hold nothing (no bookings, no registrations)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=settings.UNCONFIRMED_ACCOUNT_DAYS)

    def handle(self, *args, days, **options):
        deleted = expire_unconfirmed_accounts(older_than=timedelta(days=days))
        self.stdout.write(f"Deleted {deleted} unconfirmed account(s).")
