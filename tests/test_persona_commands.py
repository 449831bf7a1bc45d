"""``soul persona validate`` and ``soul persona import``, run for real as subprocesses."""

from __future__ import annotations

import base64
import json
import tomllib

from soul_framework.mind.png_chunks import minimal_png, write_card_png
from tests.test_cli import clean_env, run_soul

SVG = b'<svg xmlns="http://www.w3.org/2000/svg"/>'


def v3_png() -> bytes:
    face = "data:image/svg+xml;base64," + base64.b64encode(SVG).decode()
    card = {
        "spec": "chara_card_v3",
        "spec_version": "3.0",
        "data": {
            "name": "Mira Vale",
            "description": "{{char}} keeps the lighthouse.",
            "creator_notes": "for humans",
            "assets": [
                {"type": "emotion", "uri": face, "name": "calm", "ext": "svg"},
                {"type": "emotion", "uri": face, "name": "stormy", "ext": "svg"},
            ],
            "extensions": {"other_tool": {"depth": 4}},
        },
    }
    return write_card_png(card, minimal_png())


def test_validate_accepts_the_bundled_personas():
    from soul_framework.mind.personas import bundled_root

    for name in ("jasmine", "orion"):
        result = run_soul("persona", "validate", str(bundled_root() / name), env=clean_env())
        assert result.returncode == 0, result.stderr
        assert f"{name.title()} is valid" in result.stdout


def test_validate_names_every_problem(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text(
        'name = "Bad"\n'
        '[personality.lite]\npreset = "XXXX"\n'
        "[personality.unknown_schema]\n"
        "[emotions.baselines]\nglee = 40\n"
    )
    result = run_soul("persona", "validate", str(path), env=clean_env())
    assert result.returncode == 1
    assert "personality.lite" in result.stderr
    assert "XXXX" in result.stderr
    assert "personality.unknown_schema" in result.stderr
    assert "emotions.baselines.glee" in result.stderr


def test_validate_reads_cards_too(tmp_path):
    path = tmp_path / "mira.png"
    path.write_bytes(v3_png())
    result = run_soul("persona", "validate", str(path), env=clean_env())
    assert result.returncode == 0, result.stderr
    assert "calm, stormy" in result.stdout


def test_import_writes_a_persona_folder_that_validates_and_loads(tmp_path):
    card = tmp_path / "mira.png"
    card.write_bytes(v3_png())
    out = tmp_path / "personas"
    result = run_soul("persona", "import", str(card), "--output", str(out), env=clean_env())
    assert result.returncode == 0, result.stderr
    folder = out / "mira-vale"
    document = tomllib.loads((folder / "persona.toml").read_text())
    assert document["name"] == "Mira Vale"
    assert document["creator_notes"] == "for humans"
    assert document["extensions"]["other_tool"] == {"depth": 4}
    assert (folder / "expressions" / "stormy.svg").read_bytes() == SVG
    again = run_soul("persona", "validate", str(folder), env=clean_env())
    assert again.returncode == 0, again.stderr
    refused = run_soul("persona", "import", str(card), "--output", str(out), env=clean_env())
    assert refused.returncode == 1
    assert "exists already" in refused.stderr


def test_import_keeps_nulls_by_writing_yaml(tmp_path):
    card = tmp_path / "nully.json"
    data = {"name": "Nully", "extensions": {"tool": {"setting": None}}}
    card.write_text(json.dumps({"spec": "chara_card_v2", "spec_version": "2.0", "data": data}))
    result = run_soul("persona", "import", str(card), "--output", str(tmp_path), env=clean_env())
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "nully" / "persona.yaml").is_file()
    loaded = run_soul(
        "persona", "validate", str(tmp_path / "nully" / "persona.yaml"), env=clean_env()
    )
    assert loaded.returncode == 0, loaded.stderr
