"""manage.py import_schedule FILE --programme SLUG [--rooms JSON] [--actor EMAIL]"""

import json
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from accounts.errors import DomainError
from events.models import Programme
from events.schedule_import import parse_schedule
from events.services.schedule import import_schedule, remembered_room_map


class Command(BaseCommand):
    help = (
        "Import a frab or pretalx schedule (JSON or XML) into a programme, as the API's "
        "import does; prints the counts as JSON."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--programme", required=True, help="the programme's slug")
        parser.add_argument(
            "--rooms",
            help='JSON object: schedule room name -> room slug, e.g. \'{"Hall 1": "studio-21"}\'; '
            "without it, the mapping of the programme's last import",
        )
        parser.add_argument(
            "--actor",
            help="email of the event organiser the changes are made as (default: a superuser)",
        )

    def handle(self, *args, file: Path, programme: str, rooms, actor, **options):
        target = Programme.objects.filter(slug=programme).first()
        if target is None:
            raise CommandError(f"No programme {programme}.")
        try:
            room_map = json.loads(rooms) if rooms else remembered_room_map(target)
        except ValueError as error:
            raise CommandError(f"--rooms is not JSON: {error}") from error
        if not isinstance(room_map, dict):
            raise CommandError("--rooms must be a JSON object of room names to room slugs.")
        try:
            content = file.read_bytes()
        except OSError as error:
            raise CommandError(str(error)) from error
        try:
            counts = import_schedule(
                actor=self._actor(actor),
                programme=target,
                talks=parse_schedule(content),
                room_map=room_map,
            )
        except DomainError as error:
            detail = "".join(
                f"\n  {start.isoformat()} - {end.isoformat()}" for start, end in error.conflicts
            )
            raise CommandError(f"{error.message}{detail}") from error
        self.stdout.write(json.dumps(counts))

    def _actor(self, email):
        users = get_user_model().objects.filter(is_active=True)
        user = (
            users.filter(email__iexact=email).first()
            if email
            else users.filter(is_superuser=True).order_by("pk").first()
        )
        if user is None:
            raise CommandError(f"No active user {email}." if email else "Give --actor EMAIL.")
        return user
