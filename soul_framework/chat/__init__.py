"""A terminal client of a running service: ``soul chat``.

It uses only the /v1 API and the standard library's HTTP client, so it runs wherever the
service's package is installed and talks to a service anywhere.
"""

from soul_framework.chat.command import chat

__all__ = ["chat"]
