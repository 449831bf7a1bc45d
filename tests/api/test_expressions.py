"""``/static/expressions/{agent}/{name}``: images by name, fallbacks, the alias, no traversal."""

from __future__ import annotations

import base64
import json

import pytest

from soul_framework.mind.character_card import SOUL_EXTENSION
from soul_framework.mind.personas import bundled_root
from soul_framework.mind.png_chunks import minimal_png, write_card_png

ASKED_EXTENSIONS = ["", ".jpeg", ".jpg", ".png", ".webp", ".gif", ".svg", ".JPEG"]
"""What clients ask for: the 1.1 web UI tries .jpeg, .jpg, .png, then .webp."""


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
        asked_as_png = await client.get("/static/expressions/ada/neutral.png")
        assert asked_as_png.status_code == 200  # the drawn face, as what it is
        assert asked_as_png.mimetype == "image/svg+xml"
        assert await asked_as_png.get_data() == await drawn.get_data()


@pytest.mark.parametrize("extension", ASKED_EXTENSIONS)
@pytest.mark.parametrize("expression", ["neutral", "happy"])
async def test_a_bundled_svg_face_is_served_whatever_extension_is_asked(
    client, expression, extension
):
    response = await client.get(f"/static/expressions/jasmine/{expression}{extension}")
    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    face = bundled_root() / "jasmine" / "expressions" / f"{expression}.svg"
    assert await response.get_data() == face.read_bytes()
    assert "sandbox" in response.headers["Content-Security-Policy"]


def png_card(expressions: dict[str, bytes], neutral: str) -> bytes:
    """A V3 Character Card in a PNG whose emotion assets are these PNG images."""
    assets = [{"type": "icon", "uri": "ccdefault:", "name": "main", "ext": "png"}] + [
        {
            "type": "emotion",
            "uri": "data:image/png;base64," + base64.b64encode(image).decode(),
            "name": name,
            "ext": "png",
        }
        for name, image in expressions.items()
    ]
    data = {
        "name": "Pia",
        "description": "{{char}} paints.",
        "first_mes": "Hello.",
        "assets": assets,
        "extensions": {SOUL_EXTENSION: {"neutral_expression": neutral}},
    }
    return write_card_png(
        {"spec": "chara_card_v3", "spec_version": "3.0", "data": data}, minimal_png()
    )


async def test_a_png_face_asked_in_another_format_is_served_as_png(make_app, tmp_path):
    calm = minimal_png()
    glad = minimal_png() + b"\x00"  # another file, bytes told apart
    card = tmp_path / "pia.png"
    card.write_bytes(png_card({"calm": calm, "glad": glad}, neutral="calm"))
    app = make_app(personality=str(card))
    async with app.test_app() as test_app:
        client = test_app.test_client()
        for extension in ASKED_EXTENSIONS:
            response = await client.get(f"/static/expressions/pia/glad{extension}")
            assert response.status_code == 200, extension
            assert response.mimetype == "image/png", extension
            assert await response.get_data() == glad, extension
            neutral = await client.get(f"/static/expressions/pia/neutral{extension}")
            assert neutral.status_code == 200, extension
            assert neutral.mimetype == "image/png", extension
            assert await neutral.get_data() == calm, extension  # the resting face
        missing = await client.get("/static/expressions/pia/furious.jpeg")
        assert missing.status_code == 404
        assert (await missing.get_json())["error"]["code"] == "expression_not_found"


async def test_the_asked_format_wins_when_it_exists(make_app, tmp_path):
    folder = tmp_path / "ada"
    (folder / "expressions").mkdir(parents=True)
    persona = {"name": "Ada", "expressions": ["neutral", "glad"]}
    (folder / "persona.json").write_text(json.dumps(persona))
    (folder / "expressions" / "glad.png").write_bytes(b"\x89PNG fake")
    (folder / "expressions" / "glad.webp").write_bytes(b"RIFF fake webp")
    app = make_app(personality=str(folder / "persona.json"))
    async with app.test_app() as test_app:
        client = test_app.test_client()
        webp = await client.get("/static/expressions/ada/glad.webp")
        png = await client.get("/static/expressions/ada/glad.png")
        jpeg = await client.get("/static/expressions/ada/glad.jpeg")  # none: the first there is
    assert (webp.mimetype, await webp.get_data()) == ("image/webp", b"RIFF fake webp")
    assert (png.mimetype, await png.get_data()) == ("image/png", b"\x89PNG fake")
    assert (jpeg.mimetype, await jpeg.get_data()) == ("image/webp", b"RIFF fake webp")


@pytest.mark.parametrize(
    "path",
    [
        "/static/expressions/jasmine/furious",
        "/static/expressions/jasmine/furious.jpeg",
        "/static/expressions/jasmine/..",
        "/static/expressions/jasmine/...",
        "/static/expressions/jasmine/%2e%2e%2fpersona.toml",
        "/static/expressions/jasmine/..%5cpersona.toml",
        "/static/expressions/jasmine/%5c..%5c..%5cpyproject.toml",
        "/static/expressions/jasmine/C:%5cWindows%5cwin.ini",
        "/static/expressions/jasmine/%2fetc%2fpasswd",
        "/static/expressions/jasmine//etc/passwd",
        "/static/expressions/jasmine/happy%00",
        "/static/expressions/jasmine/happy%00.png",
        "/static/expressions/jasmine/happy.svg%00.png",
        "/static/expressions/jasmine/happy%0a",
        "/static/expressions/jasmine/happy%0a.svg",
        "/static/expressions/jasmine/HAPPY",
        "/static/expressions/jasmine/.svg",
        "/static/expressions/jasmine/persona.toml",
        "/static/expressions/%2e%2e/happy",
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
