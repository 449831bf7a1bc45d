"""Expression faces drawn in code, as SVG, for personas that ship no art.

A face is a friendly cartoon bust (hair, head, eyes, brows, mouth, blush and a small extra
per expression) on a 256 x 256 drawing, scaled to ``size`` pixels. The output is a standalone
SVG document made only of shapes: no scripts, no text, no links and no ids, and nothing given
by the caller is written into it except colours that were checked to be ``#rrggbb``. It is
therefore safe to serve to browsers as an image and to inline many times in one page.

Run ``python -m soul_framework.mind.faces OUTPUT_DIR --palette jasmine|orion|NAME`` to write
the twelve faces of one palette.
"""

from __future__ import annotations

import argparse
import colorsys
import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from soul_framework.domain.persona import DEFAULT_EXPRESSIONS

EXPRESSIONS = DEFAULT_EXPRESSIONS
"""The expressions drawn distinctly; any other name is drawn as ``neutral``."""

HAIR_STYLES = ("long", "short", "bob")
"""Hair shapes: past the shoulders, cropped above the ears, chin length."""

_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
_FILE_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")

# Fixed colours that read the same on every palette.
_WHITE = "#ffffff"
_MOUTH = "#8a2f3f"  # inside of an open mouth
_TONGUE = "#f28b9b"
_WATER = "#8fd3ff"  # tears and sweat drops
_HEART = "#f0506e"
_SPARKLE = "#ffc93c"
_VEIN = "#e0435a"  # the cartoon "anger" mark


@dataclass(frozen=True)
class FacePalette:
    """The colours (``#rrggbb``) and hair shape of one persona's faces."""

    skin: str
    hair: str
    eyes: str
    """Iris colour; the pupil is drawn in ``line``."""
    accent: str
    """Clothes, and the tint of the background when one is derived."""
    blush: str
    line: str
    """Outlines, brows and pupils: a dark colour."""
    background: str | None = None
    """The tile behind the bust, or ``None`` for a transparent image."""
    hair_style: str = "long"

    def __post_init__(self) -> None:
        colours = [self.skin, self.hair, self.eyes, self.accent, self.blush, self.line]
        if self.background is not None:
            colours.append(self.background)
        for colour in colours:
            if not _COLOUR.match(colour):
                raise ValueError(f"a face colour must be #rrggbb, not {colour!r}")
        if self.hair_style not in HAIR_STYLES:
            raise ValueError(f"hair_style must be one of {', '.join(HAIR_STYLES)}")


JASMINE = FacePalette(
    skin="#d9a27c",
    hair="#2e1f1c",
    eyes="#5b3a29",
    accent="#a98bd6",
    blush="#e8758a",
    line="#2b1a17",
    background="#efe6fa",
    hair_style="long",
)
"""Warm: light brown skin, long dark hair, soft purple."""

ORION = FacePalette(
    skin="#f6d7c3",
    hair="#d2aa6d",
    eyes="#3f7fc0",
    accent="#5b8fd9",
    blush="#f09a9a",
    line="#27313f",
    background="#e3eefa",
    hair_style="short",
)
"""Cool: fair skin, short sandy hair, blue."""

PALETTES = {"jasmine": JASMINE, "orion": ORION}
"""The bundled personas' palettes by name."""

# Choices for derived palettes: a range of human skin tones, natural hair colours (plus two
# dyed ones) and iris colours that stay dark enough to read against the white highlight.
_SKINS = ("#f8dcc8", "#f1c7a5", "#e4b08a", "#d09a74", "#b57b56", "#8e5a3c", "#7a4b33")
_HAIRS = ("#2b1d18", "#4a3024", "#7a4a2a", "#b0713a", "#d8b36e", "#a4432a", "#5a3d7a", "#2f5d7c")
_EYES = ("#4b2e20", "#6b4a2b", "#3f7fc0", "#3d7a55", "#5f6b73", "#7a5a2e")


def palette_for(name: str) -> FacePalette:
    """A pleasant palette chosen by the SHA-256 of ``name``: the same name, the same face."""
    digest = hashlib.sha256(name.encode("utf-8")).digest()
    hue = digest[3] / 256
    skin = _SKINS[digest[0] % len(_SKINS)]
    hair = _HAIRS[digest[1] % len(_HAIRS)]
    return FacePalette(
        skin=skin,
        hair=hair,
        eyes=_EYES[digest[2] % len(_EYES)],
        # Saturation 0.45 and lightness 0.62 / 0.93: a soft colour and a pale tint of it.
        accent=_hls(hue, 0.62, 0.45),
        blush=_mix(skin, "#ff5a78", 0.55),
        # Nearly black, tinted by the hair: brows and outlines keep a WCAG contrast ratio above 2
        # against the darkest skin tone.
        line=_mix(hair, "#000000", 0.85),
        background=_hls(hue, 0.93, 0.45),
        hair_style=HAIR_STYLES[digest[4] % len(HAIR_STYLES)],
    )


def render_face(expression: str, palette: FacePalette, *, size: int = 256) -> str:
    """A standalone SVG document of ``palette``'s face showing ``expression``.

    :param expression: one of :data:`EXPRESSIONS`; any other name draws ``neutral``.
    :param size: width and height in pixels; the drawing itself is 256 x 256 units.
    """
    if size <= 0:
        raise ValueError("size must be a positive number of pixels")
    look = _LOOKS.get(expression, _LOOKS["neutral"])
    p = palette
    shade = _mix(p.skin, p.line, 0.22)
    parts: list[str] = []
    if p.background is not None:
        parts.append(f'<rect width="256" height="256" rx="48" fill="{p.background}"/>')
    parts.append(_HAIR_BACK[p.hair_style].format(hair=p.hair))
    # Neck, with the chin's shadow, then the shirt over the shoulders.
    parts.append(f'<path d="M108 170 h40 v44 q-20 12 -40 0 Z" fill="{shade}"/>')
    parts.append(
        f'<path d="M40 256 C40 224 70 206 108 203 Q128 222 148 203 C186 206 216 224 216 256 Z" '
        f'fill="{p.accent}"/>'
    )
    if p.hair_style == "short":
        for x in (62, 194):
            parts.append(f'<circle cx="{x}" cy="128" r="13" fill="{p.skin}"/>')
            parts.append(f'<circle cx="{x}" cy="128" r="6" fill="{shade}"/>')
    parts.append(f'<ellipse cx="128" cy="122" rx="66" ry="72" fill="{p.skin}"/>')
    parts.append(_HAIR_FRONT[p.hair_style].format(hair=p.hair))
    parts.append(_HAIR_SHINE[p.hair_style].format(shine=_mix(p.hair, _WHITE, 0.22)))
    if look.blush:
        parts.append(_blush(p.blush, look.blush))
    parts.append(_eyes(look.eyes, p))
    parts.append(_brows(look.brows, p.line))
    parts.append(f'<path d="M124 150 q4 4 8 0" {_stroke(shade, 3)}/>')
    parts.append(_MOUTHS[look.mouth].format(line=p.line, mouth=_MOUTH, tongue=_TONGUE))
    for extra in look.extras:
        parts.append(_EXTRAS[extra])
    body = "".join(parts)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{size}" height="{size}" '
        f'viewBox="0 0 256 256">{body}</svg>\n'
    )


def write_faces(folder: Path, palette: FacePalette, expressions: Iterable[str]) -> list[Path]:
    """Write ``<name>.svg`` in ``folder`` (made if missing) for each expression; the paths."""
    names = list(expressions)
    for name in names:
        if not _FILE_NAME.match(name):
            raise ValueError(f"{name!r} is not an expression name usable as a file name")
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name in names:
        path = folder / f"{name}.svg"
        path.write_text(render_face(name, palette), encoding="utf-8", newline="\n")
        written.append(path)
    return written


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: write the twelve faces of one palette into a folder."""
    parser = argparse.ArgumentParser(
        prog="python -m soul_framework.mind.faces",
        description="Write a persona's expression faces as SVG files.",
    )
    parser.add_argument("output_dir", type=Path, help="folder to write <expression>.svg into")
    parser.add_argument(
        "--palette",
        default="jasmine",
        help="jasmine, orion, or any other name to derive a palette from (default: jasmine)",
    )
    args = parser.parse_args(argv)
    palette = PALETTES.get(args.palette) or palette_for(args.palette)
    for path in write_faces(args.output_dir, palette, EXPRESSIONS):
        print(path)
    return 0


# --- colours and numbers ----------------------------------------------------------------------


def _mix(a: str, b: str, t: float) -> str:
    """The colour ``t`` of the way from ``a`` to ``b`` (0: a, 1: b)."""
    ca = [int(a[i : i + 2], 16) for i in (1, 3, 5)]
    cb = [int(b[i : i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(x + (y - x) * t):02x}" for x, y in zip(ca, cb, strict=True))


def _n(value: float) -> str:
    """A coordinate with at most two decimals and no trailing zeros (stable, short output)."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _hls(hue: float, lightness: float, saturation: float) -> str:
    r, g, b = colorsys.hls_to_rgb(hue, lightness, saturation)
    return "#" + "".join(f"{round(c * 255):02x}" for c in (r, g, b))


# --- what each expression is made of ---------------------------------------------------------


@dataclass(frozen=True)
class _Look:
    eyes: str
    brows: str
    mouth: str
    blush: float = 0.0
    """Opacity of the cheeks' blush, 0..1 (0: none)."""
    extras: tuple[str, ...] = ()


_LOOKS = {
    "neutral": _Look("open", "relaxed", "smile"),
    "happy": _Look("smiling", "raised", "open_smile", 0.5),
    "sad": _Look("sad", "worried", "frown", extras=("tear",)),
    "angry": _Look("angry", "angry", "grit", extras=("vein",)),
    "fearful": _Look("wide", "worried", "wobble", extras=("sweat",)),
    "surprised": _Look("wide", "high", "oh"),
    "love": _Look("hearts", "raised", "open_smile", 0.6, ("heart",)),
    "disgusted": _Look("narrow", "disgust", "yuck", extras=("queasy",)),
    "thinking": _Look("up", "quizzical", "hmm", extras=("thought",)),
    "playful": _Look("wink", "raised", "tongue", 0.45),
    "shy": _Look("down", "soft", "shy", 0.85, ("shy_lines", "sweat")),
    "excited": _Look("sparkling", "high", "beam", 0.55, ("sparkles",)),
}


# --- drawing -----------------------------------------------------------------------------------

_LEFT, _RIGHT, _EYE_Y = 102, 154, 124


def _stroke(colour: str, width: float) -> str:
    return (
        f'fill="none" stroke="{colour}" stroke-width="{width}" '
        'stroke-linecap="round" stroke-linejoin="round"'
    )


def _open_eye(x: float, y: float, p: FacePalette, dx: float = 0, dy: float = 0) -> str:
    """An iris, its pupil looking (dx, dy) units aside, and a highlight."""
    return (
        f'<ellipse cx="{x + dx}" cy="{y + dy}" rx="10" ry="12.5" fill="{p.eyes}"/>'
        f'<ellipse cx="{x + dx}" cy="{y + dy + 1}" rx="5.5" ry="7" fill="{p.line}"/>'
        f'<circle cx="{x + dx + 3.5}" cy="{y + dy - 4.5}" r="3.5" fill="{_WHITE}"/>'
    )


def _wide_eye(x: float, y: float, p: FacePalette) -> str:
    return (
        f'<ellipse cx="{x}" cy="{y}" rx="13" ry="15" fill="{_WHITE}" '
        f'stroke="{p.line}" stroke-width="2.5"/>'
        f'<circle cx="{x}" cy="{y + 1}" r="6" fill="{p.eyes}"/>'
        f'<circle cx="{x}" cy="{y + 1}" r="3" fill="{p.line}"/>'
    )


def _closed_arc(x: float, y: float, colour: str) -> str:
    """A smiling closed eye: an upward arc."""
    return f'<path d="M{x - 11} {y + 3} Q{x} {y - 11} {x + 11} {y + 3}" {_stroke(colour, 4.5)}/>'


def _heart_path(x: float, y: float, s: float) -> str:
    """A heart centred on (x, y), ``s`` units wide."""
    h = s / 2
    # Offsets in half-widths: the tip, the lobes' outer control points, the notch.
    tip, side, lobe, notch = _n(y + h * 0.9), h * 1.4, _n(y - h * 1.3), _n(y - h * 0.45)
    shoulder = _n(y - h * 0.1)
    return (
        f"M{x} {tip} C{_n(x - side)} {shoulder} {_n(x - h * 0.7)} {lobe} {x} {notch} "
        f"C{_n(x + h * 0.7)} {lobe} {_n(x + side)} {shoulder} {x} {tip} Z"
    )


def _lidded(p: FacePalette, left_tilt: float, lid: float) -> str:
    """Open eyes under a skin-coloured lid; ``left_tilt`` > 0 lowers the lids' inner ends."""
    out = []
    for x, side in ((_LEFT, 1), (_RIGHT, -1)):
        out.append(_open_eye(x, _EYE_Y, p))
        inner = _EYE_Y - 13 + lid + left_tilt
        outer = _EYE_Y - 13 + lid - left_tilt
        x_in, x_out = x + 14 * side, x - 14 * side
        out.append(
            f'<path d="M{x_out} {_EYE_Y - 20} L{x_in} {_EYE_Y - 20} L{x_in} {inner} '
            f'L{x_out} {outer} Z" fill="{p.skin}"/>'
        )
        out.append(f'<path d="M{x_out} {outer} L{x_in} {inner}" {_stroke(p.line, 3)}/>')
    return "".join(out)


def _sparkling(x: float, p: FacePalette) -> str:
    return (
        f'<ellipse cx="{x}" cy="{_EYE_Y}" rx="11" ry="13.5" fill="{p.eyes}"/>'
        f'<ellipse cx="{x}" cy="{_EYE_Y + 1}" rx="6" ry="8" fill="{p.line}"/>'
        f'<circle cx="{x + 4}" cy="{_EYE_Y - 5}" r="4" fill="{_WHITE}"/>'
        f'<circle cx="{x - 4}" cy="{_EYE_Y + 5}" r="2.2" fill="{_WHITE}"/>'
    )


def _eyes(kind: str, p: FacePalette) -> str:
    """Both eyes of one kind (see :data:`_LOOKS`)."""
    pair = (_LEFT, _RIGHT)
    match kind:
        case "smiling":
            return "".join(_closed_arc(x, _EYE_Y, p.line) for x in pair)
        case "sad":
            return _lidded(p, -5, 5)
        case "angry":
            return _lidded(p, 6, 6)
        case "narrow":
            return _lidded(p, 0, 11)
        case "wide":
            return "".join(_wide_eye(x, _EYE_Y, p) for x in pair)
        case "hearts":
            return "".join(
                f'<path d="{_heart_path(x, _EYE_Y, 26)}" fill="{_HEART}"/>' for x in pair
            )
        case "up":
            return "".join(_open_eye(x, _EYE_Y, p, 3, -4) for x in pair)
        case "down":
            return "".join(_open_eye(x, _EYE_Y, p, -3, 4) for x in pair)
        case "wink":
            closed = f"M{_RIGHT - 11} {_EYE_Y} Q{_RIGHT} {_EYE_Y - 8} {_RIGHT + 11} {_EYE_Y}"
            return _open_eye(_LEFT, _EYE_Y, p) + f'<path d="{closed}" {_stroke(p.line, 4.5)}/>'
        case "sparkling":
            return "".join(_sparkling(x, p) for x in pair)
        case _:
            return "".join(_open_eye(x, _EYE_Y, p) for x in pair)


# Brows: ((inner, outer) of the left brow, (inner, outer) of the right), each end's rise (-)
# or fall (+) from the resting line, in drawing units; the inner ends are those near the nose.
_BROWS = {
    "relaxed": ((0, 0), (0, 0)),
    "raised": ((-5, -5), (-5, -5)),
    "worried": ((-9, 4), (-9, 4)),
    "angry": ((9, -3), (9, -3)),
    "high": ((-11, -8), (-11, -8)),
    "quizzical": ((1, 1), (-12, -9)),
    "disgust": ((7, 0), (-4, -6)),
    "soft": ((-6, 2), (-6, 2)),
}


def _brows(kind: str, colour: str) -> str:
    y = _EYE_Y - 24
    out = []
    for x, side, (inner, outer) in zip((_LEFT, _RIGHT), (1, -1), _BROWS[kind], strict=True):
        out.append(
            f'<path d="M{x - 13 * side} {y + 2 + outer} Q{x} {_n(y - 5 + (inner + outer) / 2)} '
            f'{x + 12 * side} {y + inner}" {_stroke(colour, 5)}/>'
        )
    return "".join(out)


_MOUTH_STROKE = 'fill="none" stroke="{line}" stroke-width="4" stroke-linecap="round"'
_OPEN = 'fill="{mouth}" stroke="{line}" stroke-width="3.5" stroke-linejoin="round"'
_MOUTHS = {
    "smile": f'<path d="M112 165 Q128 176 144 165" {_MOUTH_STROKE}/>',
    "open_smile": (
        f'<path d="M106 160 Q128 162 150 160 Q148 186 128 186 Q108 186 106 160 Z" {_OPEN}/>'
        '<path d="M116 180 Q128 172 140 180 Q128 187 116 180 Z" fill="{tongue}"/>'
    ),
    "frown": f'<path d="M113 174 Q128 163 143 174" {_MOUTH_STROKE}/>',
    "grit": (
        '<path d="M108 166 Q128 160 148 166 L148 174 Q128 170 108 174 Z" '
        'fill="#ffffff" stroke="{line}" stroke-width="3.5" stroke-linejoin="round"/>'
        '<path d="M118 163 v9 M128 162 v9 M138 163 v9" stroke="{line}" stroke-width="2"/>'
    ),
    "wobble": (
        f'<path d="M110 172 Q114 164 119 170 Q124 176 128 169 Q132 163 137 170 '
        f'Q142 176 146 168" {_MOUTH_STROKE}/>'
    ),
    "oh": '<ellipse cx="128" cy="171" rx="9" ry="11" ' + _OPEN + "/>",
    "yuck": (
        f'<path d="M106 175 Q110 165 119 168 Q128 172 137 166 Q146 164 150 174" '
        f"{_MOUTH_STROKE}/>"
        '<path d="M130 170 q2 10 9 8 q5 -2 2 -10 Z" fill="{tongue}" stroke="{line}" '
        'stroke-width="2.5"/>'
    ),
    "hmm": f'<path d="M116 170 Q128 168 141 163" {_MOUTH_STROKE}/>',
    "tongue": (
        f'<path d="M108 161 Q128 180 148 161" {_MOUTH_STROKE}/>'
        '<path d="M130 169 q0 14 9 14 q9 0 8 -14 Q139 173 130 169 Z" fill="{tongue}" '
        'stroke="{line}" stroke-width="3" stroke-linejoin="round"/>'
        '<path d="M139 171 v6" stroke="#d0687a" stroke-width="2" stroke-linecap="round"/>'
    ),
    "shy": f'<path d="M118 168 Q123 172 128 168 Q133 172 138 168" {_MOUTH_STROKE}/>',
    "beam": (
        f'<path d="M102 158 Q128 160 154 158 Q152 192 128 192 Q104 192 102 158 Z" {_OPEN}/>'
        '<path d="M106 160 Q128 162 150 160 L149 166 Q128 168 107 166 Z" fill="#ffffff"/>'
        '<path d="M114 185 Q128 175 142 185 Q128 193 114 185 Z" fill="{tongue}"/>'
    ),
}


def _blush(colour: str, opacity: float) -> str:
    return "".join(
        f'<ellipse cx="{x}" cy="148" rx="13" ry="7.5" fill="{colour}" opacity="{opacity}"/>'
        for x in (86, 170)
    )


def _drop(x: float, y: float, s: float) -> str:
    """A water drop ``s`` units tall whose tip points up, its round bottom at y + s."""
    r = s * 0.36
    left, right, mid = _n(x - r), _n(x + r), _n(y + s - r)
    near_left, near_right = _n(x - r * 0.4), _n(x + r * 0.4)
    upper, shoulder = _n(y + s * 0.35), _n(y + s - r * 1.3)
    return (
        f'<path d="M{x} {y} C{near_right} {upper} {right} {shoulder} {right} {mid} '
        f"A{_n(r)} {_n(r)} 0 0 1 {left} {mid} C{left} {shoulder} {near_left} {upper} {x} {y} Z"
        f'" fill="{_WATER}" stroke="#4a9ad0" stroke-width="2"/>'
    )


def _sparkle(x: float, y: float, r: float) -> str:
    """A four-pointed star of radius ``r``."""
    w = r * 0.28
    top, bottom, left, right = _n(y - r), _n(y + r), _n(x - r), _n(x + r)
    wl, wr, wt, wb = _n(x - w), _n(x + w), _n(y - w), _n(y + w)
    return (
        f'<path d="M{x} {top} Q{wr} {wt} {right} {y} Q{wr} {wb} {x} {bottom} '
        f'Q{wl} {wb} {left} {y} Q{wl} {wt} {x} {top} Z" fill="{_SPARKLE}"/>'
    )


_EXTRAS = {
    "tear": _drop(163, 139, 22),
    "sweat": _drop(188, 62, 24),
    "heart": f'<path d="{_heart_path(214, 50, 34)}" fill="{_HEART}"/>'
    f'<path d="{_heart_path(190, 28, 16)}" fill="{_HEART}" opacity="0.8"/>',
    "vein": (
        f'<path d="M176 52 q6 6 0 12 M188 52 q-6 6 0 12 M176 52 q6 6 12 0 M176 64 q6 -6 12 0" '
        f"{_stroke(_VEIN, 4)}/>"
    ),
    "thought": (
        '<circle cx="196" cy="70" r="5" fill="#ffffff" stroke="#8a94a6" stroke-width="2"/>'
        '<circle cx="210" cy="52" r="8" fill="#ffffff" stroke="#8a94a6" stroke-width="2"/>'
        '<circle cx="226" cy="28" r="14" fill="#ffffff" stroke="#8a94a6" stroke-width="2"/>'
        '<path d="M221 24 q0 -6 5 -6 q6 0 6 5 q0 4 -6 6 v3" fill="none" stroke="#5a6478" '
        'stroke-width="3" stroke-linecap="round"/>'
        '<circle cx="226" cy="38" r="1.8" fill="#5a6478"/>'
    ),
    "queasy": (
        f'<path d="M92 138 v8 M100 139 v10 M108 138 v8 M148 138 v8 M156 139 v10 M164 138 v8" '
        f"{_stroke('#6fae6a', 3)}/>"
    ),
    "shy_lines": (
        f'<path d="M80 144 l-4 8 M88 144 l-4 8 M96 144 l-4 8 M164 144 l-4 8 M172 144 l-4 8 '
        f'M180 144 l-4 8" {_stroke("#c4465e", 2.5)}/>'
    ),
    "sparkles": _sparkle(34, 60, 16) + _sparkle(220, 46, 20) + _sparkle(216, 150, 11),
}


# --- hair ------------------------------------------------------------------------------------

_HAIR_BACK = {
    "long": (
        '<path d="M128 34 C70 34 48 78 50 132 C52 180 40 214 54 240 L202 240 '
        'C216 214 204 180 206 132 C208 78 186 34 128 34 Z" fill="{hair}"/>'
    ),
    "short": "",
    "bob": (
        '<path d="M128 36 C72 36 50 80 52 130 C54 160 50 180 60 190 L196 190 '
        'C206 180 202 160 204 130 C206 80 184 36 128 36 Z" fill="{hair}"/>'
    ),
}

_HAIR_FRONT = {
    "long": (
        '<path d="M60 126 C54 74 86 44 130 44 C172 44 204 72 196 126 C190 102 180 88 168 80 '
        'C150 96 112 100 84 92 C72 104 64 114 60 126 Z" fill="{hair}"/>'
    ),
    "short": (
        '<path d="M62 118 C56 66 90 40 132 42 C170 44 200 66 194 118 C190 100 184 88 174 80 '
        'C156 88 120 86 92 74 C78 86 68 100 62 118 Z" fill="{hair}"/>'
        '<path d="M116 44 C120 30 136 26 146 34 C138 34 132 38 130 44 Z" fill="{hair}"/>'
    ),
    "bob": (
        '<path d="M60 130 C54 74 88 46 128 46 C168 46 202 74 196 130 C192 112 186 100 178 92 '
        'L176 80 C150 92 104 92 80 80 L78 92 C70 100 64 112 60 130 Z" fill="{hair}"/>'
    ),
}


# A light stroke along the crown, so the hair reads as a rounded mass.
_HAIR_SHINE = {
    "long": '<path d="M92 62 Q108 52 128 51" fill="none" stroke="{shine}" stroke-width="5" '
    'stroke-linecap="round"/>',
    "short": '<path d="M96 58 Q110 50 128 49" fill="none" stroke="{shine}" stroke-width="5" '
    'stroke-linecap="round"/>',
    "bob": '<path d="M92 64 Q108 54 128 53" fill="none" stroke="{shine}" stroke-width="5" '
    'stroke-linecap="round"/>',
}


if __name__ == "__main__":
    raise SystemExit(main())
