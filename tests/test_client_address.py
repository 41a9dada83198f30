"""The client address the limits count: past the configured proxies, IPv6 by its /64."""

import pytest

from ewevents.client_address import client_bucket, client_ip


@pytest.mark.parametrize(
    ("hops", "forwarded", "remote", "expected"),
    [
        (0, "192.0.2.1", "203.0.113.9", "203.0.113.9"),
        (1, "192.0.2.1", "10.0.0.2", "192.0.2.1"),
        (1, "6.6.6.6, 192.0.2.1", "10.0.0.2", "192.0.2.1"),
        (2, "6.6.6.6, 192.0.2.1, 10.0.0.1", "10.0.0.2", "192.0.2.1"),
        # The request skipped the outer proxy: the leftmost entry is what the inner one saw.
        (2, "192.0.2.1", "10.0.0.2", "192.0.2.1"),
        (1, "", "10.0.0.2", "10.0.0.2"),
        (1, "not an address", "10.0.0.2", "10.0.0.2"),
        (1, "2001:DB8::1", "10.0.0.2", "2001:db8::1"),
    ],
)
def test_client_ip_reads_the_entry_the_trusted_proxies_wrote(rf, settings, hops, forwarded, remote, expected):
    settings.TRUSTED_PROXY_HOPS = hops
    request = rf.get("/", HTTP_X_FORWARDED_FOR=forwarded, REMOTE_ADDR=remote)

    assert client_ip(request) == expected


@pytest.mark.parametrize(
    ("remote", "bucket"),
    [
        ("203.0.113.9", "203.0.113.9"),
        ("2001:db8:1:2:aaaa::1", "2001:db8:1:2::/64"),
        ("2001:db8:1:2:bbbb::7", "2001:db8:1:2::/64"),
        ("::ffff:203.0.113.9", "203.0.113.9"),
    ],
)
def test_ipv6_clients_share_a_bucket_per_64_network(rf, settings, remote, bucket):
    settings.TRUSTED_PROXY_HOPS = 0

    assert client_bucket(rf.get("/", REMOTE_ADDR=remote)) == bucket
