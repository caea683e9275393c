from config.dashboards import Section


def my_sections(request):
    from accounts.services import get_or_create_api_token

    token = get_or_create_api_token(user=request.user)
    return [Section("accounts/my_profile_section.html", {"api_token": token.key})]
