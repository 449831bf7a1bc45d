"""Expression faces drawn in code: valid, distinct, safe to serve, and the bundled ones current."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from soul_framework.mind.faces import (
    EXPRESSIONS,
    HAIR_STYLES,
    JASMINE,
    ORION,
    PALETTES,
    FacePalette,
    main,
    palette_for,
    render_face,
    write_faces,
)

SVG = "{http://www.w3.org/2000/svg}"
ROOT = Path(__file__).resolve().parents[2]
COLOUR = re.compile(r"^#[0-9a-f]{6}$", re.IGNORECASE)
SHAPES = {f"{SVG}{tag}" for tag in ("svg", "rect", "path", "circle", "ellipse")}
PALETTE_CASES = [JASMINE, ORION, palette_for("Seraphina"), palette_for("Kai")]


def luminance(colour: str) -> float:
    """Relative luminance per WCAG 2.x, 0 (black) .. 1 (white)."""

    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(int(colour[i : i + 2], 16)) for i in (1, 3, 5))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    """WCAG contrast ratio, 1 (none) .. 21 (black on white)."""
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def palette_colours(palette: FacePalette) -> list[str | None]:
    return [
        palette.skin,
        palette.hair,
        palette.eyes,
        palette.accent,
        palette.blush,
        palette.line,
        palette.background,
    ]


@pytest.mark.parametrize("palette", PALETTE_CASES)
@pytest.mark.parametrize("expression", EXPRESSIONS)
def test_every_face_is_a_standalone_svg_document(expression: str, palette: FacePalette):
    root = ET.fromstring(render_face(expression, palette))
    assert root.tag == f"{SVG}svg"
    assert root.get("viewBox") == "0 0 256 256"
    assert (root.get("width"), root.get("height")) == ("256", "256")
    assert len(root) > 10  # a drawn face, not an empty document


def test_size_sets_the_pixel_size_and_keeps_the_drawing():
    root = ET.fromstring(render_face("happy", JASMINE, size=96))
    assert (root.get("width"), root.get("height"), root.get("viewBox")) == (
        "96",
        "96",
        "0 0 256 256",
    )
    with pytest.raises(ValueError, match="size"):
        render_face("happy", JASMINE, size=0)


@pytest.mark.parametrize("palette", PALETTE_CASES)
def test_every_expression_looks_different(palette: FacePalette):
    faces = {render_face(expression, palette) for expression in EXPRESSIONS}
    assert len(faces) == len(EXPRESSIONS)


def test_palettes_change_the_face():
    assert render_face("neutral", JASMINE) != render_face("neutral", ORION)
    assert JASMINE.hair_style == "long"
    assert ORION.hair_style == "short"


@pytest.mark.parametrize("palette", PALETTE_CASES)
@pytest.mark.parametrize("expression", EXPRESSIONS)
def test_faces_hold_only_shapes(expression: str, palette: FacePalette):
    """Served to browsers: no scripts, foreign content, links, event handlers, text or ids."""
    document = render_face(expression, palette)
    lowered = document.lower()
    for forbidden in ("<script", "foreignobject", "href", "url(", "<!", "<?", "javascript:"):
        assert forbidden not in lowered
    for element in ET.fromstring(document).iter():
        assert element.tag in SHAPES
        assert not (element.text or "").strip()
        for attribute in element.attrib:
            assert not attribute.lower().startswith("on")
            assert attribute not in {"id", "style", "class"}


@pytest.mark.parametrize(
    "name", ["banana", "", "NEUTRAL", '"><script>alert(1)</script>', "../../etc/passwd"]
)
def test_an_unknown_expression_is_the_neutral_face(name: str):
    face = render_face(name, ORION)
    assert face == render_face("neutral", ORION)
    assert "script" not in face


def test_rendering_is_deterministic():
    first = [render_face(expression, JASMINE) for expression in EXPRESSIONS]
    second = [render_face(expression, JASMINE) for expression in EXPRESSIONS]
    assert first == second


def test_a_palette_accepts_only_hex_colours_and_known_hair():
    fields = {
        "skin": "#ffffff",
        "hair": "#000000",
        "eyes": "#123456",
        "accent": "#abcdef",
        "blush": "#ff0000",
        "line": "#101010",
    }
    FacePalette(**fields, background=None)
    with pytest.raises(ValueError, match="#rrggbb"):
        FacePalette(**{**fields, "skin": 'red"/><script>alert(1)</script><x a="'})
    with pytest.raises(ValueError, match="#rrggbb"):
        FacePalette(**fields, background="url(http://example.com/x)")
    with pytest.raises(ValueError, match="hair_style"):
        FacePalette(**fields, hair_style="mohawk")


def test_a_transparent_palette_draws_no_background():
    clear = FacePalette(**{**ORION.__dict__, "background": None})
    root = ET.fromstring(render_face("happy", clear))
    assert not any(element.tag == f"{SVG}rect" for element in root.iter())
    assert any(
        element.tag == f"{SVG}rect" for element in ET.fromstring(render_face("happy", ORION))
    )


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=40))
def test_palette_for_any_name_is_valid_and_readable(name: str):
    palette = palette_for(name)
    assert palette == palette_for(name)
    for colour in palette_colours(palette):
        assert colour is not None
        assert COLOUR.match(colour)
    assert palette.hair_style in HAIR_STYLES
    # Features drawn in the line colour stand out from the skin; the tile behind is pale.
    assert contrast(palette.skin, palette.line) > 2
    assert luminance(palette.background or "#ffffff") > 0.75
    ET.fromstring(render_face("thinking", palette))


def test_palette_for_depends_on_the_name():
    names = [f"Character {i}" for i in range(40)]
    palettes = {palette_for(name) for name in names}
    assert len(palettes) > 20
    assert len({palette.hair_style for palette in palettes}) == len(HAIR_STYLES)


def test_palette_for_is_the_same_in_every_process():
    """A persona keeps its face across restarts (no per-process salted hash)."""
    names = ["Seraphina", "Kai", "Zoë"]
    code = (
        "from soul_framework.mind.faces import palette_for;"
        f"print([palette_for(n) for n in {names!r}])"
    )
    outputs = {
        subprocess.run(
            [sys.executable, "-c", code],
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        for seed in ("1", "2")
    }
    assert outputs == {repr([palette_for(name) for name in names])}


def test_write_faces_writes_one_file_per_expression(tmp_path: Path):
    folder = tmp_path / "new" / "expressions"
    written = write_faces(folder, ORION, ["happy", "sad", "custom-1"])
    assert written == [folder / "happy.svg", folder / "sad.svg", folder / "custom-1.svg"]
    assert (folder / "sad.svg").read_text(encoding="utf-8") == render_face("sad", ORION)
    assert (folder / "custom-1.svg").read_text(encoding="utf-8") == render_face("neutral", ORION)


@pytest.mark.parametrize("name", ["../escape", "a/b", "Happy", "", ".hidden"])
def test_write_faces_refuses_names_that_are_not_plain_file_names(tmp_path: Path, name: str):
    with pytest.raises(ValueError, match="file name"):
        write_faces(tmp_path / "faces", ORION, ["happy", name])
    assert not (tmp_path / "faces").exists()  # nothing written when one name is bad


def test_the_command_writes_the_twelve_faces_of_a_named_palette(tmp_path: Path, capsys):
    assert main([str(tmp_path / "orion"), "--palette", "orion"]) == 0
    assert sorted(p.name for p in (tmp_path / "orion").iterdir()) == sorted(
        f"{expression}.svg" for expression in EXPRESSIONS
    )
    assert (tmp_path / "orion" / "love.svg").read_text(encoding="utf-8") == render_face(
        "love", ORION
    )
    assert "love.svg" in capsys.readouterr().out


def test_the_command_derives_a_palette_from_any_other_name(tmp_path: Path):
    completed = subprocess.run(
        [sys.executable, "-m", "soul_framework.mind.faces", str(tmp_path), "--palette", "Ada"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert completed.stdout.count(".svg") == len(EXPRESSIONS)
    face = (tmp_path / "happy.svg").read_text(encoding="utf-8")
    assert face == render_face("happy", palette_for("Ada"))


@pytest.mark.parametrize("persona", sorted(PALETTES))
def test_the_bundled_faces_are_what_the_generator_draws_now(persona: str):
    """Regenerate with ``python -m soul_framework.mind.faces personalities/<persona>/expressions
    --palette <persona>`` after changing the drawing."""
    folder = ROOT / "personalities" / persona / "expressions"
    assert sorted(p.name for p in folder.glob("*.svg")) == sorted(
        f"{expression}.svg" for expression in EXPRESSIONS
    )
    for expression in EXPRESSIONS:
        on_disk = (folder / f"{expression}.svg").read_bytes().decode("utf-8")
        assert on_disk == render_face(expression, PALETTES[persona]), expression


@pytest.mark.parametrize("palette", [JASMINE, ORION])
def test_the_bundled_palettes_are_readable(palette: FacePalette):
    assert contrast(palette.skin, palette.line) > 4.5
    assert contrast(palette.skin, palette.eyes) > 1.5
    assert luminance(palette.background or "#ffffff") > 0.75
