from django.urls import path

from events import feeds

urlpatterns = [
    path("events.ics", feeds.events_feed, name="feed-events"),
    path("programmes/<slug:slug>.ics", feeds.programme_feed, name="feed-programme"),
    path("events/<slug:slug>.ics", feeds.event_feed, name="feed-event"),
    path("me/<str:token>.ics", feeds.personal_feed, name="feed-me"),
]
