from django.urls import path

from booking import feeds

urlpatterns = [
    path("rooms/<slug:slug>.ics", feeds.room_feed, name="feed-room"),
]
