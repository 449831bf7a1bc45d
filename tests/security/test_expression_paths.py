"""``/static/expressions/{agent}/{name}`` through a real ``soul serve``: the face the 1.1 web UI
asks for loads, and no request target reaches a file that is not an expression image.

Request targets are sent over a raw socket exactly as written, so no client normalises the dots,
slashes and percent-escapes before the server sees them.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from soul_framework.mind.personas import bundled_root
from soul_framework.testing.deployment import Deployment
from tests.security.conftest import DEVELOPMENT
from tests.security.raw_http import raw_get

FACE = "/static/expressions/jasmine"


@pytest.fixture(scope="module")
def server(start_server: Callable[..., Deployment]) -> Deployment:
    return start_server(DEVELOPMENT)


def test_the_web_uis_first_guess_loads_the_svg_face(server: Deployment) -> None:
    face = (bundled_root() / "jasmine" / "expressions" / "neutral.svg").read_bytes()
    for extension in (".jpeg", ".jpg", ".png", ".webp"):
        status, headers, body = raw_get(server.base, f"{FACE}/neutral{extension}")
        assert status == 200, extension
        assert headers["content-type"].startswith("image/svg+xml")
        assert body == face


@pytest.mark.parametrize(
    "target",
    [
        f"{FACE}/../../../pyproject.toml",
        f"{FACE}/..%2f..%2f..%2fpyproject.toml",
        f"{FACE}/%2e%2e%2f%2e%2e%2fpersona.toml",
        f"{FACE}/%2e%2e",
        f"{FACE}/..%5c..%5cpersona.toml",
        f"{FACE}/%5cetc%5cpasswd",
        f"{FACE}/%2fetc%2fpasswd",
        f"{FACE}//etc/passwd",
        f"{FACE}/happy%00.svg",
        f"{FACE}/happy.svg%00",
        f"{FACE}/%c0%ae%c0%ae%c0%afpersona.toml",  # overlong UTF-8 dots and slash
        "/static/expressions/..%2f..%2fpersonalities/happy",
        "/static/expressions/jasmine/../jasmine/persona.toml",
    ],
)
def test_no_target_outside_the_expressions_is_served(server: Deployment, target: str) -> None:
    status, headers, body = raw_get(server.base, target)
    assert status == 404, body[:200]
    error = json.loads(body)["error"]
    assert error["code"] in {"expression_not_found", "not_found"}
    assert headers["content-type"].startswith("application/json")
