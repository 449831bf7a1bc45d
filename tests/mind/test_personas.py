"""Finding and reading personas: bundled names, files in three formats, folders, errors."""

from __future__ import annotations

import json

import pytest
import yaml

from soul_framework.domain.persona import DEFAULT_EXPRESSIONS, Persona
from soul_framework.mind.personas import PersonaError, bundled_names, load_persona, slug

MINIMAL = {"name": "Ada", "description": "A careful engineer.", "identity": "I am Ada."}


def test_jasmine_and_orion_are_bundled_with_an_image_for_every_expression(tmp_path):
    assert {"jasmine", "orion"} <= set(bundled_names())
    for name in ("jasmine", "orion"):
        loaded = load_persona(name, data_dir=tmp_path)
        assert loaded.persona.name == name.title()
        assert loaded.persona.greeting
        assert {"lite", "rich"} <= set(loaded.persona.personality)
        for expression in loaded.persona.expressions:
            assert loaded.image(expression) is not None, (name, expression)


def test_bundled_names_are_case_insensitive(tmp_path):
    assert load_persona("Orion", data_dir=tmp_path).persona.name == "Orion"


@pytest.mark.parametrize("suffix", [".toml", ".yaml", ".yml", ".json"])
def test_a_persona_file_in_each_format(tmp_path, suffix):
    path = tmp_path / f"ada{suffix}"
    if suffix == ".toml":
        path.write_text('name = "Ada"\nidentity = "I am Ada."\n')
    elif suffix == ".json":
        path.write_text(json.dumps(MINIMAL))
    else:
        path.write_text(yaml.safe_dump(MINIMAL))
    loaded = load_persona(str(path), data_dir=tmp_path)
    assert loaded.persona.identity == "I am Ada."
    assert loaded.persona.expressions == list(DEFAULT_EXPRESSIONS)
    assert loaded.images == (tmp_path / "expressions").resolve()


def test_a_folder_with_persona_toml_and_images(tmp_path):
    folder = tmp_path / "ada"
    (folder / "faces").mkdir(parents=True)
    (folder / "persona.toml").write_text(
        'name = "Ada"\nexpressions = ["calm", "glad"]\nneutral_expression = "calm"\n'
        'expressions_dir = "faces"\n'
    )
    (folder / "faces" / "calm.png").write_bytes(b"png")
    (folder / "faces" / "glad.webp").write_bytes(b"webp")
    (folder / "faces" / "glad.png").write_bytes(b"png")
    loaded = load_persona(str(folder), data_dir=tmp_path)
    assert loaded.image("glad").name == "glad.webp"  # .webp is tried before .png
    assert loaded.image("glad.png").name == "glad.png"
    assert loaded.image("neutral").name == "calm.png"  # the alias
    assert loaded.image("angry") is None


@pytest.mark.parametrize(
    "name", ["../persona.toml", "..", "a/b", "%2e%2e", "calm.png/..", "Calm", "", ".png"]
)
def test_image_lookup_never_leaves_the_images_folder(tmp_path, name):
    folder = tmp_path / "ada"
    (folder / "expressions").mkdir(parents=True)
    (folder / "persona.toml").write_text('name = "Ada"\n')
    (folder / "expressions" / "neutral.svg").write_text("<svg/>")
    loaded = load_persona(str(folder), data_dir=tmp_path)
    assert loaded.image(name) is None


def test_unknown_reference_lists_the_bundled_personas(tmp_path):
    with pytest.raises(PersonaError, match=r"jasmine.*orion"):
        load_persona("nobody-by-that-name", data_dir=tmp_path)


@pytest.mark.parametrize(
    ("document", "problem"),
    [
        ({"description": "no name"}, "name"),
        ({"name": "A", "expressions": []}, "at least one expression"),
        ({"name": "A", "expressions": ["Big Smile"]}, "lower-case"),
        ({"name": "A", "expressions": ["a"], "neutral_expression": "b"}, "neutral_expression"),
        ({"name": "A", "expressions_dir": "../elsewhere"}, "inside the persona"),
        ({"name": "A", "emotions": {"baselines": {"joy": 140}}}, "within 0..100"),
        ({"name": "A", "favourite_colour": "blue"}, "favourite_colour"),
    ],
)
def test_invalid_persona_files_say_what_is_wrong(tmp_path, document, problem):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(document))
    with pytest.raises(PersonaError, match=problem):
        load_persona(str(path), data_dir=tmp_path)


def test_broken_syntax_names_the_format(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text("name = ")
    with pytest.raises(PersonaError, match="not valid TOML"):
        load_persona(str(path), data_dir=tmp_path)


def test_expression_or_neutral():
    persona = Persona(name="A", expressions=["calm", "glad"], neutral_expression="calm")
    assert persona.expression_or_neutral("glad") == "glad"
    assert persona.expression_or_neutral("furious") == "calm"
    assert persona.expression_or_neutral(None) == "calm"


def test_slug():
    assert slug("Jasmine") == "jasmine"
    assert slug("  Dr. Who?! ") == "dr-who"
    assert slug("***") == "persona"
