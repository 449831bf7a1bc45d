"""Requests sent over a raw socket exactly as written: no client normalises the target (dots,
slashes, percent-escapes, control characters) before the server sees it."""

from __future__ import annotations

import socket
from urllib.parse import urlsplit


def raw_get(base: str, target: str) -> tuple[int, dict[str, str], bytes]:
    """``GET target`` sent byte for byte; the status, headers (lower-case names) and body."""
    address = urlsplit(base)
    with socket.create_connection((address.hostname, address.port), timeout=30) as connection:
        connection.sendall(
            f"GET {target} HTTP/1.1\r\nHost: {address.netloc}\r\nConnection: close\r\n\r\n".encode()
        )
        reply = b""
        while chunk := connection.recv(65536):
            reply += chunk
    head, _, body = reply.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = {
        name.strip().lower(): value.strip()
        for name, _, value in (line.partition(":") for line in header_lines)
    }
    return int(status_line.split(" ", 2)[1]), headers, body
