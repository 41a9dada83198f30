"""The address a request comes from, as the rate limits count it.

Behind reverse proxies REMOTE_ADDR is the nearest proxy's, so every visitor would share
one bucket. Each trusted proxy appends the address it received the request from to
X-Forwarded-For; with settings.TRUSTED_PROXY_HOPS of them in front of the site, the
client is the entry that many places from the right. Entries further left were written
by the client and are never believed. An IPv6 client is counted by its /64 network:
one connection commonly holds a whole /64, so a bucket per address would be no limit.
"""

import ipaddress

from django.conf import settings

IPV6_PREFIX = 64


def _forwarded_address(request, hops):
    entries = [entry.strip() for entry in request.headers.get("X-Forwarded-For", "").split(",")]
    entries = [entry for entry in entries if entry]
    if not entries:
        return None
    # Fewer entries than proxies: the request skipped the outer ones, and the leftmost
    # entry is the address the first proxy it passed saw.
    return entries[-min(hops, len(entries))]


def _parsed(address):
    try:
        return ipaddress.ip_address(address.strip("[]"))
    except ValueError:
        return None


def client_ip(request):
    """The client's address: X-Forwarded-For's past settings.TRUSTED_PROXY_HOPS proxies, else REMOTE_ADDR."""
    remote = request.META.get("REMOTE_ADDR", "")
    hops = settings.TRUSTED_PROXY_HOPS
    if hops > 0:
        forwarded = _parsed(_forwarded_address(request, hops) or "")
        if forwarded is not None:
            return str(forwarded)
    parsed = _parsed(remote)
    return str(parsed) if parsed is not None else remote


def client_bucket(request):
    """What the limits count a client by: its address, or for IPv6 its /64 network."""
    address = client_ip(request)
    parsed = _parsed(address)
    if isinstance(parsed, ipaddress.IPv6Address) and parsed.ipv4_mapped is None:
        return str(ipaddress.IPv6Network(f"{parsed}/{IPV6_PREFIX}", strict=False))
    if isinstance(parsed, ipaddress.IPv6Address):
        return str(parsed.ipv4_mapped)
    return address
