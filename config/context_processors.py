from django.conf import settings
from django.utils.translation import get_language_from_path


def language_neutral_path(request):
    """The current path without its /en/ prefix, for the language switch's `next`.

    Django's set_language resolves `next` in the language active on the POST (Dutch, the
    unprefixed default), so a prefixed path would not resolve and would not be translated.
    """
    path = request.get_full_path()
    language = get_language_from_path(request.path_info)
    if language and language != settings.LANGUAGE_CODE:
        path = path[len(language) + 1 :] or "/"
    return {"language_neutral_path": path}
