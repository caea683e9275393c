"""The one page other sites may frame: a programme's timetable (events.views.programme_embed).

Every other page keeps `frame-ancestors 'none'` and X-Frame-Options DENY (config/settings).
"""

from csp.constants import SELF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


def frame_ancestors() -> list[str]:
    """This site and the origins of settings.EMBED_FRAME_ANCESTORS."""
    origins = list(settings.EMBED_FRAME_ANCESTORS)
    for origin in origins:
        # One bad character would end the directive and let the rest of the header through.
        if not origin.startswith(("https://", "http://")) or any(c in origin for c in " ;,'\""):
            raise ImproperlyConfigured(f"EMBED_FRAME_ANCESTORS: {origin!r} is not an origin.")
    return [SELF, *origins]


def frameable(response):
    """Let the sites of frame_ancestors() frame this response, and no other."""
    response._csp_replace = {"frame-ancestors": frame_ancestors()}
    # X-Frame-Options names one origin at most; CSP says it all, and browsers that know
    # frame-ancestors ignore the older header anyway.
    response.xframe_options_exempt = True
    return response
