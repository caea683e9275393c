from django.urls import path

from events import manage_views, report_views, schedule_views, views

app_name = "events"

urlpatterns = [
    path("events/", views.event_list, name="list"),
    path("events/<slug:slug>/", views.event_detail, name="detail"),
    path("events/<slug:slug>/register/", views.register, name="register"),
    path("events/registrations/<int:pk>/cancel/", views.cancel, name="cancel"),
    path("programmes/<slug:slug>/embed/", views.programme_embed, name="programme-embed"),
    path("manage/events/", manage_views.event_list, name="manage-list"),
    path("manage/reports/", report_views.report_page, name="manage-reports"),
    path(
        "manage/reports/targets/<int:pk>/remove/",
        report_views.target_remove,
        name="manage-report-target-remove",
    ),
    path("manage/schedule/", schedule_views.schedule_import_page, name="manage-schedule-import"),
    path("manage/events/new/", manage_views.event_create, name="manage-create"),
    path("manage/events/<slug:slug>/", manage_views.event_edit, name="manage-event"),
    path("manage/events/<slug:slug>/publish/", manage_views.event_publish, name="manage-publish"),
    path(
        "manage/events/<slug:slug>/sessions/new/",
        manage_views.session_add,
        name="manage-session-add",
    ),
    path(
        "manage/events/<slug:slug>/sessions/<int:pk>/",
        manage_views.session_edit,
        name="manage-session",
    ),
    path(
        "manage/events/<slug:slug>/sessions/<int:pk>/cancel/",
        manage_views.session_cancel,
        name="manage-session-cancel",
    ),
    path(
        "manage/events/<slug:slug>/sessions/<int:pk>/check-in/",
        manage_views.check_in,
        name="manage-check-in",
    ),
    path(
        "manage/events/<slug:slug>/registrations/",
        manage_views.registrations,
        name="manage-registrations",
    ),
    path(
        "manage/events/<slug:slug>/registrations/<int:pk>/cancel/",
        manage_views.registration_cancel,
        name="manage-registration-cancel",
    ),
    path("manage/events/<slug:slug>/owners/", manage_views.owner_add, name="manage-owner-add"),
    path(
        "manage/events/<slug:slug>/owners/<int:pk>/remove/",
        manage_views.owner_remove,
        name="manage-owner-remove",
    ),
    path(
        "manage/events/<slug:slug>/invitations/<int:pk>/withdraw/",
        manage_views.invitation_withdraw,
        name="manage-invitation-withdraw",
    ),
    path(
        "manage/programmes/<slug:slug>/",
        manage_views.programme_detail,
        name="manage-programme",
    ),
    path(
        "manage/programmes/<slug:slug>/owners/",
        manage_views.programme_owner_add,
        name="manage-programme-owner-add",
    ),
    path(
        "manage/programmes/<slug:slug>/owners/<int:pk>/remove/",
        manage_views.programme_owner_remove,
        name="manage-programme-owner-remove",
    ),
    path(
        "manage/programmes/<slug:slug>/invitations/<int:pk>/withdraw/",
        manage_views.programme_invitation_withdraw,
        name="manage-programme-invitation-withdraw",
    ),
    path(
        "manage/events/<slug:slug>/attendance.csv",
        manage_views.attendance_csv,
        name="manage-attendance-csv",
    ),
]
