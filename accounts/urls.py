from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("my/profile/", views.profile, name="profile"),
    path("my/profile/api-token/", views.rotate_api_token, name="rotate-api-token"),
    path("my/feed-token/", views.rotate_feed_token, name="rotate-feed-token"),
    path("my/data/export/", views.export_data, name="export-data"),
    path("my/erase/", views.erase_account, name="erase-account"),
]
