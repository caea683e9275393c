from allauth.account.adapter import DefaultAccountAdapter

from accounts.models import Affiliation


class AccountAdapter(DefaultAccountAdapter):
    def save_user(self, request, user, form, commit=True):
        # A local sign-up is a member of the public until staff record a partner organisation.
        user.affiliation = Affiliation.PUBLIC
        return super().save_user(request, user, form, commit=commit)
