"""Demo programmes: a Dutch Media Week, three LLO courses and campus events on each theme.

Called by `manage.py seed_demo` after accounts and booking (it uses their users and rooms);
idempotent. Everything goes through events.services, so sessions in rooms book those rooms.
Dates are relative to today, so the demo always lies ahead.
"""

from datetime import date, datetime, time, timedelta

from django.utils import timezone

from booking.timezones import LOCAL_TZ
from events import services
from events.errors import RegistrationError
from events.models import Event, EventKind, Programme, RegistrationStatus, Theme

EVERYONE = ["hu", "municipality", "partner", "public"]

# day (0 = Monday of Dutch Media Week), start, end, room slug, slug, theme, capacity,
# Dutch title, English title
DMW_SESSIONS = [
    (0, "09:30", "10:30", "auditorium", "dmw-opening", Theme.MEDIA_CAMPUS, 150,
     "Opening: het Media Park in 2030", "Opening: the Media Park in 2030"),
    (0, "11:00", "12:30", "leslokaal-1-12", "dmw-ai-newsroom", Theme.MEDIA_ICT, 30,
     "AI op de redactie", "AI in the newsroom"),
    (0, "14:00", "15:30", "xr-lab", "dmw-volumetric-video", Theme.MEDIA_ICT, 12,
     "Zelf aan de slag met volumetrische video", "Volumetric video hands-on"),
    (0, "16:00", "17:00", "leslokaal-1-14", "dmw-local-news", Theme.MEDIA_CAMPUS, 24,
     "Lokaal nieuws zonder advertentiegeld", "Local news after the ad crash"),
    (1, "09:30", "11:00", "auditorium", "dmw-green-production", Theme.SUSTAINABILITY, 150,
     "Groene tv-productie", "Green TV production"),
    (1, "11:30", "12:30", "podcaststudio", "dmw-podcast-live", Theme.MEDIA_CAMPUS, 4,
     "Podcast live opnemen", "Podcast live recording"),
    (1, "14:00", "16:00", "greenscreen-studio", "dmw-virtual-studio", Theme.MEDIA_ICT, 10,
     "Werken in een virtuele studio", "Virtual studio workflows"),
    (2, "10:00", "11:30", "leslokaal-1-12", "dmw-care-vr", Theme.CARE_EDUCATION, 30,
     "VR in het zorgonderwijs", "VR in care education"),
    (2, "13:00", "14:30", "vergaderruimte-gooi", "dmw-startups", Theme.MEDIA_CAMPUS, 12,
     "Pitches van mediastart-ups", "Media start-ups pitch"),
    (2, "15:00", "16:30", "auditorium", "dmw-disinformation", Theme.MEDIA_ICT, 150,
     "Desinformatie en verkiezingen", "Disinformation and elections"),
    (3, "09:30", "10:30", "redactielab", "dmw-datajournalism", Theme.MEDIA_ICT, 24,
     "Lab datajournalistiek", "Data journalism lab"),
    (3, "11:00", "12:30", "leslokaal-1-14", "dmw-energy-studios", Theme.SUSTAINABILITY, 24,
     "Energieneutrale studio's", "Energy-neutral studios"),
    (3, "14:00", "15:00", "auditorium", "dmw-closing", Theme.MEDIA_CAMPUS, 150,
     "Afsluiting: wat we deze week leerden", "Closing: what the week taught us"),
]  # fmt: skip

# slug, theme, weekday, room, capacity, sessions, Dutch title and description, English ones
LLO_COURSES = [
    ("llo-data-driven-design", Theme.MEDIA_ICT, 1, "leslokaal-1-12", 20, 4,
     "Datagedreven ontwerpen",
     "Vier avonden over mediaproducten ontwerpen met gegevens over je publiek.",
     "Data-driven design",
     "Four evenings on using audience data to design media products."),
    ("llo-immersive-content", Theme.MEDIA_ICT, 2, "xr-lab", 10, 6,
     "Immersieve content maken",
     "Zes avonden in het XR-lab: 360°-video, volumetrische opnames en ruimtelijk geluid.",
     "Immersive content production",
     "Six evenings in the XR-lab: 360 video, volumetric capture and spatial audio."),
    ("llo-project-management-media", Theme.MEDIA_CAMPUS, 3, "leslokaal-1-14", 24, 3,
     "Projectmanagement voor media",
     "Drie avonden over mediaproducties die binnen tijd en budget blijven.",
     "Project management for media",
     "Three evenings on running media productions on time and budget."),
]  # fmt: skip

# slug, theme, days ahead, start, end, room or None, place, capacity, audience,
# Dutch title, English title
CAMPUS_EVENTS = [
    ("campus-open-lab", Theme.MEDIA_CAMPUS, 15, "14:00", "17:00", "redactielab", "", 40,
     EVERYONE, "Middag van het open lab", "Open lab afternoon"),
    ("campus-ai-subtitles", Theme.MEDIA_ICT, 16, "15:00", "17:00", "vergaderkamer-dudok", "", 8,
     ["hu", "municipality", "partner"], "AI-ondertiteling voor lokale tv",
     "AI subtitles for local TV"),
    ("campus-repair-cafe", Theme.SUSTAINABILITY, 17, "13:00", "16:00", None,
     "Bibliotheek Hilversum, Kerkbrink 6", 25, EVERYONE, "Repaircafé voor camera's en licht",
     "Repair café for camera gear"),
    ("campus-media-literacy", Theme.CARE_EDUCATION, 18, "10:00", "12:00", "leslokaal-1-12", "",
     2, ["hu", "public"], "Mediawijsheid voor zorgstudenten", "Media literacy for care students"),
]  # fmt: skip


def _at(day: date, hhmm: str) -> datetime:
    return datetime.combine(day, time.fromisoformat(hhmm), LOCAL_TZ)


def _monday(weeks_ahead: int) -> date:
    today = timezone.localdate()
    return today - timedelta(days=today.weekday()) + timedelta(weeks=weeks_ahead)


def _programme(slug: str, name: str, **fields) -> Programme:
    programme, _created = Programme.objects.get_or_create(
        slug=slug, defaults={"name": name, **fields}
    )
    return programme


def _event(organiser, *, slug: str, sessions: list[services.SessionSpec], **fields) -> Event:
    event = Event.objects.filter(slug=slug).first()
    if event is not None:
        return event
    event = services.create_event(actor=organiser, slug=slug, **fields)
    for spec in sessions:
        try:
            services.add_session(actor=organiser, event=event, spec=spec)
        except RegistrationError:
            # A room taken by someone's booking: the demo does without that session.
            continue
    return event


# What each programme function gives per event: the values of EVENT_COLUMNS, its sessions,
# and the Event fields that differ between programmes.
EVENT_COLUMNS = ("slug", "title", "theme", "capacity")
DemoEvent = tuple[str, str, str, int, list[services.SessionSpec], dict]


def dutch_media_week(rooms) -> tuple[Programme, str, list[DemoEvent]]:
    """One session per event; registration closes when it starts."""
    monday = _monday(3)
    programme = _programme(
        "dutch-media-week",
        f"Dutch Media Week {monday.year}",
        title_en=f"Dutch Media Week {monday.year}",
        description="Een week vol talks, labs en demo's op het hele Media Park.",
        description_en="A week of talks, labs and demos across the Media Park.",
        starts_on=monday,
        ends_on=monday + timedelta(days=3),
    )
    events = []
    for day, start, end, room, slug, theme, capacity, title, title_en in DMW_SESSIONS:
        when = monday + timedelta(days=day)
        sessions = [services.SessionSpec(_at(when, start), _at(when, end), rooms[room])]
        fields = {
            "title_en": title_en,
            "audience": EVERYONE,
            "registration_closes": _at(when, start),
        }
        events.append((slug, title, theme, capacity, sessions, fields))
    return programme, EventKind.DMW_SESSION, events


def llo_courses(rooms) -> tuple[Programme, str, list[DemoEvent]]:
    """Weekly evening sessions; registration closes on the day of the first."""
    year = timezone.localdate().year
    programme = _programme(
        "llo-catalogue",
        f"LLO-aanbod {year}",
        title_en=f"LLO catalogue {year}",
        description="Cursussen een leven lang ontwikkelen, voor bedrijven op het Media Park.",
        description_en="Lifelong-learning courses for Media Park companies.",
    )
    first_monday = _monday(2)
    events = []
    for course in LLO_COURSES:
        slug, theme, weekday, room, capacity, count, title, description = course[:8]
        title_en, description_en = course[8:]
        days = [first_monday + timedelta(weeks=week, days=weekday) for week in range(count)]
        sessions = [
            services.SessionSpec(_at(day, "18:30"), _at(day, "21:00"), rooms[room]) for day in days
        ]
        fields = {
            "description": description,
            "title_en": title_en,
            "description_en": description_en,
            "audience": ["hu", "municipality", "partner"],
            "registration_closes": _at(days[0], "12:00"),
        }
        events.append((slug, title, theme, capacity, sessions, fields))
    return programme, EventKind.LLO_COURSE, events


def campus_events(rooms) -> tuple[Programme, str, list[DemoEvent]]:
    """Single afternoons, some outside the Media Park (a place instead of a room)."""
    programme = _programme("campus-events", "Campusevenementen", title_en="Campus events")
    today = timezone.localdate()
    events = []
    for event in CAMPUS_EVENTS:
        slug, theme, ahead, start, end, room, place, capacity, audience, title, title_en = event
        day = today + timedelta(days=ahead)
        # Weekend days are closed in the Media Park: move to the Monday after.
        day += timedelta(days=(7 - day.weekday()) % 7 if day.weekday() >= 5 else 0)
        where = rooms[room] if room else None
        session = services.SessionSpec(_at(day, start), _at(day, end), where, location_text=place)
        fields = {"audience": audience, "title_en": title_en}
        events.append((slug, title, theme, capacity, [session], fields))
    return programme, EventKind.CAMPUS_EVENT, events


def seed_registrations(users) -> None:
    """A few registrations, and a full event with someone on its waitlist."""
    wishes = [
        ("student", "dmw-opening"),
        ("student", "llo-immersive-content"),
        ("teacher", "dmw-ai-newsroom"),
        ("partner", "llo-data-driven-design"),
        ("public", "dmw-opening"),
        ("student", "campus-media-literacy"),
        ("student2", "campus-media-literacy"),
        ("public", "campus-media-literacy"),
    ]
    for user_key, slug in wishes:
        event = Event.objects.filter(slug=slug).first()
        user = users[user_key]
        if (
            event is None
            or event.registrations.filter(user=user)
            .exclude(status=RegistrationStatus.CANCELLED)
            .exists()
        ):
            continue
        try:
            services.register_for_event(user=user, event=event)
        except RegistrationError:
            continue


# Co-organisers: a teacher runs a course with the organiser, and owns it with them (no role
# of their own needed); the organiser owns the Dutch Media Week programme as a whole.
CO_OWNERS = [("teacher", "llo-immersive-content")]
PROGRAMME_OWNERS = [("organiser", "dutch-media-week")]


def seed_owners(users) -> None:
    for user_key, slug in CO_OWNERS:
        event = Event.objects.filter(slug=slug).first()
        if event is not None:
            event.owners.add(users[user_key])
    for user_key, slug in PROGRAMME_OWNERS:
        programme = Programme.objects.filter(slug=slug).first()
        if programme is not None:
            programme.owners.add(users[user_key])


def seed(context: dict) -> None:
    organiser = context["users"]["organiser"]
    rooms = context["rooms"]
    for programme, kind, events in (
        dutch_media_week(rooms),
        llo_courses(rooms),
        campus_events(rooms),
    ):
        for *columns, sessions, fields in events:
            named = dict(zip(EVENT_COLUMNS, columns, strict=True))
            _event(organiser, programme=programme, kind=kind, sessions=sessions, **named, **fields)
    seed_owners(context["users"])
    seed_registrations(context["users"])
