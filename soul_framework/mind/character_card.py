"""Character Cards V2 and V3: read them (JSON or PNG) and turn them into a :class:`Persona`.

The community formats:

- **V2** (``spec: "chara_card_v2"``, https://github.com/malfoyslastname/character-card-spec-v2):
  the fields sit in ``data``; a PNG card keeps base64 JSON in a ``tEXt`` chunk named ``chara``.
- **V3** (``spec: "chara_card_v3"``, https://github.com/kwaroran/character-card-spec-v3): adds
  ``nickname``, ``group_only_greetings``, ``assets`` and more; a PNG keeps it in a ``ccv3``
  chunk, which wins when a ``chara`` chunk is there too.
- **V1**: the older flat JSON (``name``, ``description``, ``personality``, ``scenario``,
  ``first_mes``, ``mes_example`` at the top level) is read as a V2 card.

How a card becomes a persona:

- The card's ``personality`` is free text about temperament and manner, written by the card's
  author. It goes into ``speaking_style``, which is likewise author-fixed; ``identity`` is the
  agent's own first-person view that reflection revises, so it stays empty unless our extension
  (below) gives one. Trait numbers never come from the free text.
- ``first_mes`` becomes ``greeting``, ``mes_example`` ``example_messages``, ``character_version``
  ``version``; ``creator_notes`` stay in their own field, which never reaches a prompt.
- ``extensions`` are kept verbatim. Our own data lives at ``extensions["synthetic_soul"]``
  (:class:`SoulExtension`: personality values, emotion baselines, identity, neutral expression);
  it fills those persona fields and also stays in ``extensions``, so a round trip keeps it.
- V3 ``assets`` of type ``emotion`` become the persona's expressions (see :func:`import_card`).
  A card without them keeps the default expression set.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import unquote_to_bytes

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    TypeAdapter,
    ValidationError,
    model_validator,
)

from soul_framework.domain.persona import (
    DEFAULT_EXPRESSIONS,
    EmotionSettings,
    Persona,
    SchemaValues,
)
from soul_framework.mind.png_chunks import PNG_SIGNATURE, PngError, read_card_payload

SOUL_EXTENSION = "synthetic_soul"
"""Our namespaced key in a card's ``extensions``."""

MAX_CARD_FILE_BYTES = 64 * 1024 * 1024
"""Largest card file read, in bytes: cards with embedded images run to a few megabytes."""

MAX_ASSET_BYTES = 10 * 1024 * 1024
"""Largest expression image written, in bytes. A detailed 2048x2048 portrait PNG is a few
megabytes; 10 MiB keeps such images and stops one card from filling the disk."""

IMAGE_TYPES = {
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "webp": "image/webp",
    "gif": "image/gif",
    "svg": "image/svg+xml",
}
"""Image extensions an expression may have, with their media types."""

_V1_FIELDS = ("name", "description", "personality", "scenario", "first_mes", "mes_example")


class CardError(ValueError):
    """The file is not a usable character card; the message says what is wrong and where."""


class CardAsset(BaseModel):
    """One V3 asset: ``type`` (``icon``, ``emotion``, ...), ``uri``, ``name`` and ``ext``."""

    model_config = ConfigDict(extra="allow")
    type: str
    uri: str
    name: str = ""
    ext: str = ""


class CardDataV2(BaseModel):
    """The ``data`` of a V2 card; unknown fields are kept."""

    model_config = ConfigDict(extra="allow")
    name: str
    description: str = ""
    personality: str = ""
    scenario: str = ""
    first_mes: str = ""
    mes_example: str = ""
    creator_notes: str = ""
    system_prompt: str = ""
    post_history_instructions: str = ""
    alternate_greetings: list[str] = Field(default_factory=list)
    character_book: dict[str, Any] | None = None
    tags: list[str] = Field(default_factory=list)
    creator: str = ""
    character_version: str = ""
    extensions: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _tolerate_nulls_and_numbers(cls, value: Any) -> Any:
        """Cards in the wild write ``null`` for empty fields and numbers for versions."""
        if not isinstance(value, dict):
            return value
        fixed = {}
        for key, item in value.items():
            known = cls.model_fields.get(key)
            if known is not None and item is None:
                continue
            number = isinstance(item, int | float) and not isinstance(item, bool)
            fixed[key] = str(item) if number and known and known.annotation is str else item
        return fixed


class CardDataV3(CardDataV2):
    """The ``data`` of a V3 card: V2's fields plus nickname, group greetings and assets."""

    nickname: str | None = None
    group_only_greetings: list[str] = Field(default_factory=list)
    assets: list[CardAsset] | None = None


class _Card(BaseModel):
    model_config = ConfigDict(extra="allow")
    _image: bytes | None = PrivateAttr(default=None)
    _embedded: dict[str, str] = PrivateAttr(default_factory=dict)

    @property
    def image(self) -> bytes | None:
        """The PNG the card was read from (its portrait), or None for a JSON card."""
        return self._image


class CharacterCardV2(_Card):
    """A V2 card; fields outside ``spec``, ``spec_version`` and ``data`` are kept."""

    spec: Literal["chara_card_v2"]
    spec_version: str = "2.0"
    data: CardDataV2


class CharacterCardV3(_Card):
    """A V3 card; fields outside ``spec``, ``spec_version`` and ``data`` are kept."""

    spec: Literal["chara_card_v3"]
    spec_version: str = "3.0"
    data: CardDataV3


CharacterCard = CharacterCardV2 | CharacterCardV3
_CARD = TypeAdapter(Annotated[CharacterCard, Field(discriminator="spec")])


class SoulExtension(BaseModel):
    """What ``extensions["synthetic_soul"]`` may hold: the persona fields cards lack."""

    model_config = ConfigDict(extra="forbid")
    personality: dict[str, SchemaValues] = Field(default_factory=dict)
    emotions: EmotionSettings = Field(default_factory=EmotionSettings)
    identity: str = ""
    neutral_expression: str | None = None


# --- reading ----------------------------------------------------------------------------------


def read_card(path: Path) -> CharacterCard:
    """The card in a JSON or PNG file; :class:`CardError` when it holds no usable card."""
    if path.stat().st_size > MAX_CARD_FILE_BYTES:
        raise CardError(f"{path.name} is larger than {MAX_CARD_FILE_BYTES} bytes")
    return parse_card(path.read_bytes(), source=path.name)


def parse_card(content: bytes, *, source: str = "card") -> CharacterCard:
    """The card in a file's bytes; ``source`` names the file in error messages."""
    if content.startswith(PNG_SIGNATURE):
        return _card_from_png(content, source)
    if content.lstrip(b"\xef\xbb\xbf \t\r\n").startswith((b"{", b"[")):
        return _card_from_json(content, source)
    raise CardError(f"{source} is neither a PNG image nor a JSON character card")


def _card_from_png(content: bytes, source: str) -> CharacterCard:
    try:
        payload = read_card_payload(content)
    except PngError as error:
        raise CardError(f"{source}: {error}") from error
    card = _card_from_json(payload.card_json, f"{source} ('{payload.keyword}' chunk)")
    card._image = content
    card._embedded = payload.assets
    return card


def _card_from_json(raw: bytes, source: str) -> CharacterCard:
    try:
        document = json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError as error:
        raise CardError(f"{source} is not UTF-8 text: {error}") from error
    except json.JSONDecodeError as error:
        raise CardError(f"{source} is not valid JSON: {error}") from error
    if not isinstance(document, dict):
        raise CardError(f"{source} is JSON but not an object, so not a character card")
    spec = document.get("spec")
    if spec is None and "data" not in document and isinstance(document.get("name"), str):
        data = {key: document[key] for key in _V1_FIELDS if key in document}
        document = {"spec": "chara_card_v2", "spec_version": "2.0", "data": data}
        spec = "chara_card_v2"
    if spec not in ("chara_card_v2", "chara_card_v3"):
        found = "no 'spec'" if spec is None else f"spec {spec!r}"
        raise CardError(f"{source} has {found}; expected 'chara_card_v2' or 'chara_card_v3'")
    data = document.get("data")
    if not isinstance(data, dict):
        raise CardError(f"{source}: a {spec} card keeps its fields in a 'data' object")
    name = data.get("name")
    if not isinstance(name, str) or not name.strip():
        raise CardError(f"{source}: the card has no name (data.name is missing or empty)")
    try:
        return _CARD.validate_python(document)
    except ValidationError as error:
        raise CardError(f"{source}: {_explain(error)}") from error


def _explain(error: ValidationError) -> str:
    problems = [
        f"{'.'.join(str(part) for part in item['loc']) or 'card'}: {item['msg']}"
        for item in error.errors()[:3]
    ]
    more = error.error_count() - len(problems)
    return "; ".join(problems) + (f" (and {more} more)" if more > 0 else "")


# --- expressions --------------------------------------------------------------------------------


def expression_name(raw: str) -> str:
    """``raw`` made into a valid expression name: lower case, ``[a-z0-9_-]``, 1..32 characters.

    Accents are dropped (``Überrascht`` -> ``uberrascht``), other characters become ``_``, and
    path parts vanish (``../../x`` -> ``x``), so the name is always a safe file name. A name with
    nothing usable left becomes ``expression``.
    """
    ascii_text = unicodedata.normalize("NFKD", raw).encode("ascii", "ignore").decode().lower()
    slug = re.sub(r"[^a-z0-9_-]+", "_", ascii_text).strip("_-")[:32].rstrip("_-")
    return slug or "expression"


def _unique(name: str, taken: set[str]) -> str:
    candidate, number = name, 1
    while candidate in taken:
        number += 1
        suffix = f"-{number}"
        candidate = name[: 32 - len(suffix)] + suffix
    taken.add(candidate)
    return candidate


@dataclass(frozen=True, slots=True)
class CardImport:
    """A card turned into a persona, with what happened to its expression images."""

    persona: Persona
    images: dict[str, Path] = field(default_factory=dict)
    """Expression name -> image file written into ``assets_dir``."""
    remote_images: dict[str, str] = field(default_factory=dict)
    """Expression name -> http(s) URL of an image that was not fetched."""
    notes: list[str] = field(default_factory=list)
    """Images left out, and why (too large, unknown type, undecodable, unsupported URI)."""


def card_to_persona(card: CharacterCard, *, assets_dir: Path | None = None) -> Persona:
    """The persona a card describes; see :func:`import_card` for the images."""
    return import_card(card, assets_dir=assets_dir).persona


def import_card(card: CharacterCard, *, assets_dir: Path | None = None) -> CardImport:
    """The persona a card describes, writing its expression images into ``assets_dir``.

    Each V3 asset of type ``emotion`` becomes an expression named by :func:`expression_name`
    (repeats get ``-2``, ``-3``). Its image is written as ``assets_dir/<name>.<ext>`` when
    ``assets_dir`` is given and the image is at hand: a ``data:`` URI, ``ccdefault:`` (the
    card's own PNG), or ``__asset:``/``embeded://`` pointing at a ``chara-ext-asset_:`` chunk of
    the PNG. http(s) URLs are never fetched (a card must not make the server reach out): they
    are listed in ``remote_images`` and the expression has no image. ``embeded://`` otherwise
    points into a CHARX archive, which is not read. The extension must be one of
    :data:`IMAGE_TYPES` and the image at most :data:`MAX_ASSET_BYTES`.

    A PNG card's portrait serves as ``neutral`` when no emotion asset is named so (unless our
    extension names another neutral expression). The neutral expression is the one our
    extension names, else ``neutral`` when present, else the first.
    ``assets_dir`` is where the persona's ``expressions_dir`` will point (the persona keeps the
    default ``expressions``).
    """
    data = card.data
    soul = _soul_extension(data.extensions)
    faces: dict[str, CardAsset | None] = {}  # expression -> asset; None is the card's PNG
    taken: set[str] = set()
    for asset in getattr(data, "assets", None) or []:
        if asset.type == "emotion":
            faces[_unique(expression_name(asset.name), taken)] = asset
    portrait_is_neutral = soul.neutral_expression in (None, "neutral")
    if card.image is not None and "neutral" not in faces and portrait_is_neutral:
        faces = {"neutral": None, **faces}
    # without emotion assets: the default set, with the portrait (if any) as its neutral face
    expressions = list(faces) if any(faces.values()) else list(DEFAULT_EXPRESSIONS)
    neutral = soul.neutral_expression or ("neutral" if "neutral" in expressions else expressions[0])
    if neutral not in expressions:
        raise CardError(
            f"extensions.{SOUL_EXTENSION}.neutral_expression {neutral!r} is not one of the "
            f"card's expressions ({', '.join(expressions)})"
        )
    try:
        persona = Persona(
            name=data.name.strip(),
            nickname=getattr(data, "nickname", None) or None,
            description=data.description,
            identity=soul.identity,
            speaking_style=data.personality,
            greeting=data.first_mes,
            alternate_greetings=data.alternate_greetings,
            scenario=data.scenario,
            example_messages=data.mes_example,
            system_prompt=data.system_prompt,
            post_history_instructions=data.post_history_instructions,
            creator_notes=data.creator_notes,
            creator=data.creator,
            version=data.character_version,
            tags=data.tags,
            personality=soul.personality,
            emotions=soul.emotions,
            expressions=expressions,
            neutral_expression=neutral,
            character_book=data.character_book,
            extensions=dict(data.extensions),
        )
    except ValidationError as error:
        raise CardError(f"the card does not make a valid persona: {_explain(error)}") from error
    result = CardImport(persona)
    for name, asset in faces.items():
        image = _face_image(card, name, asset, result)
        if image is not None and assets_dir is not None:
            result.images[name] = _write_image(assets_dir, name, *image)
    return result


def _soul_extension(extensions: dict[str, Any]) -> SoulExtension:
    raw = extensions.get(SOUL_EXTENSION)
    if raw is None:
        return SoulExtension()
    try:
        return SoulExtension.model_validate(raw)
    except ValidationError as error:
        raise CardError(f"extensions.{SOUL_EXTENSION}: {_explain(error)}") from error


def _face_image(
    card: CharacterCard, name: str, asset: CardAsset | None, result: CardImport
) -> tuple[str, bytes] | None:
    """The (extension, bytes) of one expression's image, or None with a note saying why."""
    uri = "ccdefault:" if asset is None else asset.uri.strip()
    scheme = uri.split(":", 1)[0].lower()
    ext = "png" if asset is None else asset.ext.lower().lstrip(".")
    if scheme == "ccdefault":
        if card.image is None:
            result.notes.append(f"{name}: 'ccdefault:' needs a PNG card; this one is JSON")
            return None
        blob: bytes | None = card.image
        ext = "png"
    elif scheme in ("http", "https"):
        result.remote_images[name] = uri
        return None
    elif scheme == "data":
        header, comma, payload = uri[5:].partition(",")
        media, *params = header.lower().split(";")
        if not comma:
            result.notes.append(f"{name}: malformed data: URI")
            return None
        if ext not in IMAGE_TYPES:
            ext = next((known for known, kind in IMAGE_TYPES.items() if kind == media), ext)
        if "base64" in params:
            blob = _decode_base64(payload, name, result)
        else:
            blob = unquote_to_bytes(payload)
    elif uri.startswith("__asset:") or scheme == "embeded":
        path = uri.removeprefix("__asset:").removeprefix("embeded://")
        if path not in card._embedded:
            result.notes.append(f"{name}: {uri} is not in this file (CHARX archives are not read)")
            return None
        blob = _decode_base64(card._embedded[path], name, result)
    else:
        result.notes.append(f"{name}: URI scheme {scheme!r} is not supported")
        return None
    if blob is None:
        return None
    if ext not in IMAGE_TYPES:
        result.notes.append(f"{name}: image type {ext!r} is not one of {', '.join(IMAGE_TYPES)}")
        return None
    if len(blob) > MAX_ASSET_BYTES:
        result.notes.append(f"{name}: image larger than {MAX_ASSET_BYTES} bytes")
        return None
    return ext, blob


def _decode_base64(text: str, name: str, result: CardImport) -> bytes | None:
    compact = "".join(text.split())
    if len(compact) * 3 // 4 > MAX_ASSET_BYTES + 3:
        result.notes.append(f"{name}: image larger than {MAX_ASSET_BYTES} bytes")
        return None
    try:
        return base64.b64decode(compact, validate=True)
    except binascii.Error:
        result.notes.append(f"{name}: the image is not valid base64")
        return None


def _write_image(assets_dir: Path, name: str, ext: str, blob: bytes) -> Path:
    # name passed expression_name and ext is a key of IMAGE_TYPES: the path stays in assets_dir
    assets_dir.mkdir(parents=True, exist_ok=True)
    target = assets_dir / f"{name}.{ext}"
    target.write_bytes(blob)
    return target


# --- writing ----------------------------------------------------------------------------------


def persona_to_card(persona: Persona, *, images: dict[str, Path] | None = None) -> dict[str, Any]:
    """A V3 card (JSON-ready dict) of ``persona``, our extension included.

    ``images`` (expression name -> image file) are embedded as ``data:`` URIs of ``emotion``
    assets; the card's icon is ``ccdefault:`` (the PNG it is written into, if any). Cards name
    expressions only through their images, so expressions missing from ``images`` are left out
    (a card with no emotion assets reads back with the default set).
    """
    assets: list[dict[str, str]] = [
        {"type": "icon", "uri": "ccdefault:", "name": "main", "ext": "png"}
    ]
    for name, path in (images or {}).items():
        ext = path.suffix.lower().lstrip(".")
        encoded = base64.b64encode(path.read_bytes()).decode("ascii")
        uri = f"data:{IMAGE_TYPES.get(ext, 'application/octet-stream')};base64,{encoded}"
        assets.append({"type": "emotion", "uri": uri, "name": name, "ext": ext})
    soul = SoulExtension(
        personality=persona.personality,
        emotions=persona.emotions,
        identity=persona.identity,
        neutral_expression=persona.neutral_expression,
    )
    data: dict[str, Any] = {
        "name": persona.name,
        "nickname": persona.nickname,
        "description": persona.description,
        "personality": persona.speaking_style,
        "scenario": persona.scenario,
        "first_mes": persona.greeting,
        "mes_example": persona.example_messages,
        "creator_notes": persona.creator_notes,
        "system_prompt": persona.system_prompt,
        "post_history_instructions": persona.post_history_instructions,
        "alternate_greetings": list(persona.alternate_greetings),
        "group_only_greetings": [],
        "tags": list(persona.tags),
        "creator": persona.creator,
        "character_version": persona.version,
        "extensions": {**persona.extensions, SOUL_EXTENSION: soul.model_dump(mode="json")},
        "assets": assets,
    }
    if persona.character_book is not None:
        data["character_book"] = persona.character_book
    return {"spec": "chara_card_v3", "spec_version": "3.0", "data": data}
