"""``/static/expressions/{agent}/{name}``: images by name, fallbacks, the alias, no traversal."""

from __future__ import annotations

import pytest


async def test_a_bundled_expression_is_served_as_svg(client):
    response = await client.get("/static/expressions/Jasmine/happy")
    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    assert (await response.get_data()).startswith(b"<svg") or b"<svg" in await response.get_data()
    assert "sandbox" in response.headers["Content-Security-Policy"]
    assert response.headers["X-API-Version"] == "1.2.0"


async def test_neutral_is_the_personas_resting_face_and_agent_names_are_lenient(client):
    alias = await client.get("/static/expressions/jasmine/neutral")
    named = await client.get("/static/expressions/JASMINE/neutral.svg")
    assert alias.status_code == named.status_code == 200
    assert await alias.get_data() == await named.get_data()


async def test_extension_fallbacks_prefer_the_older_formats(make_app, tmp_path):
    folder = tmp_path / "ada"
    (folder / "expressions").mkdir(parents=True)
    (folder / "persona.toml").write_text('name = "Ada"\nexpressions = ["neutral", "glad"]\n')
    (folder / "expressions" / "glad.png").write_bytes(b"\x89PNG fake")
    (folder / "expressions" / "glad.jpeg").write_bytes(b"\xff\xd8 fake jpeg")
    app = make_app(personality=str(folder))
    async with app.test_app() as test_app:
        client = test_app.test_client()
        glad = await client.get("/static/expressions/ada/glad")
        assert glad.status_code == 200
        assert glad.mimetype == "image/jpeg"
        assert (await client.get("/static/expressions/ada/glad.png")).mimetype == "image/png"
        drawn = await client.get("/static/expressions/ada/neutral")  # no file: drawn in code
        assert drawn.status_code == 200
        assert drawn.mimetype == "image/svg+xml"
        missing = await client.get("/static/expressions/ada/neutral.png")
        assert missing.status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        "/static/expressions/jasmine/furious",
        "/static/expressions/orion/happy",
        "/static/expressions/jasmine/..%2Fpersona.toml",
        "/static/expressions/jasmine/%2e%2e",
        "/static/expressions/..%2F..%2Fpyproject.toml/happy",
        "/static/expressions/jasmine/happy.exe",
    ],
)
async def test_unknown_or_malicious_names_are_404_in_the_envelope(client, path):
    response = await client.get(path)
    assert response.status_code == 404
    body = await response.get_json()
    assert body["error"]["code"] in {"expression_not_found", "not_found"}
