"""Demo users for a first look. Called by `manage.py seed_demo`, idempotent."""

from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group

from accounts.models import Affiliation, User
from accounts.roles import EVENT_ORGANISERS, FACILITY_MANAGERS

DEMO_USERS = [
    # key, email, name, affiliation, extra fields, groups
    (
        "student",
        "student@hu.nl",
        "Sanne de Vries",
        Affiliation.HU,
        {"sso_affiliations": ["student", "member"]},
        [],
    ),
    (
        "student2",
        "student2@hu.nl",
        "Daan Bakker",
        Affiliation.HU,
        {"sso_affiliations": ["student", "member"]},
        [],
    ),
    (
        "teacher",
        "docent@hu.nl",
        "Karim El Amrani",
        Affiliation.HU,
        {"sso_affiliations": ["employee", "faculty", "member"]},
        [],
    ),
    ("municipal", "medewerker@hilversum.nl", "Ingrid Jansen", Affiliation.MUNICIPALITY, {}, []),
    (
        "partner",
        "partner@mediapark.example",
        "Ruben Visser",
        Affiliation.PARTNER,
        {"organisation": "Studio Mediapark BV"},
        [],
    ),
    ("public", "publiek@example.org", "Fatima Yilmaz", Affiliation.PUBLIC, {}, []),
    (
        "facility",
        "facilitair@mediacampus.example",
        "Pieter Smit",
        Affiliation.HU,
        {},
        [FACILITY_MANAGERS],
    ),
    (
        "organiser",
        "organisator@mediacampus.example",
        "Lotte Mulder",
        Affiliation.MUNICIPALITY,
        {},
        [EVENT_ORGANISERS],
    ),
]
DEMO_ADMIN = ("admin", "admin@mediacampus.example", "Beheerder")


def demo_password(key: str) -> str:
    return f"demo-{key}-2026"


def seed(context: dict) -> None:
    users = {}
    logins = []
    for key, email, name, affiliation, extra, groups in DEMO_USERS:
        user, created = User.objects.get_or_create(
            email=email, defaults={"name": name, "affiliation": affiliation, **extra}
        )
        if created:
            user.set_password(demo_password(key))
            user.save(update_fields=["password"])
        user.groups.set(Group.objects.filter(name__in=groups))
        EmailAddress.objects.update_or_create(
            user=user, email=email, defaults={"verified": True, "primary": True}
        )
        users[key] = user
        logins.append((email, demo_password(key), ", ".join([str(affiliation.label), *groups])))

    key, email, name = DEMO_ADMIN
    admin = User.objects.filter(email=email).first()
    if admin is None:
        admin = User.objects.create_superuser(email, demo_password(key), name=name)
    EmailAddress.objects.update_or_create(
        user=admin, email=email, defaults={"verified": True, "primary": True}
    )
    users[key] = admin
    logins.append((email, demo_password(key), "superuser"))

    context["users"] = users
    context["logins"] = logins
