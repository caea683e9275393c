"""Participation for the covenant report: per programme, kind of event, theme, affiliation
or organisation, the sessions held, registrations by status now, attendance, no-shows and
distinct people. Added up in PostgreSQL in one statement, so a report costs the same number
of queries however many registrations there are.

Events count when one of their sessions starts in the period. Grouped by person (affiliation,
organisation), the snapshot kept on each registration decides (issue 11: reports stay true
after people move or erase their account), and a group of 1 to 4 people is suppressed: every
count of it is None, so nobody is singled out. Aggregates only, never names.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Affiliation, Organisation
from booking.report_periods import Period
from events import content
from events.models import (
    Attendance,
    Event,
    EventKind,
    Programme,
    Registration,
    RegistrationStatus,
    Session,
    Theme,
)

GROUPS = ("programme", "theme", "kind", "affiliation", "organisation")
PERSON_GROUPS = ("affiliation", "organisation")
# Groups with fewer people than this (but some) are not shown.
SMALLEST_GROUP = 5

COUNTS = (
    "sessions",
    "registrations",
    "confirmed",
    "waitlisted",
    "cancelled",
    "attended",
    "no_shows",
    "people",
)
COLUMNS = ("key", "label", *COUNTS, "suppressed")

# Per grouping: the key of a registration, and the (key, event) pairs whose sessions count.
_REGISTRATION_KEY = {
    "programme": "ev.programme_id::text",
    "kind": "ev.kind",
    "theme": "coalesce(nullif(r.theme, ''), ev.theme)",
    "affiliation": "r.affiliation",
    "organisation": "coalesce(r.organisation_id::text, '')",
}
_EVENT_KEYS = {
    "programme": "SELECT programme_id::text AS key, id AS event_id FROM ev",
    "kind": "SELECT kind AS key, id AS event_id FROM ev",
    "theme": "SELECT theme AS key, id AS event_id FROM ev",
    "affiliation": "SELECT DISTINCT key, event_id FROM reg",
    "organisation": "SELECT DISTINCT key, event_id FROM reg",
}

_PARTICIPATION_SQL = """
WITH ev AS (
    SELECT e.id, e.programme_id, e.kind, e.theme,
           count(*) FILTER (WHERE s.start >= %(since)s AND s.start < %(until)s) AS sessions,
           max(s."end") AS last_end
    FROM {event} AS e JOIN {session} AS s ON s.event_id = e.id
    GROUP BY e.id
    HAVING count(*) FILTER (WHERE s.start >= %(since)s AND s.start < %(until)s) > 0
),
reg AS (
    SELECT r.id, r.event_id, r.status, r.user_id, {registration_key} AS key,
           EXISTS (SELECT FROM {attendance} AS a WHERE a.registration_id = r.id) AS attended,
           ev.last_end <= %(now)s AS ended
    FROM {registration} AS r JOIN ev ON ev.id = r.event_id
),
event_keys AS ({event_keys}),
held AS (
    SELECT k.key, sum(ev.sessions) AS sessions
    FROM event_keys AS k JOIN ev ON ev.id = k.event_id GROUP BY k.key
),
counted AS (
    SELECT key,
           count(*) AS registrations,
           count(*) FILTER (WHERE status = %(confirmed)s) AS confirmed,
           count(*) FILTER (WHERE status = %(waitlisted)s) AS waitlisted,
           count(*) FILTER (WHERE status = %(cancelled)s) AS cancelled,
           count(*) FILTER (WHERE status = %(confirmed)s AND attended) AS attended,
           count(*) FILTER (WHERE status = %(confirmed)s AND NOT attended AND ended) AS no_shows,
           -- An erased person's registrations have no user: each counts as one person.
           count(DISTINCT user_id) + count(*) FILTER (WHERE user_id IS NULL) AS people
    FROM reg GROUP BY key
)
SELECT coalesce(h.key, c.key), coalesce(h.sessions, 0), coalesce(c.registrations, 0),
       coalesce(c.confirmed, 0), coalesce(c.waitlisted, 0), coalesce(c.cancelled, 0),
       coalesce(c.attended, 0), coalesce(c.no_shows, 0), coalesce(c.people, 0),
       named.slug, named.name, {english_name}
FROM held AS h FULL JOIN counted AS c ON c.key = h.key
{label_join}
"""

_LABEL_JOINS = {
    "programme": (
        "LEFT JOIN {programme} AS named ON named.id::text = coalesce(h.key, c.key)",
        "named.title_en",
    ),
    "organisation": (
        "LEFT JOIN {organisation} AS named ON named.id::text = nullif(coalesce(h.key, c.key), '')",
        "NULL",
    ),
}
_NO_LABEL_JOIN = ("CROSS JOIN (SELECT NULL AS slug, NULL AS name) AS named", "NULL")

# LLO sessions in the centre's rooms (a session in a room holds it through booking) and
# elsewhere (`location_text`).
_LLO_SQL = """
SELECT count(*) FILTER (WHERE s.room_id IS NOT NULL), count(*) FILTER (WHERE s.room_id IS NULL)
FROM {session} AS s JOIN {event} AS e ON e.id = s.event_id
WHERE e.kind = %(kind)s AND s.start >= %(since)s AND s.start < %(until)s
"""


def _tables() -> dict[str, str]:
    quote = connection.ops.quote_name
    return {
        "event": quote(Event._meta.db_table),
        "session": quote(Session._meta.db_table),
        "registration": quote(Registration._meta.db_table),
        "attendance": quote(Attendance._meta.db_table),
        "programme": quote(Programme._meta.db_table),
        "organisation": quote(Organisation._meta.db_table),
    }


def _participation_sql(group_by: str) -> str:
    label_join, english_name = _LABEL_JOINS.get(group_by, _NO_LABEL_JOIN)
    tables = _tables()
    return _PARTICIPATION_SQL.format(
        registration_key=_REGISTRATION_KEY[group_by],
        event_keys=_EVENT_KEYS[group_by],
        label_join=label_join.format(**tables),
        english_name=english_name,
        **tables,
    )


# Built once at import (names from the models), outside any function.
PARTICIPATION_SQL = {group_by: _participation_sql(group_by) for group_by in GROUPS}
LLO_SQL = _LLO_SQL.format(**_tables())


@dataclass
class Row:
    key: str
    label: str
    counts: dict[str, int]
    suppressed: bool = False

    def as_dict(self) -> dict:
        counts = {name: None if self.suppressed else self.counts[name] for name in COUNTS}
        return {"key": self.key, "label": self.label, **counts, "suppressed": self.suppressed}


def is_suppressed(people: int | None) -> bool:
    return people is not None and 0 < people < SMALLEST_GROUP


def participation_rows(period: Period, group_by: str, now: datetime | None = None) -> list[Row]:
    """One row per group, in one query."""
    with connection.cursor() as cursor:
        cursor.execute(
            PARTICIPATION_SQL[group_by],
            {
                "since": period.since,
                "until": period.until,
                "now": now or timezone.now(),
                "confirmed": RegistrationStatus.CONFIRMED,
                "waitlisted": RegistrationStatus.WAITLISTED,
                "cancelled": RegistrationStatus.CANCELLED,
            },
        )
        found = cursor.fetchall()
    rows = []
    for key, *numbers, slug, name, english_name in found:
        counts = dict(zip(COUNTS, numbers, strict=True))
        key, label = _key_and_label(group_by, key, slug, name, english_name)
        suppressed = group_by in PERSON_GROUPS and is_suppressed(counts["people"])
        rows.append(Row(key, label, counts, suppressed))
    rows.sort(key=lambda row: (row.key == "", row.label.lower(), row.key))
    return rows


def _key_and_label(group_by, key, slug, name, english_name) -> tuple[str, str]:
    if group_by == "programme":
        programme = Programme(name=name or "", title_en=english_name or "")
        return slug or key, content.programme_name(programme)
    if group_by == "organisation":
        return (slug, name) if slug else ("", _("No organisation"))
    choices = {"kind": EventKind, "theme": Theme, "affiliation": Affiliation}[group_by]
    labels = dict(choices.choices)
    return key, str(labels.get(key, _("Unknown")))


def llo_sessions(period: Period) -> tuple[int, int]:
    """LLO course sessions starting in the period: (in our rooms, elsewhere)."""
    with connection.cursor() as cursor:
        cursor.execute(
            LLO_SQL,
            {"kind": EventKind.LLO_COURSE, "since": period.since, "until": period.until},
        )
        in_rooms, elsewhere = cursor.fetchone()
    return in_rooms, elsewhere
