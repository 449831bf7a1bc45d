"""Which address a request is counted under: never one a client can choose."""

from __future__ import annotations

import pytest

from soul_framework.auth.client_address import client_address, trusted_networks

PROXIES = trusted_networks("10.0.0.0/8, 192.168.1.5")


@pytest.mark.parametrize(
    ("peer", "forwarded", "trusted", "expected"),
    [
        ("203.0.113.9", None, [], "203.0.113.9"),
        # No trusted proxy configured: the header is ignored, whoever sent it.
        ("203.0.113.9", "1.2.3.4", [], "203.0.113.9"),
        # The peer is not a trusted proxy: its header is ignored.
        ("203.0.113.9", "1.2.3.4", PROXIES, "203.0.113.9"),
        # A trusted proxy appended the client's address.
        ("10.1.2.3", "198.51.100.7", PROXIES, "198.51.100.7"),
        # A client forging a header in front of the proxy: the proxy's own entry wins.
        ("10.1.2.3", "1.2.3.4, 198.51.100.7", PROXIES, "198.51.100.7"),
        # Two trusted hops.
        ("10.1.2.3", "198.51.100.7, 192.168.1.5", PROXIES, "198.51.100.7"),
        ("10.1.2.3", "not-an-ip", PROXIES, "not-an-ip"),
        (None, None, PROXIES, "unknown"),
    ],
)
def test_client_address(peer, forwarded, trusted, expected):
    assert client_address(peer, forwarded, trusted) == expected


def test_bad_trusted_proxies_are_refused():
    with pytest.raises(ValueError, match=r"10\.0\.0\.0/33"):
        trusted_networks("10.0.0.0/33")
