"""Character Cards V2 and V3, as JSON and PNG, becoming personas."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from soul_framework.domain.persona import DEFAULT_EXPRESSIONS, EXPRESSION_NAME, Persona
from soul_framework.mind.character_card import (
    MAX_ASSET_BYTES,
    SOUL_EXTENSION,
    CardError,
    CharacterCardV2,
    CharacterCardV3,
    card_to_persona,
    expression_name,
    import_card,
    parse_card,
    persona_to_card,
    read_card,
)
from soul_framework.mind.png_chunks import (
    insert_text_chunks,
    minimal_png,
    text_chunk,
    write_card_png,
)

# A different image from minimal_png(), so tests can tell which one was written.
RED_DOT = insert_text_chunks(minimal_png(), [text_chunk("Comment", "red")])


def data_uri(blob: bytes, media: str = "image/png") -> str:
    return f"data:{media};base64,{base64.b64encode(blob).decode()}"


def v2_card(**data: Any) -> dict[str, Any]:
    fields = {
        "name": "Mira",
        "description": "{{char}} is a lighthouse keeper.",
        "personality": "calm, wry, fond of storms",
        "scenario": "A stormy night at the lighthouse.",
        "first_mes": "Come in out of the rain.",
        "mes_example": "<START>\n{{user}}: Hi\n{{char}}: Hello.",
        "creator_notes": "Works best with long replies.",
        "system_prompt": "Stay in character.",
        "post_history_instructions": "Keep it short.",
        "alternate_greetings": ["Oh, a visitor.", "Shut the door!"],
        "character_book": {"entries": [{"keys": ["lamp"], "content": "The lamp is old."}]},
        "tags": ["fantasy", "cozy"],
        "creator": "someone",
        "character_version": "1.2",
        "extensions": {"talkativeness": "0.5", "depth_prompt": {"depth": 4, "prompt": "x"}},
    }
    fields.update(data)
    return {"spec": "chara_card_v2", "spec_version": "2.0", "data": fields}


def v3_card(**data: Any) -> dict[str, Any]:
    card = v2_card(**data)
    card["spec"], card["spec_version"] = "chara_card_v3", "3.0"
    card["data"].setdefault("nickname", "Mimi")
    card["data"].setdefault("group_only_greetings", ["Hello, all of you."])
    return card


def write(tmp_path: Path, name: str, content: bytes | dict[str, Any]) -> Path:
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else json.dumps(content).encode())
    return path


# --- reading --------------------------------------------------------------------------------------


def test_v2_json_becomes_a_persona_field_by_field(tmp_path):
    card = read_card(write(tmp_path, "mira.json", v2_card()))
    assert isinstance(card, CharacterCardV2)
    persona = card_to_persona(card, assets_dir=None)
    assert persona.name == "Mira"
    assert persona.nickname is None
    assert persona.description == "{{char}} is a lighthouse keeper."
    assert persona.speaking_style == "calm, wry, fond of storms"  # the card's personality text
    assert persona.identity == ""
    assert persona.scenario == "A stormy night at the lighthouse."
    assert persona.greeting == "Come in out of the rain."
    assert persona.alternate_greetings == ["Oh, a visitor.", "Shut the door!"]
    assert persona.example_messages.startswith("<START>")
    assert persona.system_prompt == "Stay in character."
    assert persona.post_history_instructions == "Keep it short."
    assert persona.creator_notes == "Works best with long replies."
    assert persona.creator == "someone"
    assert persona.version == "1.2"
    assert persona.tags == ["fantasy", "cozy"]
    assert persona.character_book == v2_card()["data"]["character_book"]
    assert persona.personality == {}
    assert persona.expressions == list(DEFAULT_EXPRESSIONS)
    assert persona.neutral_expression == "neutral"


def test_creator_notes_stay_in_their_own_field_only():
    persona = card_to_persona(parse_card(json.dumps(v2_card(creator_notes="SECRET-NOTE")).encode()))
    others = persona.model_dump(exclude={"creator_notes"})
    assert persona.creator_notes == "SECRET-NOTE"
    assert "SECRET-NOTE" not in json.dumps(others)


def test_unknown_fields_and_extension_keys_are_kept_verbatim(tmp_path):
    extensions = {"talkativeness": "0.5", "risuai": {"nested": [1, {"a": None}]}, "fav": True}
    document = v3_card(extensions=extensions, creation_date=1700000000, source=["x"])
    document["root_extra"] = "kept"
    card = read_card(write(tmp_path, "mira.json", document))
    assert card.data.extensions == extensions
    assert card.model_dump()["data"]["creation_date"] == 1700000000
    assert card.model_dump()["root_extra"] == "kept"
    assert card_to_persona(card).extensions == extensions


def test_nulls_and_numbers_from_sloppy_writers_are_tolerated():
    card = parse_card(
        json.dumps(v2_card(creator_notes=None, tags=None, character_version=2)).encode()
    )
    assert (card.data.creator_notes, card.data.tags, card.data.character_version) == ("", [], "2")


def test_v1_flat_json_is_read_as_v2():
    flat = {"name": "Old", "description": "d", "personality": "p", "first_mes": "hi", "chat": "c"}
    card = parse_card(json.dumps(flat).encode())
    assert card.spec == "chara_card_v2"
    persona = card_to_persona(card)
    assert (persona.name, persona.speaking_style, persona.greeting) == ("Old", "p", "hi")


def test_v2_png_is_read(tmp_path):
    card = read_card(write(tmp_path, "mira.png", write_card_png(v2_card())))
    assert isinstance(card, CharacterCardV2)
    assert card.data.name == "Mira"
    assert card.image is not None


def test_ccv3_wins_when_both_chunks_are_present(tmp_path):
    png = write_card_png(v3_card(name="Mira Three"), write_card_png(v2_card(name="Mira Two")))
    card = read_card(write(tmp_path, "both.png", png))
    assert isinstance(card, CharacterCardV3)
    persona = card_to_persona(card)
    assert (persona.name, persona.nickname) == ("Mira Three", "Mimi")


def test_v3_png_emotion_assets_become_expressions_with_images(tmp_path):
    assets = [
        {"type": "icon", "uri": "ccdefault:", "name": "main", "ext": "png"},
        {"type": "emotion", "uri": data_uri(RED_DOT), "name": "Joy", "ext": "png"},
        {"type": "emotion", "uri": data_uri(b"RIFF-webp", "image/webp"), "name": "sad", "ext": ""},
        {"type": "emotion", "uri": "https://example.com/angry.png", "name": "angry", "ext": "png"},
        {"type": "background", "uri": data_uri(b"bg"), "name": "room", "ext": "png"},
    ]
    card = read_card(write(tmp_path, "mira.png", write_card_png(v3_card(assets=assets))))
    faces = tmp_path / "faces"
    result = import_card(card, assets_dir=faces)
    persona = result.persona
    # no emotion asset is called neutral, so the card's own PNG becomes the resting face
    assert persona.expressions == ["neutral", "joy", "sad", "angry"]
    assert persona.neutral_expression == "neutral"
    assert (faces / "joy.png").read_bytes() == RED_DOT
    assert (faces / "sad.webp").read_bytes() == b"RIFF-webp"  # ext taken from the media type
    assert (faces / "neutral.png").read_bytes() == card.image
    assert not list(faces.glob("angry.*"))  # remote images are never fetched...
    assert result.remote_images == {"angry": "https://example.com/angry.png"}  # ...only listed
    assert set(result.images) == {"neutral", "joy", "sad"}
    assert sorted(path.name for path in faces.iterdir()) == ["joy.png", "neutral.png", "sad.webp"]


def test_a_neutral_emotion_asset_is_used_instead_of_the_portrait(tmp_path):
    assets = [
        {"type": "emotion", "uri": data_uri(b"happy"), "name": "happy", "ext": "png"},
        {"type": "emotion", "uri": data_uri(RED_DOT), "name": "Neutral", "ext": "png"},
    ]
    card = parse_card(write_card_png(v3_card(assets=assets)))
    persona = card_to_persona(card, assets_dir=tmp_path)
    assert persona.expressions == ["happy", "neutral"]
    assert persona.neutral_expression == "neutral"
    assert (tmp_path / "neutral.png").read_bytes() == RED_DOT


def test_a_json_card_without_neutral_rests_on_its_first_expression():
    assets = [
        {"type": "emotion", "uri": data_uri(b"a"), "name": "smug", "ext": "png"},
        {"type": "emotion", "uri": data_uri(b"b"), "name": "pout", "ext": "png"},
    ]
    persona = card_to_persona(parse_card(json.dumps(v3_card(assets=assets)).encode()))
    assert persona.expressions == ["smug", "pout"]
    assert persona.neutral_expression == "smug"


def test_a_png_card_without_emotion_assets_keeps_the_default_set_and_its_portrait(tmp_path):
    card = parse_card(write_card_png(v3_card()))
    persona = card_to_persona(card, assets_dir=tmp_path)
    assert persona.expressions == list(DEFAULT_EXPRESSIONS)
    assert [path.name for path in tmp_path.iterdir()] == ["neutral.png"]


def test_asset_names_are_normalised_safely_and_deduplicated(tmp_path):
    names = ["../../x", "X", "..", "/etc/passwd", "Très Heureux!", "a" * 50, "C:\\win\\evil"]
    assets = [
        {"type": "emotion", "uri": data_uri(name.encode()), "name": name, "ext": "png"}
        for name in names
    ]
    faces = tmp_path / "faces"
    persona = card_to_persona(
        parse_card(json.dumps(v3_card(assets=assets)).encode()), assets_dir=faces
    )
    assert persona.expressions == [
        "x",
        "x-2",
        "expression",
        "etc_passwd",
        "tres_heureux",
        "a" * 32,
        "c_win_evil",
    ]
    written = sorted(path.name for path in tmp_path.rglob("*") if path.is_file())
    assert written == sorted(f"{name}.png" for name in persona.expressions)
    assert all(path.parent == faces for path in tmp_path.rglob("*.png"))
    assert (faces / "x.png").read_bytes() == b"../../x"


@given(st.text(max_size=80))
def test_any_asset_name_becomes_a_valid_expression_name(raw):
    assert EXPRESSION_NAME.match(expression_name(raw))


def test_images_of_unknown_type_oversized_or_undecodable_are_left_out_with_a_note(tmp_path):
    too_big = "data:image/png;base64," + "A" * (MAX_ASSET_BYTES * 4 // 3 + 8)
    assets = [
        {"type": "emotion", "uri": data_uri(b"x", "text/html"), "name": "html", "ext": "html"},
        {"type": "emotion", "uri": too_big, "name": "huge", "ext": "png"},
        {"type": "emotion", "uri": "data:image/png;base64,@@@", "name": "broken", "ext": "png"},
        {"type": "emotion", "uri": "file:///etc/passwd", "name": "local", "ext": "png"},
        {"type": "emotion", "uri": "embeded://assets/a.png", "name": "charx", "ext": "png"},
        {"type": "emotion", "uri": data_uri(b"ok"), "name": "fine", "ext": "png"},
    ]
    result = import_card(
        parse_card(json.dumps(v3_card(assets=assets)).encode()), assets_dir=tmp_path
    )
    assert result.persona.expressions == ["html", "huge", "broken", "local", "charx", "fine"]
    assert [path.name for path in tmp_path.iterdir()] == ["fine.png"]
    assert len(result.notes) == 5
    assert any("'html' is not one of" in note for note in result.notes)
    assert any("larger than" in note for note in result.notes)
    assert any("not valid base64" in note for note in result.notes)
    assert any("'file' is not supported" in note for note in result.notes)
    assert any("CHARX" in note for note in result.notes)


def test_png_asset_chunks_serve_asset_uris(tmp_path):
    assets = [{"type": "emotion", "uri": "__asset:0", "name": "wink", "ext": "png"}]
    png = insert_text_chunks(
        write_card_png(v3_card(assets=assets)),
        [text_chunk("chara-ext-asset_:0", base64.b64encode(RED_DOT).decode())],
    )
    card_to_persona(parse_card(png), assets_dir=tmp_path)
    assert (tmp_path / "wink.png").read_bytes() == RED_DOT


def test_nothing_is_written_without_an_assets_dir(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assets = [{"type": "emotion", "uri": data_uri(b"x"), "name": "happy", "ext": "png"}]
    result = import_card(parse_card(write_card_png(v3_card(assets=assets))), assets_dir=None)
    assert result.persona.expressions == ["neutral", "happy"]
    assert result.images == {}
    assert list(tmp_path.iterdir()) == []


# --- our extension -------------------------------------------------------------------------------


SOUL = {
    "personality": {"lite": {"preset": "INFJ", "traits": {"warmth": 80}, "pinned": ["warmth"]}},
    "emotions": {"baselines": {"happiness": 60}},
    "identity": "I keep the light burning.",
    "neutral_expression": "thinking",
}


def test_our_extension_fills_personality_emotions_identity_and_neutral():
    card = parse_card(json.dumps(v2_card(extensions={SOUL_EXTENSION: SOUL, "other": 1})).encode())
    persona = card_to_persona(card)
    lite = persona.personality["lite"]
    assert (lite.preset, lite.traits, lite.pinned) == ("INFJ", {"warmth": 80}, ["warmth"])
    assert persona.emotions.baselines == {"happiness": 60}
    assert persona.identity == "I keep the light burning."
    assert persona.neutral_expression == "thinking"
    assert persona.extensions == {SOUL_EXTENSION: SOUL, "other": 1}  # kept for round trips


@pytest.mark.parametrize(
    ("soul", "message"),
    [
        ({"emotions": {"baselines": {"joy": 150}}}, "within 0..100"),
        ({"personality": {"lite": {"traits": {"warmth": "hot"}}}}, "valid number"),
        ({"mood": 3}, "Extra inputs are not permitted"),
        ({"neutral_expression": "blank"}, "'blank' is not one of"),
        ("not a dict", "synthetic_soul"),
    ],
)
def test_a_bad_extension_is_a_card_error(soul, message):
    card = parse_card(json.dumps(v2_card(extensions={SOUL_EXTENSION: soul})).encode())
    with pytest.raises(CardError, match=message):
        card_to_persona(card)


def test_a_persona_round_trips_through_a_v3_png(tmp_path):
    faces = tmp_path / "faces"
    faces.mkdir()
    (faces / "calm.png").write_bytes(RED_DOT)
    (faces / "cross.webp").write_bytes(b"webp bytes")
    persona = Persona(
        name="Orion",
        nickname="Ori",
        description="A stargazer.",
        identity="I map the sky.",
        speaking_style="slow, precise",
        greeting="Look up.",
        alternate_greetings=["Clear skies tonight."],
        scenario="A rooftop.",
        example_messages="<START>",
        system_prompt="sys",
        post_history_instructions="post",
        creator_notes="notes for people",
        creator="me",
        version="3",
        tags=["space"],
        personality={"rich": {"traits": {"curiosity": 90}}},
        emotions={"baselines": {"calm": 70}},
        expressions=["calm", "cross"],
        neutral_expression="calm",
        character_book={"entries": []},
        extensions={"someone_else": {"keep": True}},
    )
    images = {"calm": faces / "calm.png", "cross": faces / "cross.webp"}
    png = write_card_png(persona_to_card(persona, images=images))
    back = card_to_persona(parse_card(png), assets_dir=tmp_path / "out")
    assert back.model_dump(exclude={"extensions"}) == persona.model_dump(exclude={"extensions"})
    assert back.extensions["someone_else"] == {"keep": True}
    assert (tmp_path / "out" / "cross.webp").read_bytes() == b"webp bytes"
    assert (tmp_path / "out" / "calm.png").read_bytes() == RED_DOT


# --- errors ---------------------------------------------------------------------------------------


def test_a_corrupt_png_is_a_card_error_naming_the_file(tmp_path):
    png = bytearray(write_card_png(v2_card()))
    png[png.index(b"chara") + 10] ^= 0x01
    with pytest.raises(CardError, match=r"mira\.png: corrupt PNG: CRC mismatch in the tEXt chunk"):
        read_card(write(tmp_path, "mira.png", bytes(png)))


def test_a_truncated_png_is_a_card_error(tmp_path):
    png = write_card_png(v2_card())
    with pytest.raises(CardError, match="truncated PNG"):
        read_card(write(tmp_path, "cut.png", png[: len(png) // 2]))


def test_bad_base64_is_a_card_error():
    png = insert_text_chunks(minimal_png(), [text_chunk("chara", "%%% not base64 %%%")])
    with pytest.raises(CardError, match="'chara' chunk is not valid base64"):
        parse_card(png, source="bad.png")


def test_bad_json_inside_a_png_names_the_chunk():
    png = insert_text_chunks(
        minimal_png(), [text_chunk("ccv3", base64.b64encode(b"{nope").decode())]
    )
    with pytest.raises(CardError, match=r"bad\.png \('ccv3' chunk\) is not valid JSON"):
        parse_card(png, source="bad.png")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"hello", "neither a PNG image nor a JSON character card"),
        (minimal_png(), "without a character card"),
        (b"{broken", "not valid JSON"),
        (b"[1, 2]", "not an object"),
        (json.dumps({"spec": "chara_card_v9", "data": {"name": "x"}}).encode(), "'chara_card_v9'"),
        (json.dumps({"data": {"name": "x"}}).encode(), "has no 'spec'"),
        (json.dumps({"spec": "chara_card_v2"}).encode(), "'data' object"),
        (json.dumps(v2_card(name="  ")).encode(), "has no name"),
        (json.dumps(v3_card(tags="fantasy")).encode(), "data.tags"),
        (json.dumps(v2_card(name="N" * 65)).encode(), "valid persona"),
    ],
)
def test_what_is_not_a_usable_card_is_a_card_error(content, message):
    with pytest.raises(CardError, match=message):
        card_to_persona(parse_card(content, source="x"))


def test_card_error_is_a_value_error():
    assert issubclass(CardError, ValueError)


def test_ccdefault_means_the_cards_own_png_and_nothing_for_json(tmp_path):
    assets = [{"type": "emotion", "uri": "ccdefault:", "name": "smile", "ext": "png"}]
    png = write_card_png(v3_card(assets=assets))
    card_to_persona(parse_card(png), assets_dir=tmp_path / "png")
    assert (tmp_path / "png" / "smile.png").read_bytes() == png
    result = import_card(
        parse_card(json.dumps(v3_card(assets=assets)).encode()), assets_dir=tmp_path
    )
    assert result.persona.expressions == ["smile"]
    assert result.images == {}
    assert result.notes == ["smile: 'ccdefault:' needs a PNG card; this one is JSON"]
