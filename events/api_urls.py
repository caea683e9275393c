from django.urls import path

from events import api, report_api, schedule_api, speaker_api

urlpatterns = [
    path("programmes/", api.ProgrammeList.as_view(), name="api-programmes"),
    path(
        "programmes/<slug:slug>/import/",
        schedule_api.ScheduleImport.as_view(),
        name="api-programme-import",
    ),
    path(
        "programmes/<slug:slug>/speakers/",
        speaker_api.ProgrammeSpeakers.as_view(),
        name="api-programme-speakers",
    ),
    path("speakers/<int:pk>/", speaker_api.SpeakerDetail.as_view(), name="api-speaker"),
    path("speakers/<int:pk>/photo/", speaker_api.SpeakerPhoto.as_view(), name="api-speaker-photo"),
    path("events/", api.EventList.as_view(), name="api-events"),
    path("events/<slug:slug>/", api.EventDetail.as_view(), name="api-event"),
    path("events/<slug:slug>/image/", api.EventImage.as_view(), name="api-event-image"),
    path("events/<slug:slug>/owners/", api.EventOwners.as_view(), name="api-event-owners"),
    path("events/<slug:slug>/owners/<int:pk>/", api.EventOwner.as_view(), name="api-event-owner"),
    path("events/<slug:slug>/register/", api.Register.as_view(), name="api-event-register"),
    path(
        "events/<slug:slug>/registrations/",
        api.EventRegistrations.as_view(),
        name="api-event-registrations",
    ),
    path("registrations/", api.MyRegistrations.as_view(), name="api-registrations"),
    path(
        "reports/participation/",
        report_api.ParticipationReport.as_view(),
        name="api-report-participation",
    ),
    path(
        "registrations/<int:pk>/cancel/",
        api.CancelRegistration.as_view(),
        name="api-registration-cancel",
    ),
    path(
        "registrations/<int:pk>/attendance/",
        api.Attendance.as_view(),
        name="api-registration-attendance",
    ),
]
