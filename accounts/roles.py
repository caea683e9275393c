"""The staff roles. Membership of a Django group grants a role; a superuser has them all.

Event organisers create events and manage those they own (events.ownership); event
administrators manage every event and programme. Report viewers (the covenant's steering
group) only read the aggregate reports, as facility managers and event administrators do."""

FACILITY_MANAGERS = "facility_managers"
EVENT_ORGANISERS = "event_organisers"
EVENT_ADMINISTRATORS = "event_administrators"
REPORT_VIEWERS = "report_viewers"
ROLE_GROUPS = (FACILITY_MANAGERS, EVENT_ORGANISERS, EVENT_ADMINISTRATORS, REPORT_VIEWERS)


def _in_group(user, group_name: str) -> bool:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_superuser:
        return True
    # One query per request at most: the group names are cached on the user object.
    cached = getattr(user, "_role_group_names", None)
    if cached is None:
        cached = set(user.groups.filter(name__in=ROLE_GROUPS).values_list("name", flat=True))
        user._role_group_names = cached
    return group_name in cached


def remember_role_groups(user, group_names) -> None:
    """Role groups read with another query (see booking.selectors.room_for_booking), so
    asking for a role costs none."""
    user._role_group_names = set(group_names) & set(ROLE_GROUPS)


def is_facility_manager(user) -> bool:
    return _in_group(user, FACILITY_MANAGERS)


def is_event_organiser(user) -> bool:
    return _in_group(user, EVENT_ORGANISERS)


def is_event_administrator(user) -> bool:
    return _in_group(user, EVENT_ADMINISTRATORS)


def is_report_viewer(user) -> bool:
    return _in_group(user, REPORT_VIEWERS)


def may_see_reports(user) -> bool:
    """The covenant reports: facility managers, event administrators and report viewers."""
    return is_facility_manager(user) or is_event_administrator(user) or is_report_viewer(user)
