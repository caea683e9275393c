from allauth.account.decorators import secure_admin_login
from csp.decorators import csp_update
from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path
from django.views.static import serve
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from config import views

# The admin's own sign-in form has no rate limit and no lockout: send it to allauth's, which
# counts failures per client and per account like every other way in.
# Before `admin.site.urls` below, which binds the view.
admin.site.login = secure_admin_login(admin.site.login)

api_patterns = [
    path("", include("accounts.api_urls")),
    path("", include("booking.api_urls")),
    path("", include("events.api_urls")),
]

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", include(api_patterns)),
    path("feeds/", include("booking.feed_urls")),
    path("feeds/", include("events.feed_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path(
        "api/docs/",
        # The split view serves its start-up script as a file: no inline script under CSP.
        csp_update(settings.API_DOCS_CSP_UPDATE)(
            SpectacularSwaggerSplitView.as_view(url_name="api-schema")
        ),
        name="api-docs",
    ),
]

urlpatterns += i18n_patterns(
    path("", views.home, name="home"),
    # Strict ID-token checks on allauth's OpenID Connect paths (accounts/oidc.py).
    path("accounts/oidc/", include("accounts.oidc")),
    # allauth pages that SSO accounts may not use (accounts/account_pages.py).
    path("accounts/", include("accounts.account_pages")),
    path("accounts/", include("allauth.urls")),
    path("my/", views.my_overview, name="my"),
    path("manage/", views.manage_overview, name="manage"),
    path("", include("accounts.urls")),
    path("", include("booking.urls")),
    path("", include("events.urls")),
    path("admin/", admin.site.urls),
    prefix_default_language=False,
)

if settings.DEBUG:
    urlpatterns += [
        path(
            f"{settings.MEDIA_URL.strip('/')}/<path:path>",
            serve,
            {"document_root": settings.MEDIA_ROOT},
        ),
    ]
