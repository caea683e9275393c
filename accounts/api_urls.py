from django.urls import path

from accounts import api

urlpatterns = [
    path("auth/token/", api.TokenView.as_view(), name="api-token"),
    path("me/", api.MeView.as_view(), name="api-me"),
    path("me/feed-token/", api.FeedTokenView.as_view(), name="api-me-feed-token"),
]
