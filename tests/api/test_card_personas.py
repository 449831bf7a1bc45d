"""Character Cards as the active persona: ``PERSONALITY`` naming a V2 JSON or a V3 PNG card."""

from __future__ import annotations

import base64
import json

from soul_framework.mind.character_card import SOUL_EXTENSION
from soul_framework.mind.png_chunks import minimal_png, write_card_png
from tests.api.test_agents import signed_in

SVG_FACE = b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 4 4"><circle r="2"/></svg>'


def card(spec: str, **data: object) -> dict:
    fields = {
        "name": "Mira",
        "description": "{{char}} keeps the lighthouse.",
        "personality": "calm and wry",
        "first_mes": "Come in out of the rain.",
        "creator_notes": "NOTE-FOR-HUMANS-ONLY",
        "extensions": {
            "someone_elses": {"kept": True},
            SOUL_EXTENSION: {
                "identity": "I am Mira, and the light is mine to keep.",
                "personality": {"lite": {"preset": "ISTJ", "traits": {"warmth": 61}}},
            },
        },
        **data,
    }
    version = "3.0" if spec.endswith("v3") else "2.0"
    return {"spec": spec, "spec_version": version, "data": fields}


async def test_a_v2_json_card_becomes_the_active_persona(make_app, tmp_path):
    path = tmp_path / "mira.json"
    path.write_text(json.dumps(card("chara_card_v2")))
    app = make_app(personality=str(path))
    async with app.test_app() as test_app:
        client = test_app.test_client()
        assert await (await client.get("/v1/")).get_json() == {"active_agent": "Mira"}
        reply = await client.get("/v1/agents/active", headers=await signed_in(client))
        agent = (await reply.get_json())["agent"]
        assert agent["id"] == "mira"
        assert agent["identity"] == "I am Mira, and the light is mine to keep."
        assert agent["personality"]["myers-briggs"] == "ISTJ"
        assert agent["personality"]["personality_matrix"]["warmth"]["value"] == 61
        assert "NOTE-FOR-HUMANS-ONLY" not in json.dumps(agent)
        persona = app.extensions["soul"].runtime.persona
        assert persona.extensions["someone_elses"] == {"kept": True}
        face = await client.get("/static/expressions/mira/happy")  # no art: drawn
        assert face.status_code == 200
        assert face.mimetype == "image/svg+xml"


async def test_a_v3_png_card_with_emotion_assets_becomes_the_active_persona(make_app, tmp_path):
    face = "data:image/svg+xml;base64," + base64.b64encode(SVG_FACE).decode()
    v3 = card(
        "chara_card_v3",
        name="Mira Vale",
        assets=[
            {"type": "icon", "uri": "ccdefault:", "name": "main", "ext": "png"},
            {"type": "emotion", "uri": face, "name": "Calm", "ext": "svg"},
            {"type": "emotion", "uri": face, "name": "Stormy", "ext": "svg"},
        ],
    )
    v3["data"]["extensions"][SOUL_EXTENSION]["neutral_expression"] = "calm"
    older = card("chara_card_v2", name="Someone Older")
    png = write_card_png(v3, write_card_png(older, minimal_png()))
    path = tmp_path / "mira.png"
    path.write_bytes(png)
    app = make_app(personality=str(path))
    async with app.test_app() as test_app:
        client = test_app.test_client()
        assert await (await client.get("/v1/")).get_json() == {"active_agent": "Mira Vale"}
        persona = app.extensions["soul"].runtime.persona
        assert persona.expressions[:2] == ["calm", "stormy"]
        assert persona.neutral_expression == "calm"
        for name in ("stormy", "neutral", "calm.svg"):
            response = await client.get(f"/static/expressions/mira-vale/{name}")
            assert response.status_code == 200, name
            assert await response.get_data() == SVG_FACE
        reply = await client.get("/v1/agents/active", headers=await signed_in(client))
        assert (await reply.get_json())["agent"]["global_expression"] == "calm"
