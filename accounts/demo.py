"""Demo users for a first look. Called by `manage.py seed_demo`, idempotent."""

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.models import Group

from accounts import services
from accounts.models import Affiliation, Organisation, OrganisationKind, User
from accounts.roles import EVENT_ORGANISERS, FACILITY_MANAGERS

MBO_SLUG = "mbo-college-hilversum"
STUDIO_SLUG = "studio-mediapark"
# HU and the municipality come from accounts.services.seed_sso_organisations.
DEMO_ORGANISATIONS = [
    # slug, name, kind, affiliation it grants
    (MBO_SLUG, "MBO College Hilversum", OrganisationKind.EDUCATION_PARTNER, Affiliation.PARTNER),
    (STUDIO_SLUG, "Studio Mediapark B.V.", OrganisationKind.COMPANY, Affiliation.PARTNER),
]

DEMO_USERS = [
    # key, email, name, organisation slug (its affiliation follows), extra fields, groups
    (
        "student",
        "student@hu.nl",
        "Sanne de Vries",
        services.HU_SLUG,
        {"sso_affiliations": ["student", "member"]},
        [],
    ),
    (
        "student2",
        "student2@hu.nl",
        "Daan Bakker",
        services.HU_SLUG,
        {"sso_affiliations": ["student", "member"]},
        [],
    ),
    (
        "teacher",
        "docent@hu.nl",
        "Karim El Amrani",
        services.HU_SLUG,
        {"sso_affiliations": ["employee", "faculty", "member"]},
        [],
    ),
    (
        "mbo",
        "student@mbocollegehilversum.example",
        "Yara Hoekstra",
        MBO_SLUG,
        {"sso_affiliations": ["student", "member"]},
        [],
    ),
    (
        "municipal",
        "medewerker@hilversum.nl",
        "Ingrid Jansen",
        services.MUNICIPALITY_SLUG,
        {},
        [],
    ),
    ("partner", "partner@mediapark.example", "Ruben Visser", STUDIO_SLUG, {}, []),
    ("public", "publiek@example.org", "Fatima Yilmaz", None, {}, []),
    (
        "facility",
        "facilitair@mediacampus.example",
        "Pieter Smit",
        services.HU_SLUG,
        {},
        [FACILITY_MANAGERS],
    ),
    (
        "organiser",
        "organisator@mediacampus.example",
        "Lotte Mulder",
        services.MUNICIPALITY_SLUG,
        {},
        [EVENT_ORGANISERS],
    ),
]
DEMO_ADMIN = ("admin", "admin@mediacampus.example", "Beheerder")


def demo_password(key: str) -> str:
    return f"demo-{key}-2026"


def seed_organisations() -> dict[str, Organisation]:
    services.seed_sso_organisations(
        home_organizations=settings.SURFCONEXT_HOME_ORGANIZATIONS,
        entra_tenant_id=settings.ENTRA_TENANT_ID,
    )
    for slug, name, kind, affiliation in DEMO_ORGANISATIONS:
        Organisation.objects.get_or_create(
            slug=slug, defaults={"name": name, "kind": kind, "affiliation": affiliation}
        )
    return Organisation.objects.in_bulk(field_name="slug")


def seed(context: dict) -> None:
    organisations = seed_organisations()
    users = {}
    logins = []
    for key, email, name, organisation_slug, extra, groups in DEMO_USERS:
        organisation = organisations.get(organisation_slug)
        affiliation = Affiliation(organisation.affiliation if organisation else "public")
        user, created = User.objects.get_or_create(
            email=email,
            defaults={
                "name": name,
                "affiliation": affiliation,
                "organisation": organisation,
                **extra,
            },
        )
        if created:
            user.set_password(demo_password(key))
            user.save(update_fields=["password"])
        user.groups.set(Group.objects.filter(name__in=groups))
        EmailAddress.objects.update_or_create(
            user=user, email=email, defaults={"verified": True, "primary": True}
        )
        users[key] = user
        described = [str(organisation or affiliation.label), *groups]
        logins.append((email, demo_password(key), ", ".join(described)))

    key, email, name = DEMO_ADMIN
    admin = User.objects.filter(email=email).first()
    if admin is None:
        admin = User.objects.create_superuser(email, demo_password(key), name=name)
    EmailAddress.objects.update_or_create(
        user=admin, email=email, defaults={"verified": True, "primary": True}
    )
    users[key] = admin
    logins.append((email, demo_password(key), "superuser"))

    context["organisations"] = organisations
    context["users"] = users
    context["logins"] = logins
