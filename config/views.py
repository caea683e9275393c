import functools

import redis
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from accounts.dashboard import collect_sections
from accounts.roles import is_event_organiser, is_facility_manager
from booking.forms import RoomSearchForm
from events.models import Session


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return False
    return True


@functools.cache
def _redis_client(url: str) -> redis.Redis:
    # One client (and connection pool) per process: a new client per check cost more than
    # the rest of the request together (redis-py reads package metadata for each).
    return redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)


def _redis_ok() -> bool:
    try:
        return bool(_redis_client(settings.REDIS_URL).ping())
    except redis.RedisError:
        return False


@never_cache
@require_GET
def healthz(request):
    """For load balancers: 200 when this process can reach what it needs, else 503."""
    checks = {"database": "ok" if _database_ok() else "unreachable"}
    if settings.REDIS_URL:
        checks["redis"] = "ok" if _redis_ok() else "unreachable"
    healthy = all(value == "ok" for value in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "error", **checks}, status=200 if healthy else 503
    )


HOME_UPCOMING = 6


def home(request):
    """What is on (the next sessions) and a search for a free room."""
    upcoming = (
        Session.objects.filter(end__gt=timezone.now(), event__published=True)
        .select_related("event", "event__programme", "room__location")
        .order_by("start", "id")[:HOME_UPCOMING]
    )
    return render(
        request,
        "home.html",
        {"upcoming": list(upcoming), "room_search": RoomSearchForm(auto_id="home_%s")},
    )


@login_required
@never_cache  # the page shows the personal feed URL, a secret: no shared or browser cache
def my_overview(request):
    return render(
        request, "my/overview.html", {"sections": collect_sections(request, "my_sections")}
    )


@login_required
def manage_overview(request):
    """Each person's own: staff roles see their tools, room managers and owners of events
    what they manage (they hold no role)."""
    sections = collect_sections(request, "manage_sections")
    if not (sections or is_facility_manager(request.user) or is_event_organiser(request.user)):
        raise PermissionDenied
    return render(request, "manage/overview.html", {"sections": sections})
