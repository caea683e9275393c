"""The upgrade turns the free-text organisation of accounts into organisations."""

import pytest

from accounts.models import Organisation, User
from tests.mail.test_migration import migrate

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("accounts", "0007_user_sso_signed_in_at")]


def test_upgrade_makes_one_organisation_per_name_and_joins_hu_and_municipal_accounts():
    old = migrate(BEFORE)
    OldUser = old.get_model("accounts", "User")
    OldUser.objects.create(
        email="a@studio.example", affiliation="partner", organisation="Studio BV"
    )
    OldUser.objects.create(
        email="b@studio.example", affiliation="partner", organisation=" studio  bv"
    )
    OldUser.objects.create(email="c@nos.example", affiliation="partner", organisation="NOS")
    OldUser.objects.create(email="d@hu.nl", affiliation="hu", organisation="Instituut voor Media")
    OldUser.objects.create(email="e@hilversum.nl", affiliation="municipality")
    OldUser.objects.create(email="f@example.org", affiliation="public")

    migrate()

    by_email = {u.email: u.organisation for u in User.objects.select_related("organisation")}
    studio = Organisation.objects.get(slug="studio-bv")
    assert (studio.name, studio.kind, studio.affiliation) == ("Studio BV", "other", "partner")
    assert by_email == {
        "a@studio.example": studio,
        "b@studio.example": studio,
        "c@nos.example": Organisation.objects.get(slug="nos"),
        "d@hu.nl": Organisation.objects.get(slug="hu"),
        "e@hilversum.nl": Organisation.objects.get(slug="gemeente-hilversum"),
        "f@example.org": None,
    }
