"""The network address a request came from, for lock-out (axes) and the code sign-in limits.

Behind `SHOUWANG_PROXY_COUNT` reverse proxies of our own, each appends the address it saw to
X-Forwarded-For: the client is the entry our outermost proxy wrote, counted from the right, and
whatever a client put in front of it is ignored (it cannot choose its address). Without proxies
(the default) the header is not trusted at all and the socket's address counts.
"""

from django.conf import settings

MAX_ADDRESS = 64


def client_address(request) -> str:
    remote = request.META.get("REMOTE_ADDR") or ""
    count = settings.PROXY_COUNT
    if count <= 0:
        return remote[:MAX_ADDRESS]
    header = request.META.get("HTTP_X_FORWARDED_FOR", "")[:2000]
    hops = [hop.strip() for hop in header.split(",") if hop.strip()]
    if len(hops) < count:
        return remote[:MAX_ADDRESS]
    return hops[-count][:MAX_ADDRESS]
