from accounts.dashboard import Section
from accounts.roles import is_event_organiser


def my_sections(request):
    from events.selectors import registrations_of_user

    registrations = list(registrations_of_user(request.user).exclude(status="cancelled"))
    return [Section("events/my_section.html", {"registrations": registrations})]


def manage_sections(request):
    if not is_event_organiser(request.user):
        return []
    from events.models import Event

    return [Section("events/manage_section.html", {"event_count": Event.objects.count()})]
