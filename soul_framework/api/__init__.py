"""The HTTP API: ``create_app()``, one blueprint per resource, one error envelope."""

from soul_framework.api.app import create_app

__all__ = ["create_app"]
