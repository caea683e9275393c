"""The client's address, for rate limits: from the trusted proxies' X-Forwarded-For only.

Behind a load balancer REMOTE_ADDR is the balancer, so every visitor would share one
bucket and ten bad sign-ins would lock everyone out. The client may send an X-Forwarded-For
of its own, though; each proxy appends the address it received from, so only the entry the
outermost of our TRUSTED_PROXY_COUNT proxies added is the client's. Anything the client
wrote stands to the left of it and is ignored. allauth (sign-in, sign-up, reset limits) and
DRF (the token endpoint's throttle) both ask this function.
"""

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    remote_addr = request.META.get("REMOTE_ADDR", "")
    count = settings.TRUSTED_PROXY_COUNT
    if count <= 0:
        return remote_addr
    hops = [hop.strip() for hop in request.headers.get("X-Forwarded-For", "").split(",")]
    if len(hops) < count:
        # Not through every proxy we run (a direct hit on an inner one): the header is not
        # ours to believe, and the nearest peer is all we know.
        return remote_addr
    try:
        return str(ipaddress.ip_address(hops[-count]))
    except ValueError:
        return remote_addr
