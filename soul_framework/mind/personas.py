"""Finding and reading personas: bundled ones by name, persona files and Character Cards by path.

``PERSONALITY`` names what to load:

- a bundled persona (``jasmine``, ``orion``): ``personalities/<name>/persona.toml``;
- a persona file (``.toml``, ``.yaml``/``.yml``, ``.json``) or a folder holding ``persona.toml``;
- a Character Card V2 or V3 (``.json`` or ``.png``). Its emotion images are unpacked into
  ``<SOUL_DATA_DIR>/personas/<name>/expressions`` so they can be served like any persona's.

Expression images live in the persona's ``expressions_dir`` (relative to the file) as
``<expression>.<ext>``; a persona without an image for one of its expressions is shown with a
face drawn in code (:mod:`soul_framework.mind.faces`).
"""

from __future__ import annotations

import json
import re
import tomllib
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from soul_framework.domain.persona import EXPRESSION_NAME, Persona
from soul_framework.errors import ConfigError

IMAGE_EXTENSIONS = (".jpeg", ".webp", ".gif", ".png", ".jpg", ".svg")
"""Tried in this order when an expression is asked for by name alone (the old API's order)."""
PERSONA_SUFFIXES = (".toml", ".yaml", ".yml", ".json")
CARD_SPECS = ("chara_card_v2", "chara_card_v3")
PERSONA_FILE = "persona.toml"


class PersonaError(ConfigError):
    """A persona or Character Card could not be found or read; the message says which and why."""

    code = "persona_error"


@dataclass(frozen=True, slots=True)
class LoadedPersona:
    """A persona with where it came from and where its expression images are."""

    persona: Persona
    source: Path
    images: Path
    """The folder of expression images (it may not exist: then every face is drawn)."""

    def image(self, expression: str) -> Path | None:
        """The image file of ``expression`` (a name, or a name with an image extension), or
        None. ``neutral`` stands for the persona's neutral expression. Names that are not
        expression names (paths, dots, separators) are never looked up."""
        stem, suffix = _split_extension(expression)
        if not EXPRESSION_NAME.match(stem):
            return None
        if stem == "neutral":
            stem = self.persona.neutral_expression
        candidates = [suffix] if suffix else list(IMAGE_EXTENSIONS)
        for extension in candidates:
            path = self.images / f"{stem}{extension}"
            if path.is_file():
                return path
        return None


def _split_extension(name: str) -> tuple[str, str | None]:
    lowered = name.lower()
    for extension in IMAGE_EXTENSIONS:
        if lowered.endswith(extension) and len(name) > len(extension):
            return name[: -len(extension)], extension
    return name, None


def bundled_root() -> Path:
    """The folder holding the bundled personas."""
    return Path(str(files("soul_personalities")))


def bundled_names() -> list[str]:
    root = bundled_root()
    return sorted(p.parent.name for p in root.glob(f"*/{PERSONA_FILE}"))


def slug(name: str) -> str:
    """A name as a file and id fragment: lower case, words joined by ``-``."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "persona"


def load_persona(reference: str, *, data_dir: Path) -> LoadedPersona:
    """Load what ``reference`` (the ``PERSONALITY`` setting) names; see the module docstring."""
    path = _locate(reference.strip())
    if path.suffix.lower() == ".png" or (path.suffix.lower() == ".json" and _is_card(path)):
        return _load_card(path, data_dir)
    persona = read_persona_file(path)
    return LoadedPersona(persona, path, (path.parent / persona.expressions_dir).resolve())


def _locate(reference: str) -> Path:
    if not reference:
        raise PersonaError("PERSONALITY is empty: name a bundled persona or a persona file")
    candidate = Path(reference).expanduser()
    if candidate.is_dir() and (candidate / PERSONA_FILE).is_file():
        return (candidate / PERSONA_FILE).resolve()
    if candidate.is_file():
        return candidate.resolve()
    bundled = bundled_root() / reference.lower() / PERSONA_FILE
    if "/" not in reference and "\\" not in reference and bundled.is_file():
        return bundled
    raise PersonaError(
        f"PERSONALITY={reference!r} is neither a bundled persona "
        f"({', '.join(bundled_names())}) nor a readable persona file or Character Card"
    )


def _parse(path: Path) -> Any:
    text = path.read_text(encoding="utf-8")
    suffix = path.suffix.lower()
    try:
        if suffix == ".toml":
            return tomllib.loads(text)
        if suffix in (".yaml", ".yml"):
            return yaml.safe_load(text)
        if suffix == ".json":
            return json.loads(text)
    except (tomllib.TOMLDecodeError, yaml.YAMLError, json.JSONDecodeError) as exc:
        raise PersonaError(f"{path}: not valid {suffix[1:].upper()}: {exc}") from exc
    raise PersonaError(f"{path}: persona files end in {', '.join(PERSONA_SUFFIXES)} or .png")


def _is_card(path: Path) -> bool:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return False
    return isinstance(document, dict) and document.get("spec") in CARD_SPECS


def read_persona_file(path: Path) -> Persona:
    """Read and validate a persona file; ``PersonaError`` says which field is wrong."""
    try:
        document = _parse(path)
    except (OSError, UnicodeDecodeError) as exc:
        raise PersonaError(f"{path}: cannot be read: {exc}") from exc
    if not isinstance(document, dict):
        raise PersonaError(f"{path}: a persona file holds a table of fields at the top")
    return validate_persona(document, origin=str(path))


def validate_persona(document: dict[str, Any], *, origin: str) -> Persona:
    try:
        return Persona.model_validate(document)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in error['loc']) or '(top)'}: {error['msg']}"
            for error in exc.errors()
        )
        raise PersonaError(f"{origin}: {problems}") from exc


def _load_card(path: Path, data_dir: Path) -> LoadedPersona:
    from soul_framework.mind.character_card import CardError, card_to_persona, read_card

    try:
        card = read_card(path)
        folder = (data_dir / "personas" / slug(card_name(card))).resolve()
        images = folder / "expressions"
        images.mkdir(parents=True, exist_ok=True)
        persona = card_to_persona(card, assets_dir=images)
    except CardError as exc:
        raise PersonaError(f"{path}: {exc}") from exc
    return LoadedPersona(persona, path, images)


def card_name(card: Any) -> str:
    data = getattr(card, "data", card)
    return str(getattr(data, "name", "") or "persona")
