from django.urls import path

from events import feeds, schedule_feeds

urlpatterns = [
    path("events.ics", feeds.events_feed, name="feed-events"),
    path("programmes/<slug:slug>.ics", feeds.programme_feed, name="feed-programme"),
    path(
        "programmes/<slug:slug>/schedule.json",
        schedule_feeds.programme_schedule_json,
        name="feed-programme-schedule-json",
    ),
    path(
        "programmes/<slug:slug>/schedule.xml",
        schedule_feeds.programme_schedule_xml,
        name="feed-programme-schedule-xml",
    ),
    path("events/<slug:slug>.ics", feeds.event_feed, name="feed-event"),
    path("me/<str:token>.ics", feeds.personal_feed, name="feed-me"),
]
