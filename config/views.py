from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from accounts.roles import is_event_organiser, is_facility_manager
from config.dashboards import collect_sections


@never_cache
@require_GET
def healthz(request):
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return JsonResponse({"status": "error", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


def home(request):
    return render(request, "home.html")


@login_required
def my_overview(request):
    return render(
        request, "my/overview.html", {"sections": collect_sections(request, "my_sections")}
    )


@login_required
def manage_overview(request):
    if not (is_facility_manager(request.user) or is_event_organiser(request.user)):
        raise PermissionDenied
    return render(
        request,
        "manage/overview.html",
        {"sections": collect_sections(request, "manage_sections")},
    )
