from django.urls import path

from booking import views

app_name = "booking"

urlpatterns = [
    path("rooms/", views.room_list, name="room_list"),
    path("rooms/day/", views.room_day, name="room_day"),
    path("rooms/<slug:slug>/", views.room_detail, name="room_detail"),
    path("rooms/<slug:slug>/door/", views.room_door, name="room_door"),
    path("rooms/<slug:slug>/check-in/", views.room_check_in, name="room_check_in"),
    path("my/bookings/<int:pk>/", views.my_booking, name="my_booking"),
    path("my/bookings/<int:pk>/cancel/", views.cancel, name="cancel"),
    path("my/bookings/<int:pk>/check-in/", views.check_in_view, name="check_in"),
    path("my/bookings/<int:pk>/keep-series/", views.keep_series, name="keep_series"),
    path("manage/bookings/", views.manage_bookings, name="manage_bookings"),
    path(
        "manage/bookings/<int:pk>/approve/",
        views.decide,
        {"decision": "approve"},
        name="approve",
    ),
    path(
        "manage/bookings/<int:pk>/decline/",
        views.decide,
        {"decision": "decline"},
        name="decline",
    ),
    path("manage/organisations/", views.manage_organisations, name="manage_organisations"),
    path(
        "manage/organisations/<slug:slug>/",
        views.manage_organisation,
        name="manage_organisation",
    ),
    path("manage/bookings/closures/", views.manage_closures, name="manage_closures"),
    path(
        "manage/bookings/closures/<int:pk>/delete/",
        views.delete_closure,
        name="delete_closure",
    ),
]
