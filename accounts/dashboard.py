from django.urls import reverse

from accounts.feed_tokens import feed_token
from accounts.services import get_or_create_api_token
from config.dashboards import Section


def my_sections(request):
    token = get_or_create_api_token(user=request.user)
    feed_path = reverse("feed-me", kwargs={"token": feed_token(request.user)})
    return [
        Section("accounts/my_feed_section.html", {"feed_path": feed_path}, order=80),
        Section("accounts/my_profile_section.html", {"api_token": token.key}, order=90),
    ]
