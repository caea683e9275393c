from django.middleware.locale import LocaleMiddleware as DjangoLocaleMiddleware
from django.utils import translation

API_PREFIX = "/api/"


class LocaleMiddleware(DjangoLocaleMiddleware):
    """Pages take their language from the URL; the API from the request's headers.

    With `prefix_default_language=False` Django gives every path without a language prefix the
    default language, the API included, so an API client could never get English messages.
    The API has no language prefix, so it follows the language cookie, then Accept-Language,
    then LANGUAGE_CODE (Dutch) when the client states nothing.
    """

    def process_request(self, request):
        if not request.path_info.startswith(API_PREFIX):
            return super().process_request(request)
        translation.activate(translation.get_language_from_request(request))
        request.LANGUAGE_CODE = translation.get_language()
        return None
