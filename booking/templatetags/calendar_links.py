"""`{% calendar_links feed_url name %}`: subscribe (webcal), Google, Outlook and download."""

from urllib.parse import quote, urlencode, urlsplit, urlunsplit

from django import template

register = template.Library()


def webcal_url(feed_url: str) -> str:
    parts = urlsplit(feed_url)
    return urlunsplit(("webcal", *parts[1:]))


def google_url(feed_url: str) -> str:
    # Google adds a subscription from a webcal:// address given as `cid`.
    return "https://calendar.google.com/calendar/render?" + urlencode(
        {"cid": webcal_url(feed_url)}, quote_via=quote
    )


def outlook_url(feed_url: str, name: str, *, host: str = "outlook.office.com") -> str:
    return f"https://{host}/calendar/0/addfromweb?" + urlencode(
        {"url": feed_url, "name": name}, quote_via=quote
    )


@register.inclusion_tag("partials/calendar_links.html", takes_context=True)
def calendar_links(context, feed_path_or_url: str, name: str, heading_id: str = "subscribe"):
    request = context["request"]
    feed_url = request.build_absolute_uri(feed_path_or_url)
    separator = "&" if "?" in feed_url else "?"
    return {
        "feed_url": feed_url,
        "webcal_url": webcal_url(feed_url),
        "google_url": google_url(feed_url),
        "outlook_url": outlook_url(feed_url, name),
        "outlook_com_url": outlook_url(feed_url, name, host="outlook.live.com"),
        "download_url": f"{feed_url}{separator}download=1",
        "name": name,
        "heading_id": heading_id,
    }
