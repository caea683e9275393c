"""Demo locations, rooms with generated photos and a realistic week of bookings.

Called by `manage.py seed_demo` after accounts; idempotent. Puts `rooms` (slug -> Room) and
`locations` into the context for the apps that follow.
"""

from datetime import datetime, time, timedelta
from io import BytesIO

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image, ImageDraw

from accounts.demo import MBO_SLUG
from booking.errors import BookingError
from booking.models import Booking, BookingMode, Location, Room, RoomKind
from booking.services import create_booking
from booking.services.facilities import (
    save_location,
    save_room,
    set_fair_use_limit,
    set_room_organisations,
    set_room_photo,
)
from booking.timezones import LOCAL_TZ

WEEKDAYS = range(5)
LOCATIONS = [
    {
        "slug": "lab-in-het-centrum",
        "name": "Lab in het Centrum",
        "address": "Kerkbrink 6, 1211 BX Hilversum",
        "hours": {**dict.fromkeys(WEEKDAYS, ("08:30", "22:00")), 5: ("10:00", "17:00")},
    },
    {
        "slug": "media-park",
        "name": "Media Park, Kennis- en innovatiecentrum",
        "address": "Media Park, Sumatralaan 45, 1217 GP Hilversum",
        "hours": dict.fromkeys(WEEKDAYS, ("08:00", "21:30")),
    },
]
EVERYONE_BUT_PUBLIC = ["hu", "municipality", "partner"]
# slug, name, location, kind, capacity, extra rules, amenities, description
ROOMS = [
    ("redactielab", "Redactielab", 0, RoomKind.LAB, 24,
     {"booking_mode": BookingMode.SEATS, "desks": [f"Redactieplek {n}" for n in range(1, 25)],
      "check_in_required": True},
     ["nieuwsschermen", "16 iMacs"],
     "De redactie van de journalistiekstudenten: 24 bureaus, een nieuwsmuur en een hoek voor "
     "liveblogs. Je boekt een plek per persoon."),
    ("podcaststudio", "Podcaststudio", 0, RoomKind.STUDIO, 4,
     {"buffer_minutes": 15, "max_duration_minutes": 240, "check_in_required": True},
     ["4 Shure SM7B", "RodeCaster Pro II"],
     "Akoestisch behandelde studio voor podcasts en radio, met vier microfoons."),
    ("montageplek-1", "Montageplek 1", 0, RoomKind.WORKSPACE, 2, {"bookable_by": ["hu"]},
     ["DaVinci Resolve", "gekalibreerd scherm"], "Montageplek voor video."),
    ("montageplek-2", "Montageplek 2", 0, RoomKind.WORKSPACE, 2, {"bookable_by": ["hu"]},
     ["Adobe Premiere", "koptelefoon"], "Montageplek voor video en audio."),
    ("vergaderkamer-dudok", "Vergaderkamer Dudok", 0, RoomKind.MEETING_ROOM, 8, {},
     ["scherm", "whiteboard"], "Vergaderkamer met uitzicht op de Kerkbrink."),
    ("xr-lab", "XR-lab", 1, RoomKind.LAB, 12,
     {"requires_approval": True, "min_notice_minutes": 1440, "bookable_by": ["hu", "partner"]},
     ["6 Meta Quest 3", "motion capture"],
     "Lab van Immersive en AV Design: VR, AR en volumetrische opnames."),
    ("greenscreen-studio", "Greenscreen studio", 1, RoomKind.STUDIO, 10,
     {"requires_approval": True, "buffer_minutes": 30}, ["green screen", "3 camera's", "licht"],
     "Tv-studio met green screen en een kleine regiekamer."),
    ("leslokaal-1-12", "Leslokaal 1.12", 1, RoomKind.CLASSROOM, 30, {},
     ["beamer", "whiteboard"], "Leslokaal voor LLO-cursussen en colleges."),
    ("leslokaal-1-14", "Leslokaal 1.14", 1, RoomKind.CLASSROOM, 24, {},
     ["touchscreen"], "Leslokaal met verplaatsbare tafels."),
    ("auditorium", "Auditorium", 1, RoomKind.AUDITORIUM, 150,
     {"requires_approval": True, "bookable_by": ["hu", "municipality"], "buffer_minutes": 30},
     ["podium", "streaming", "ringleiding"], "De zaal voor sessies van de Dutch Media Week."),
    ("flexplekken", "Flexplekken", 1, RoomKind.WORKSPACE, 20,
     {"bookable_by": ["hu", "municipality", "partner", "public"],
      "booking_mode": BookingMode.SEATS, "desks": [f"Flexplek {n}" for n in range(1, 21)],
      "check_in_required": True},
     ["wifi", "koffie"],
     "Open werkruimte voor studenten en partners van het Media Park. Je boekt een plek per "
     "persoon."),
    ("vergaderruimte-gooi", "Vergaderruimte 't Gooi", 1, RoomKind.MEETING_ROOM, 12, {},
     ["videovergaderen"], "Vergaderruimte voor projectteams met partners."),
]  # fmt: skip
COLOURS = {
    RoomKind.LAB: (11, 92, 173),
    RoomKind.STUDIO: (138, 75, 0),
    RoomKind.MEETING_ROOM: (27, 107, 50),
    RoomKind.CLASSROOM: (90, 60, 140),
    RoomKind.WORKSPACE: (20, 120, 130),
    RoomKind.AUDITORIUM: (160, 30, 60),
}
# room slug, weekday, start, end, user key, title, attendees
WEEK = [
    ("redactielab", 0, "09:00", "12:30", "teacher", "Redactieoverleg en nieuwsdienst", 20),
    ("redactielab", 1, "09:00", "17:00", "student", "Nieuwsdienst Hilversum Nu", 12),
    ("redactielab", 1, "10:00", "15:00", "student2", "Eindredactie studentenkrant", 4),
    ("redactielab", 3, "13:00", "17:00", "teacher", "Werkcollege datajournalistiek", 22),
    ("podcaststudio", 0, "10:00", "12:00", "student", "Podcast De Mediapark-week", 3),
    ("podcaststudio", 2, "14:00", "16:00", "student2", "Interview wethouder", 2),
    ("podcaststudio", 4, "11:00", "13:00", "partner", "Opname bedrijfspodcast", 3),
    ("montageplek-1", 1, "09:00", "13:00", "student2", "Montage reportage", 1),
    ("montageplek-2", 3, "10:00", "15:00", "student", "Montage eindproduct", 2),
    ("vergaderkamer-dudok", 2, "10:00", "11:00", "municipal", "Overleg convenant", 6),
    ("xr-lab", 1, "13:00", "17:00", "teacher", "Practicum volumetric capture", 10),
    ("greenscreen-studio", 2, "09:00", "12:00", "student", "Opname weerbericht", 6),
    ("leslokaal-1-12", 3, "18:30", "21:00", "teacher", "LLO: AI in de redactie", 18),
    ("vergaderruimte-gooi", 4, "14:00", "15:30", "partner", "Kennismaking stagiairs", 8),
    ("flexplekken", 2, "09:00", "17:00", "partner", "Flexwerken", 1),
]
# Fair use of the shared rooms: room kind, affiliation, hours a week, upcoming bookings, days
# ahead. Students of the HU share the labs; the public shares the flex desks with everyone.
FAIR_USE = [
    (RoomKind.LAB, "", 12, 5, 21),
    (RoomKind.WORKSPACE, "", 20, 5, 14),
    (RoomKind.WORKSPACE, "public", 8, 2, 7),
]


def demo_photo(name: str, kind: str) -> SimpleUploadedFile:
    red, green, blue = COLOURS[kind]
    image = Image.new("RGB", (960, 640))
    draw = ImageDraw.Draw(image)
    for y in range(640):
        shade = y / 640
        draw.line([(0, y), (960, y)], fill=(int(red * (1 - shade / 2)), int(green), int(blue)))
    draw.rectangle([(60, 420), (900, 580)], fill=(255, 255, 255))
    draw.text((90, 470), name, fill=(29, 29, 31), font_size=56)
    output = BytesIO()
    image.save(output, format="JPEG", quality=85)
    return SimpleUploadedFile(f"{kind}.jpg", output.getvalue(), content_type="image/jpeg")


def seed_locations() -> list[Location]:
    locations = []
    for spec in LOCATIONS:
        existing = Location.objects.filter(slug=spec["slug"]).first()
        hours = [
            {"weekday": d, "opens": time.fromisoformat(o), "closes": time.fromisoformat(c)}
            for d, (o, c) in spec["hours"].items()
        ]
        locations.append(
            save_location(
                location=existing,
                slug=spec["slug"],
                name=spec["name"],
                address=spec["address"],
                opening_hours=hours,
            )
        )
    return locations


def seed_rooms(locations: list[Location]) -> dict[str, Room]:
    rooms = {}
    for slug, name, where, kind, capacity, rules, amenities, description in ROOMS:
        room = Room.objects.filter(slug=slug).first()
        if room is None:
            room = save_room(
                slug=slug,
                name=name,
                location=locations[where],
                kind=kind,
                capacity=capacity,
                amenities=amenities,
                description=description,
                **{"bookable_by": EVERYONE_BUT_PUBLIC, **rules},
            )
        if not room.photo:
            set_room_photo(room=room, upload=demo_photo(name, kind))
        rooms[slug] = room
    return rooms


def seed_week(rooms: dict[str, Room], users: dict) -> None:
    """This week's bookings (held on behalf: some lie in the past) and two requests next week."""
    monday = timezone.localdate() - timedelta(days=timezone.localdate().weekday())
    if Booking.objects.filter(room__in=rooms.values(), start__date__gte=monday).exists():
        return
    for slug, weekday, start, end, user_key, title, attendees in WEEK:
        day = monday + timedelta(days=weekday)
        begin = datetime.combine(day, time.fromisoformat(start), LOCAL_TZ)
        finish = datetime.combine(day, time.fromisoformat(end), LOCAL_TZ)
        # Held on behalf, yet in a seats room only the seats the people need.
        create_booking(
            user=users[user_key], room=rooms[slug], start=begin, end=finish, title=title,
            attendees=attendees, public_title=True, on_behalf=True, whole_room=False,
        )  # fmt: skip
    next_week = monday + timedelta(days=7)
    for slug, user_key, title in [
        ("greenscreen-studio", "student2", "Videoclip eindexamen"),
        ("auditorium", "municipal", "Raadsinformatieavond mediabeleid"),
    ]:
        begin = datetime.combine(next_week + timedelta(days=1), time(13), LOCAL_TZ)
        try:
            create_booking(
                user=users[user_key], room=rooms[slug], start=begin,
                end=begin + timedelta(hours=3), title=title, attendees=8,
            )  # fmt: skip
        except BookingError:
            continue


# Room slug -> organisations (accounts.demo) whose members may book it beside its affiliations:
# the MBO media students edit in the HU's editing desks.
ORGANISATIONS_ALLOWED = {
    "montageplek-1": [MBO_SLUG],
    "montageplek-2": [MBO_SLUG],
}


def seed_organisation_rules(rooms: dict[str, Room], organisations: dict) -> None:
    for slug, allowed in ORGANISATIONS_ALLOWED.items():
        room = rooms[slug]
        if not room.organisations_allowed and not room.organisations_refused:
            set_room_organisations(
                room=room, allowed=[organisations[o] for o in allowed], refused=[]
            )


def seed_fair_use() -> None:
    for kind, affiliation, hours, upcoming, days in FAIR_USE:
        set_fair_use_limit(
            room_kind=kind,
            affiliation=affiliation,
            max_hours_per_week=hours,
            max_future_bookings=upcoming,
            max_days_ahead=days,
        )


# The XR-lab's own lecturer approves its requests, not the facility desk (booking.managers).
ROOM_MANAGERS = {"xr-lab": ["teacher"]}


def seed_room_managers(rooms: dict[str, Room], users: dict) -> None:
    for slug, keys in ROOM_MANAGERS.items():
        rooms[slug].managers.add(*(users[key] for key in keys))


def seed(context: dict) -> None:
    locations = seed_locations()
    rooms = seed_rooms(locations)
    seed_fair_use()
    seed_organisation_rules(rooms, context["organisations"])
    seed_room_managers(rooms, context["users"])
    seed_week(rooms, context["users"])
    context["locations"] = {location.slug: location for location in locations}
    context["rooms"] = rooms
