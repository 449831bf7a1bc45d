"""``soul chat``: talk with a running service's agent in the terminal."""

from __future__ import annotations

import contextlib
import sys

import click

from soul_framework.chat.conversation import Chat
from soul_framework.chat.service import DEFAULT_URL, Credentials, Service
from soul_framework.chat.terminal import Terminal


def _base_url(url: str) -> str:
    """The service's root: scheme and address, with a trailing ``/`` or ``/v1`` taken off."""
    url = url.strip().rstrip("/")
    if not url.startswith(("http://", "https://")):
        raise click.BadParameter("must start with http:// or https://", param_hint="--url")
    return url.removesuffix("/v1")


@click.command("chat")
@click.option(
    "--url", default=DEFAULT_URL, show_default=True, help="Where the service answers (its root)."
)
@click.option("--email", default=None, help="Log in to this account instead of as a new guest.")
@click.option(
    "--password",
    default=None,
    help="The account's password (asked for, unseen, when --email is given without it).",
)
def chat(url: str, email: str | None, password: str | None) -> None:
    """Chat with the service's agent: replies stream in, then its expression and mood.

    Signs in as a new guest unless --email is given. Type a message and press Enter; /mood
    shows the mood again, /quit or Ctrl-D leaves.
    """
    base = _base_url(url)
    if password is not None and email is None:
        raise click.UsageError("--password needs --email.")
    if email is not None and password is None:
        password = click.prompt("Password", hide_input=True)
    interactive = sys.stdin.isatty()
    if interactive:
        with contextlib.suppress(ImportError):  # not on every platform; input() works without
            import readline  # noqa: F401  (line editing and in-session history for input())
    terminal = Terminal.for_streams(sys.stdout, sys.stderr)
    service = Service(
        base,
        Credentials(email, password) if email is not None and password is not None else None,
        notice=lambda text: terminal.line(text, "warning"),
    )
    # Piped input gets no prompt, so what is printed is the conversation only.
    code = Chat(service, terminal, prompt="you> " if interactive else "").run()
    sys.exit(code)
