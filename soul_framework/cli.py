"""The ``soul`` command: run the service, inspect plugins and settings."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
from pathlib import Path

import click

from soul_framework import API_VERSION, __version__
from soul_framework.chat import chat
from soul_framework.config import Settings, load_settings
from soul_framework.errors import SoulError
from soul_framework.logs import configure_logging
from soul_framework.masking import mask_credentials
from soul_framework.persona_commands import persona

log = logging.getLogger("soul_framework.cli")

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000


class Failure(click.ClickException):
    """A command's error as its user reads it, with credentials in URLs masked."""

    def __init__(self, message: str) -> None:
        super().__init__(mask_credentials(message))


def _settings(**overrides: object) -> Settings:
    try:
        settings = load_settings(**overrides)
    except SoulError as exc:
        raise Failure(exc.message) from exc
    configure_logging(settings)
    return settings


@click.command()
@click.option("--host", default=DEFAULT_HOST, show_default=True, help="Address to listen on.")
@click.option("--port", default=DEFAULT_PORT, show_default=True, type=int)
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Where the embedded store, Redis and secrets live [default: SOUL_DATA_DIR or ./.soul].",
)
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64))
def up(host: str, port: int, data_dir: Path | None, workers: int) -> None:
    """Run everything locally with no set-up: Redis, the store, the API and workers."""
    from soul_framework.supervisor import Supervisor

    overrides = {"soul_data_dir": data_dir} if data_dir else {}
    settings = _settings(**overrides)
    code = Supervisor(settings, host, port, workers, say=click.echo).run()
    sys.exit(code)


@click.command()
@click.option("--host", default=DEFAULT_HOST, show_default=True, help="Address to listen on.")
@click.option("--port", default=DEFAULT_PORT, show_default=True, type=int)
def serve(host: str, port: int) -> None:
    """Run the API only (production: run workers with `soul worker`)."""
    from soul_framework import event_loops
    from soul_framework.serve import serve_api

    settings = _settings()
    try:
        event_loops.run(serve_api(settings, host, port))
    except SoulError as exc:
        raise Failure(exc.message) from exc


@click.command()
@click.option("--burst", is_flag=True, help="Stop when the queues are empty.")
@click.option("--name", default=None, help="Worker name shown in /v1/meta/queue.")
def worker(burst: bool, name: str | None) -> None:
    """Run a worker on the queues high, default and low."""
    from soul_framework.jobs.worker import run_worker

    settings = _settings()
    try:
        run_worker(settings, burst=burst, name=name)
    except SoulError as exc:
        raise Failure(exc.message) from exc


@click.command()
def plugins() -> None:
    """List installed plugins, their versions and hooks, and which ones are selected."""
    from soul_framework.runtime import Runtime

    settings = _settings()
    try:
        runtime = Runtime.build(settings)
    except SoulError as exc:
        raise Failure(exc.message) from exc
    pm = runtime.pm
    selected = {(family, name) for family, name in runtime.selection.as_dict().items()}
    for name, info in sorted(pm.info.items()):
        origin = f"{info.distribution} {info.version}" if info.distribution else "in-process"
        click.echo(f"{name}  ({origin})")
        click.echo(f"    hooks: {', '.join(pm.hooks_of(name))}")
        for family in runtime.registry.entries:
            for registration in runtime.registry.all(family):
                if registration.plugin != name:
                    continue
                mark = "  [selected]" if (family, registration.name) in selected else ""
                click.echo(f"    {family.replace('_', ' ')}: {registration.name}{mark}")
    for name, reason in sorted(pm.failures.items()):
        click.echo(f"{name}  (NOT LOADED: {mask_credentials(reason)})")


@click.command("config")
def show_config() -> None:
    """Show the effective settings, secrets masked."""
    settings = _settings()
    shown = settings.masked()
    width = max(len(name) for name in shown)
    for name, value in shown.items():
        click.echo(f"{name.ljust(width)}  {value}")
    click.echo(
        f"{'(environment)'.ljust(width)}  "
        f"{'development' if settings.is_development else 'production'}"
    )


@click.command("grant-creator")
@click.argument("email")
def grant_creator(email: str) -> None:
    """Make the account with EMAIL the active agent's creator (an operator's decision).

    Claiming the address in DEVELOPER_EMAIL grants nothing by itself: this command is the only
    way to the creator relationship.
    """
    from soul_framework.creator import grant_creator as grant

    settings = _settings()
    try:
        username, agent_name = asyncio.run(grant(settings, email))
    except SoulError as exc:
        raise Failure(exc.message) from exc
    click.echo(f"{username} ({email}) is now {agent_name}'s creator.")


@click.group("llm")
def llm() -> None:
    """The language model: check that it answers."""


@llm.command("check")
@click.option("--tier", type=click.Choice(["fast", "quality"]), default="fast", show_default=True)
def llm_check(tier: str) -> None:
    """Make one small structured call and print the latency and the usage."""
    from soul_framework.domain.llm import Tier
    from soul_framework.llm_check import check_llm

    settings = _settings()
    try:
        name, info, completion = asyncio.run(check_llm(settings, Tier(tier)))
    except SoulError as exc:
        raise Failure(f"{exc.code}: {exc.message}") from exc
    usage = completion.usage
    where = mask_credentials(info.base_url) if info.base_url else "the default endpoint"
    click.echo(f"provider: {name} ({info.mode}) at {where}")
    click.echo(f"model:    {info.models.get(tier)} ({tier})")
    click.echo(f"answer:   {completion.output.model_dump_json()}")
    click.echo(f"latency:  {usage.latency_seconds * 1000:.0f} ms")
    click.echo(
        f"usage:    {usage.prompt_tokens} prompt + {usage.completion_tokens} completion tokens"
    )


BUILT_IN_COMMANDS = (up, serve, worker, plugins, show_config, grant_creator, llm, persona, chat)


def build_cli() -> click.Group:
    """The ``soul`` group: the built-in commands plus those plugins add.

    Built fresh on each call, so plugin commands never leak between uses (or tests).
    """

    @click.group(name="soul")
    @click.version_option(
        __version__, prog_name="soul", message=f"%(prog)s %(version)s (API {API_VERSION})"
    )
    def soul() -> None:
        """Synthetic Soul: companion agents with an inner life."""

    for command in BUILT_IN_COMMANDS:
        soul.add_command(command)
    _add_plugin_commands(soul)
    return soul


def _add_plugin_commands(group: click.Group) -> None:
    """Let plugins add subcommands; a configuration problem must not hide the built-in ones."""
    from soul_framework.hooks import Hooks
    from soul_framework.plugins import build_plugin_manager

    try:
        pm = build_plugin_manager(load_settings())
    except SoulError as exc:
        log.debug("plugin commands unavailable: %s", exc)
        return
    Hooks(pm).register_commands(group)


def main(argv: list[str] | None = None) -> None:
    # Plugins load while the group is built, before any command has set logging up: what they
    # log then must go through the same formatter (one line, credentials masked).
    with contextlib.suppress(SoulError):
        configure_logging(load_settings())
    build_cli().main(args=argv, prog_name="soul")


if __name__ == "__main__":
    main()
