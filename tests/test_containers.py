"""The container files agree with the code: commands exist, variables are settings, the image
is slim and unprivileged, and the build context holds the sources and nothing else.

No Docker engine is needed: the files are read as Docker and Compose read them.
"""

from __future__ import annotations

import json
import re
import shlex
import tomllib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import click
import pytest
import yaml
from pydantic import SecretStr

from soul_framework.api import create_app
from soul_framework.cli import build_cli
from soul_framework.config import Settings
from tests.conftest import STRONG_JWT, STRONG_PEPPER

ROOT = Path(__file__).resolve().parent.parent
COMPOSE_FILES = ("docker-compose.yml", "docker-compose.api.yml")
API_PORT = 8000

# Variables our containers may carry that are not settings: the interpreter's and pip's own.
NON_SETTING_PREFIXES = ("PYTHON", "PIP_")

# ${NAME}, ${NAME:-default}, ${NAME-default}, ${NAME:?message}, ${NAME?message}
INTERPOLATION = re.compile(r"^\$\{(?P<name>\w+)(?:(?P<op>:?[-?])(?P<arg>.*))?\}$")


# --- reading the files ------------------------------------------------------------------------


def load_compose(name: str) -> dict[str, Any]:
    return yaml.safe_load((ROOT / name).read_text(encoding="utf-8"))


def our_services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The services that run this project's image (built here, or tagged synthetic-soul)."""
    return {
        name: service
        for name, service in compose["services"].items()
        if "build" in service or "synthetic-soul" in str(service.get("image", ""))
    }


def environment_of(service: dict[str, Any]) -> dict[str, str | None]:
    """A service's environment as a mapping; None means "passed through when set"."""
    environment = service.get("environment") or {}
    if isinstance(environment, dict):
        return {key: None if value is None else str(value) for key, value in environment.items()}
    pairs = (entry.partition("=") for entry in environment)
    return {key: value if sep else None for key, sep, value in pairs}


def compose_default(value: str | None) -> str | None:
    """What Compose puts in the container when the variable is not set anywhere: the literal,
    the ``:-`` default, None for a pass-through, or an error for a required ``:?`` variable."""
    if value is None:
        return None
    match = INTERPOLATION.match(value)
    if match is None:
        return value
    if match["op"] and match["op"].endswith("?"):
        raise LookupError(f"${{{match['name']}}} is required")
    return match["arg"] if match["op"] else None


def words(command: str | list[str]) -> list[str]:
    """A command as its words, written either as one string or as a list."""
    return shlex.split(command) if isinstance(command, str) else [str(word) for word in command]


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) in order, continuation lines joined and comments dropped."""
    instructions: list[tuple[str, str]] = []
    pending = ""
    for raw in (ROOT / "Dockerfile").read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        keyword, _, arguments = (pending + line).partition(" ")
        instructions.append((keyword.upper(), arguments.strip()))
        pending = ""
    return instructions


def stages() -> list[list[tuple[str, str]]]:
    """The Dockerfile's build stages, each starting with its FROM."""
    result: list[list[tuple[str, str]]] = []
    for keyword, arguments in dockerfile_instructions():
        if keyword == "FROM":
            result.append([])
        if result:
            result[-1].append((keyword, arguments))
    return result


def arguments_of(stage: list[tuple[str, str]], keyword: str) -> list[str]:
    return [arguments for found, arguments in stage if found == keyword]


def exec_form(arguments: str) -> list[str]:
    """CMD/ENTRYPOINT/HEALTHCHECK CMD arguments: JSON exec form or shell form."""
    return json.loads(arguments) if arguments.startswith("[") else shlex.split(arguments)


def dockerfile_environment(stage: list[tuple[str, str]]) -> dict[str, str]:
    environment: dict[str, str] = {}
    for arguments in arguments_of(stage, "ENV"):
        tokens = shlex.split(arguments)
        if "=" not in tokens[0]:  # the legacy form: ENV NAME value with spaces
            environment[tokens[0]] = " ".join(tokens[1:])
            continue
        environment.update(token.split("=", 1) for token in tokens)
    return environment


def dockerignore_rules() -> list[tuple[bool, re.Pattern[str]]]:
    """(is an exception, pattern) per line of .dockerignore, in order."""
    rules = []
    for raw in (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        exception = line.startswith("!")
        pattern = line.removeprefix("!").strip().strip("/")
        rules.append((exception, re.compile(_glob_to_regex(pattern))))
    return rules


def _glob_to_regex(pattern: str) -> str:
    """Docker's .dockerignore globs: ``**`` spans folders, ``*`` and ``?`` stay in one."""
    regex, index = "", 0
    while index < len(pattern):
        char = pattern[index]
        if pattern.startswith("**/", index):
            regex, index = regex + "(?:.*/)?", index + 3
            continue
        if pattern.startswith("**", index):
            regex, index = regex + ".*", index + 2
            continue
        if char == "*":
            regex += "[^/]*"
        elif char == "?":
            regex += "[^/]"
        elif char == "[":
            end = pattern.index("]", index)
            regex += pattern[index : end + 1]
            index = end
        else:
            regex += re.escape(char)
        index += 1
    return regex + r"\Z"


def ignored_by_docker(path: str, rules: list[tuple[bool, re.Pattern[str]]]) -> bool:
    """Whether Docker leaves ``path`` out of the build context: the last rule that matches the
    path or one of its parent folders decides."""
    parts = path.split("/")
    candidates = ["/".join(parts[:length]) for length in range(1, len(parts) + 1)]
    verdict = False
    for exception, regex in rules:
        if any(regex.match(candidate) for candidate in candidates):
            verdict = not exception
    return verdict


def known_variables() -> set[str]:
    """Every variable name the settings read, upper-cased: a field's name with the settings'
    prefix, or, when the field has an alias, the alias (or each of its choices) alone, as
    pydantic-settings reads them."""
    prefix = Settings.model_config.get("env_prefix", "")
    names = set()
    for name, field in Settings.model_fields.items():
        alias = field.validation_alias or field.alias
        if alias is None:
            names.add((prefix + name).upper())
        elif isinstance(alias, str):
            names.add(alias.upper())
        else:
            names.update(c.upper() for c in getattr(alias, "choices", []) if isinstance(c, str))
    return names


SECRET_VARIABLES = {
    name.upper()
    for name, field in Settings.model_fields.items()
    if SecretStr in getattr(field.annotation, "__args__", (field.annotation,))
}


def services_running_our_image() -> Iterator[tuple[str, str, dict[str, Any]]]:
    for file in COMPOSE_FILES:
        for name, service in our_services(load_compose(file)).items():
            yield file, name, service


def assert_is_a_soul_command(command: list[str]) -> None:
    """The first word is a console script of this project, the next a subcommand of it, and
    the options parse as that subcommand defines them."""
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"][
        "scripts"
    ]
    assert command[0] in scripts, f"{command[0]!r} is not one of the console scripts {scripts}"
    assert scripts[command[0]] == "soul_framework.cli:main"
    group = build_cli()
    assert command[1] in group.commands, f"'soul {command[1]}' is not a command"
    subcommand = group.commands[command[1]]
    try:
        subcommand.make_context(command[1], list(command[2:]))
    except click.UsageError as exc:
        pytest.fail(f"{shlex.join(command)}: {exc.format_message()}")


# --- compose ----------------------------------------------------------------------------------


@pytest.mark.parametrize("file", COMPOSE_FILES)
def test_compose_file_defines_the_api_and_the_worker(file: str) -> None:
    services = our_services(load_compose(file))
    assert {"api", "worker"} <= set(services)


@pytest.mark.parametrize(
    ("file", "name", "service"),
    list(services_running_our_image()),
    ids=[f"{file}:{name}" for file, name, _ in services_running_our_image()],
)
def test_every_service_of_our_image_runs_a_soul_command(
    file: str, name: str, service: dict[str, Any]
) -> None:
    assert "command" in service, f"{file}: {name} relies on the image's default command"
    assert_is_a_soul_command(words(service["command"]))


def test_the_api_serves_and_the_worker_works_in_both_files() -> None:
    for file in COMPOSE_FILES:
        services = load_compose(file)["services"]
        assert words(services["api"]["command"])[:2] == ["soul", "serve"]
        assert words(services["worker"]["command"])[:2] == ["soul", "worker"]


@pytest.mark.parametrize("file", COMPOSE_FILES)
def test_every_variable_given_to_our_containers_is_a_setting(file: str) -> None:
    known = known_variables()
    for name, service in our_services(load_compose(file)).items():
        unknown = {
            variable
            for variable in environment_of(service)
            if variable not in known and not variable.startswith(NON_SETTING_PREFIXES)
        }
        assert not unknown, f"{file}: {name} sets variables no setting reads: {sorted(unknown)}"


@pytest.mark.parametrize("file", COMPOSE_FILES)
def test_secrets_must_come_from_the_environment(file: str) -> None:
    """Compose refuses to start without the signing secret and the pepper, and no file holds
    a secret's value."""
    for name, service in our_services(load_compose(file)).items():
        environment = environment_of(service)
        for variable in ("JWT_SECRET_ENV", "ARGON2_PEPPER_ENV"):
            match = INTERPOLATION.match(environment.get(variable) or "")
            assert match, f"{file}: {name} does not take {variable} from the environment"
            assert (match["name"], match["op"]) == (variable, ":?")
        for variable in SECRET_VARIABLES & set(environment):
            value = environment[variable]
            if value is None:  # passed through from the environment, or absent
                continue
            match = INTERPOLATION.match(value)
            assert match, f"{file}: {variable} is written out"
            assert match["name"] == variable
            assert not (match["op"] or "").endswith("-") or not match["arg"], (
                f"{file}: {variable} has a default value"
            )


@pytest.mark.parametrize("file", COMPOSE_FILES)
def test_the_environment_compose_gives_is_a_valid_production_configuration(file: str) -> None:
    """With only the two secrets exported, our containers get settings that load, pass the
    production checks and select MongoDB."""
    for name, service in our_services(load_compose(file)).items():
        values: dict[str, str] = {}
        for variable, value in environment_of(service).items():
            try:
                default = compose_default(value)
            except LookupError:
                default = {"JWT_SECRET_ENV": STRONG_JWT, "ARGON2_PEPPER_ENV": STRONG_PEPPER}[
                    variable
                ]
            if default is not None:
                values[variable.lower()] = default
        settings = Settings(_env_file=None, **values)  # type: ignore[call-arg]
        assert not settings.is_development, f"{file}: {name} runs in development mode"
        settings.check_secrets()
        assert settings.store_name == "mongo"
        assert settings.mongo_uri, f"{file}: {name} has no MongoDB to talk to"
        assert settings.redis_url or settings.redis_tls_url


def test_full_stack_points_the_service_at_its_own_redis_mongo_and_ollama() -> None:
    compose = load_compose("docker-compose.yml")
    services = compose["services"]
    for name in ("api", "worker"):
        environment = environment_of(services[name])
        hosts = {
            variable: urlsplit(compose_default(environment[variable]) or "")
            for variable in ("REDIS_URL", "MONGO_CONNECTION_LOCAL", "OLLAMA_BASE_URL")
        }
        assert (hosts["REDIS_URL"].hostname, hosts["REDIS_URL"].port) == ("redis", 6379)
        assert (hosts["MONGO_CONNECTION_LOCAL"].hostname, hosts["MONGO_CONNECTION_LOCAL"].port) == (
            "mongo",
            27017,
        )
        assert hosts["OLLAMA_BASE_URL"].hostname == "ollama"
        assert hosts["OLLAMA_BASE_URL"].path == "/v1"
        assert environment["MONGO_MODE"] == "local"
        assert environment["STORAGE_BACKEND"] == "mongo"


def test_full_stack_keeps_its_data_in_named_volumes() -> None:
    compose = load_compose("docker-compose.yml")
    services = compose["services"]
    assert services["redis"]["image"].startswith("redis:7")
    assert services["mongo"]["image"].startswith("mongo:7")
    assert "--appendonly yes" in shlex.join(words(services["redis"]["command"]))
    expected = {"redis": "/data", "mongo": "/data/db", "ollama": "/root/.ollama"}
    for service, target in expected.items():
        volume, _, mounted_at = services[service]["volumes"][0].partition(":")
        assert mounted_at.split(":")[0] == target
        assert volume in compose["volumes"], f"{service}'s data is not in a named volume"


def test_ollama_is_optional_and_pulls_the_model_the_service_asks_for() -> None:
    services = load_compose("docker-compose.yml")["services"]
    optional = {name for name, service in services.items() if service.get("profiles")}
    assert optional == {"ollama", "ollama-pull"}
    for name in optional:
        assert services[name]["profiles"] == ["ollama"]
        assert services[name]["image"].startswith("ollama/ollama")
    pulled = compose_default(environment_of(services["ollama-pull"])["OLLAMA_FAST_MODEL"])
    assert pulled == Settings.model_fields["ollama_fast_model"].default
    # A service that is always started cannot wait for one that is only started on request.
    for name, service in services.items():
        if name not in optional:
            assert not set(service.get("depends_on") or {}) & optional


def test_services_wait_only_for_services_that_report_health() -> None:
    services = load_compose("docker-compose.yml")["services"]
    for name, service in services.items():
        for dependency, condition in (service.get("depends_on") or {}).items():
            if condition.get("condition") != "service_healthy":
                continue
            check = services[dependency].get("healthcheck") or {}
            assert check.get("test"), f"{name} waits for {dependency}, which has no check"
            assert not check.get("disable"), f"{name} waits for {dependency}, whose check is off"
    assert {"redis", "mongo"} <= set(services["api"]["depends_on"])
    assert {"redis", "mongo"} <= set(services["worker"]["depends_on"])


@pytest.mark.parametrize("file", COMPOSE_FILES)
def test_services_restart_and_workers_scale(file: str) -> None:
    services = load_compose(file)["services"]
    for name, service in services.items():
        assert "restart" in service, f"{file}: {name} has no restart policy"
    worker = services["worker"]
    # A fixed name or a published port would stop `--scale worker=N` at the second copy.
    assert "container_name" not in worker
    assert "ports" not in worker
    # The image's check asks the API over HTTP, which a worker does not serve.
    assert worker["healthcheck"].get("disable") is True


def test_external_file_runs_only_our_services_and_reaches_the_host() -> None:
    compose = load_compose("docker-compose.api.yml")
    assert set(compose["services"]) == {"api", "worker"}
    for name, service in compose["services"].items():
        assert "host.docker.internal:host-gateway" in service["extra_hosts"]
        environment = environment_of(service)
        for variable in ("REDIS_URL", "MONGO_CONNECTION_LOCAL"):
            match = INTERPOLATION.match(environment[variable] or "")
            assert match, f"{name}: {variable} is fixed"
            assert match["name"] == variable
        assert "depends_on" not in service


# --- the image --------------------------------------------------------------------------------


def test_image_is_built_in_stages_from_slim_python() -> None:
    all_stages = stages()
    assert len(all_stages) >= 2, "the wheel is built in a stage of its own"
    for stage in all_stages:
        image = stage[0][1].split()[0]
        assert re.fullmatch(r"python:3\.1[1-9]-slim(-\w+)?", image), image
    runtime = all_stages[-1]
    runs = " ".join(arguments_of(runtime, "RUN"))
    assert "from=build" in runs or any("--from=" in c for c in arguments_of(runtime, "COPY"))
    assert not re.search(r"build-essential|\bgcc\b|\bg\+\+|\bclang\b|\bcurl\b", runs)


def test_image_runs_unprivileged_in_production_mode() -> None:
    runtime = stages()[-1]
    users = arguments_of(runtime, "USER")
    assert users, "the image runs as root"
    assert users[-1].split(":")[0] not in {"root", "0"}
    assert arguments_of(runtime, "WORKDIR")
    environment = dockerfile_environment(runtime)
    assert environment["APP_ENV"] == "production"
    assert environment["PYTHONDONTWRITEBYTECODE"] == "1"
    assert environment["PYTHONUNBUFFERED"] == "1"
    known = known_variables()
    for variable in environment:
        assert variable in known or variable.startswith(NON_SETTING_PREFIXES), variable
        assert variable not in SECRET_VARIABLES, f"the image bakes in {variable}"


def test_image_default_command_serves_the_api_on_the_exposed_port() -> None:
    runtime = stages()[-1]
    entrypoint = [exec_form(a) for a in arguments_of(runtime, "ENTRYPOINT")]
    command = (entrypoint[-1] if entrypoint else []) + exec_form(arguments_of(runtime, "CMD")[-1])
    assert_is_a_soul_command(command)
    assert command[:2] == ["soul", "serve"]
    assert command[command.index("--port") + 1] == str(API_PORT)
    assert command[command.index("--host") + 1] == "0.0.0.0"
    assert arguments_of(runtime, "EXPOSE") == [str(API_PORT)]


def health_checks() -> Iterator[tuple[str, list[str]]]:
    """Every health check that asks our API, as (where, command)."""
    _, _, command = arguments_of(stages()[-1], "HEALTHCHECK")[-1].partition("CMD ")
    yield "Dockerfile", exec_form(command)
    for file in COMPOSE_FILES:
        yield file, words(load_compose(file)["services"]["api"]["healthcheck"]["test"][1:])


@pytest.mark.parametrize(
    ("where", "check"), list(health_checks()), ids=[where for where, _ in health_checks()]
)
def test_health_checks_ask_the_ping_route_with_python(where: str, check: list[str]) -> None:
    assert check[:2] == ["python", "-c"], f"{where}: slim images have no curl"
    compile(check[2], f"<{where} health check>", "exec")
    (url,) = re.findall(r"https?://[^'\"\s]+", check[2])
    parts = urlsplit(url)
    assert parts.path == "/v1/meta/ping"
    assert (parts.hostname, parts.port) == ("127.0.0.1", API_PORT)


async def test_the_health_check_route_answers_without_signing_in(
    make_settings: Callable[..., Settings],
) -> None:
    (where, check), *_ = health_checks()
    (url,) = re.findall(r"https?://[^'\"\s]+", check[2])
    app = create_app(make_settings())
    async with app.test_app() as test_app:
        response = await test_app.test_client().get(urlsplit(url).path)
    assert response.status_code == 200, where


# --- the build context ------------------------------------------------------------------------


def copied_sources() -> list[str]:
    """The paths the Dockerfile copies from the build context."""
    sources = []
    for stage in stages():
        for arguments in arguments_of(stage, "COPY"):
            tokens = [token for token in shlex.split(arguments) if not token.startswith("--")]
            if "--from=" not in arguments:
                sources += tokens[:-1]
    return sources


def test_build_context_holds_every_file_the_image_copies() -> None:
    rules = dockerignore_rules()
    sources = copied_sources()
    assert {"pyproject.toml", "README.md", "soul_framework", "plugins"} <= set(sources)
    for source in sources:
        path = ROOT / source
        assert path.exists(), f"the Dockerfile copies {source}, which is not in the repository"
        files = [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file()]
        for file in files:
            relative = file.relative_to(ROOT).as_posix()
            if "__pycache__" in relative:
                continue
            assert not ignored_by_docker(relative, rules), f"{relative} is left out of the build"


@pytest.mark.parametrize(
    "path",
    [
        ".venv/bin/python",
        ".git/HEAD",
        ".soul/soul.db",
        ".soul/secrets.env",
        ".env",
        "tests/conftest.py",
        "tests/api/data/card.png",
        "bench/reports/latest.json",
        "build/lib/soul_framework/cli.py",
        "dist/synthetic_soul-0.1.0-py3-none-any.whl",
        "synthetic_soul.egg-info/PKG-INFO",
        "soul_framework/__pycache__/cli.cpython-312.pyc",
        "plugins/storage_sqlite/.soul/soul.db",
        ".pytest_cache/v/cache/nodeids",
    ],
)
def test_build_context_leaves_out_local_state_and_artefacts(path: str) -> None:
    assert ignored_by_docker(path, dockerignore_rules())


def test_dockerignore_matching_follows_docker() -> None:
    """The matcher the two tests above rely on: the last matching line wins, a folder's rule
    covers what is inside it, and ``**`` spans folders."""
    rules = [(False, re.compile(_glob_to_regex(p))) for p in ("*", "**/*.pyc")]
    rules.insert(1, (True, re.compile(_glob_to_regex("src"))))
    assert ignored_by_docker("notes.txt", rules)
    assert ignored_by_docker("docs/index.md", rules)
    assert not ignored_by_docker("src/a/b.py", rules)
    assert ignored_by_docker("src/a/b.pyc", rules)
