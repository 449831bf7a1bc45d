"""PNG text chunks (``tEXt``, ``zTXt``, ``iTXt``) and the Character Cards kept in them.

Character Cards carry their JSON in a PNG's text chunks, so importing one needs only the chunk
layer of PNG, never the pixels. Layout per the PNG specification (W3C, third edition): the
8-byte signature, then chunks of ``length (4 bytes, big-endian) | type (4) | data | CRC-32 of
type and data (4)``, ending with ``IEND`` (section 5.3); text chunks are described in section
11.3.3. Every chunk's CRC is checked, so a damaged file fails with a message that says where.
No image library is needed.
"""

from __future__ import annotations

import base64
import binascii
import json
import struct
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

MAX_CHUNK_BYTES = 2**31 - 1
"""The largest chunk length PNG allows (section 5.3: a length must fit in 31 bits)."""

MAX_TEXT_BYTES = 64 * 1024 * 1024
"""Largest text a compressed chunk may inflate to, in bytes.

Cards with embedded expression images reach a few megabytes of base64; 64 MiB leaves ample room
while keeping a small "zip bomb" chunk from exhausting memory.
"""

MAX_KEYWORD_BYTES = 79
"""PNG section 11.3.3: a keyword is 1 to 79 Latin-1 characters."""

TEXT_CHUNK_TYPES = (b"tEXt", b"zTXt", b"iTXt")


class PngError(ValueError):
    """The bytes are not a well-formed PNG, or one of its text chunks is malformed."""


@dataclass(frozen=True, slots=True)
class Chunk:
    kind: bytes
    """The four-letter chunk type, such as ``b"IHDR"`` or ``b"tEXt"``."""
    data: bytes
    offset: int
    """Where the chunk starts in the file, in bytes (for error messages)."""


@dataclass(frozen=True, slots=True)
class TextChunk:
    keyword: str
    text: str
    kind: str
    """``tEXt``, ``zTXt`` or ``iTXt``."""


def read_chunks(png: bytes) -> list[Chunk]:
    """All chunks up to and including ``IEND``; bytes after ``IEND`` are ignored.

    Raises :class:`PngError` for a missing signature, a truncated file, a bad chunk type or
    a CRC mismatch.
    """
    if not png.startswith(PNG_SIGNATURE):
        raise PngError("not a PNG file (the 8-byte PNG signature is missing)")
    chunks: list[Chunk] = []
    position = len(PNG_SIGNATURE)
    while True:
        if position + 8 > len(png):
            raise PngError(f"truncated PNG: the file ends at byte {len(png)} before its IEND chunk")
        length, kind = struct.unpack(">I4s", png[position : position + 8])
        if not kind.isalpha():
            raise PngError(f"corrupt PNG: invalid chunk type {kind!r} at byte {position}")
        name = kind.decode("ascii")
        if length > MAX_CHUNK_BYTES:
            raise PngError(f"corrupt PNG: the {name} chunk at byte {position} is too long")
        end = position + 12 + length
        if end > len(png):
            raise PngError(
                f"truncated PNG: the {name} chunk at byte {position} needs {length} bytes of "
                f"data but the file ends at byte {len(png)}"
            )
        data = png[position + 8 : position + 8 + length]
        (crc,) = struct.unpack(">I", png[end - 4 : end])
        if zlib.crc32(kind + data) != crc:
            raise PngError(
                f"corrupt PNG: CRC mismatch in the {name} chunk at byte {position} "
                "(the file was damaged or edited without updating the checksum)"
            )
        if not chunks and kind != b"IHDR":
            raise PngError(f"corrupt PNG: the first chunk is {name}, not IHDR")
        chunks.append(Chunk(kind, data, position))
        position = end
        if kind == b"IEND":
            return chunks


def read_text_chunks(png: bytes) -> list[TextChunk]:
    """Every ``tEXt``, ``zTXt`` and ``iTXt`` chunk of ``png``, decoded, in file order."""
    return [decode_text_chunk(c) for c in read_chunks(png) if c.kind in TEXT_CHUNK_TYPES]


def decode_text_chunk(chunk: Chunk) -> TextChunk:
    """The keyword and text of one text chunk (Latin-1 for tEXt/zTXt, UTF-8 for iTXt)."""
    kind = chunk.kind.decode("ascii")
    where = f"the {kind} chunk at byte {chunk.offset}"
    keyword_bytes, separator, rest = chunk.data.partition(b"\0")
    if not separator or not 1 <= len(keyword_bytes) <= MAX_KEYWORD_BYTES:
        raise PngError(f"malformed PNG text: {where} has no valid keyword")
    keyword = keyword_bytes.decode("latin-1")
    if chunk.kind == b"tEXt":
        return TextChunk(keyword, rest.decode("latin-1"), kind)
    if chunk.kind == b"zTXt":
        if rest[:1] != b"\0":
            raise PngError(f"malformed PNG text: {where} uses an unknown compression method")
        return TextChunk(keyword, _inflate(rest[1:], where).decode("latin-1"), kind)
    if chunk.kind == b"iTXt":
        if len(rest) < 2 or rest[0] not in (0, 1) or rest[1] != 0:
            raise PngError(f"malformed PNG text: {where} has a bad compression flag or method")
        compressed = rest[0] == 1
        _language, _, rest = rest[2:].partition(b"\0")
        _translated, separator, body = rest.partition(b"\0")
        if not separator:
            raise PngError(f"malformed PNG text: {where} is cut short")
        if compressed:
            body = _inflate(body, where)
        try:
            return TextChunk(keyword, body.decode("utf-8"), kind)
        except UnicodeDecodeError as error:
            raise PngError(f"malformed PNG text: {where} is not UTF-8 ({error})") from error
    raise PngError(f"{where} is not a text chunk")


def _inflate(data: bytes, where: str) -> bytes:
    inflater = zlib.decompressobj()
    try:
        text = inflater.decompress(data, MAX_TEXT_BYTES)
    except zlib.error as error:
        raise PngError(f"malformed PNG text: {where} does not decompress ({error})") from error
    if inflater.unconsumed_tail:
        raise PngError(f"{where} inflates to more than {MAX_TEXT_BYTES} bytes")
    if not inflater.eof:
        raise PngError(f"malformed PNG text: the compressed data of {where} is cut short")
    return text


# --- writing ----------------------------------------------------------------------------------


def make_chunk(kind: bytes, data: bytes) -> bytes:
    """One chunk, length and CRC included."""
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _keyword(keyword: str) -> bytes:
    try:
        encoded = keyword.encode("latin-1")
    except UnicodeEncodeError as error:
        raise ValueError(f"PNG keyword {keyword!r} must be Latin-1") from error
    if not 1 <= len(encoded) <= MAX_KEYWORD_BYTES or b"\0" in encoded:
        raise ValueError(f"PNG keyword {keyword!r} must be 1..79 characters without NUL")
    return encoded


def text_chunk(keyword: str, text: str) -> bytes:
    """A ``tEXt`` chunk (Latin-1 text; Character Cards store ASCII base64 in it)."""
    return make_chunk(b"tEXt", _keyword(keyword) + b"\0" + text.encode("latin-1"))


def ztxt_chunk(keyword: str, text: str) -> bytes:
    """A ``zTXt`` chunk: Latin-1 text, deflate-compressed."""
    return make_chunk(b"zTXt", _keyword(keyword) + b"\0\0" + zlib.compress(text.encode("latin-1")))


def itxt_chunk(keyword: str, text: str, *, compressed: bool = False, language: str = "") -> bytes:
    """An ``iTXt`` chunk: UTF-8 text, optionally deflate-compressed."""
    body = text.encode("utf-8")
    if compressed:
        body = zlib.compress(body)
    header = _keyword(keyword) + b"\0" + bytes([int(compressed), 0])
    return make_chunk(b"iTXt", header + language.encode("ascii") + b"\0\0" + body)


def insert_text_chunks(
    png: bytes, chunks: Iterable[bytes], *, replace: Iterable[str] = ()
) -> bytes:
    """``png`` with ``chunks`` added just before ``IEND``.

    Text chunks whose keyword is in ``replace`` are dropped first, so rewriting a card leaves
    one chunk per keyword. Bytes after ``IEND`` are not kept.
    """
    dropped = {_keyword(word) for word in replace}
    kept = []
    for chunk in read_chunks(png):
        if chunk.kind == b"IEND":
            break
        if chunk.kind in TEXT_CHUNK_TYPES and chunk.data.partition(b"\0")[0] in dropped:
            continue
        kept.append(make_chunk(chunk.kind, chunk.data))
    return PNG_SIGNATURE + b"".join(kept) + b"".join(chunks) + make_chunk(b"IEND", b"")


def minimal_png() -> bytes:
    """A valid 1x1 PNG: one grey pixel (8-bit greyscale), the smallest useful card image."""
    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)  # width, height, depth, grey, ...
    pixels = zlib.compress(b"\x00\x80")  # filter type 0, then one mid-grey sample
    return (
        PNG_SIGNATURE
        + make_chunk(b"IHDR", header)
        + make_chunk(b"IDAT", pixels)
        + make_chunk(b"IEND", b"")
    )


# --- Character Cards in PNG ---------------------------------------------------------------------

CARD_KEYWORDS = ("ccv3", "chara")
"""Text chunks holding a card as base64 JSON: V3's ``ccv3`` wins over V2's ``chara``."""

ASSET_CHUNK_PREFIX = "chara-ext-asset_:"
"""V3 PNG cards may carry asset bytes (base64) in chunks of this name, addressed ``__asset:``."""


@dataclass(frozen=True, slots=True)
class CardPayload:
    keyword: str
    """The chunk the card came from: ``ccv3`` or ``chara``."""
    card_json: bytes
    """The decoded JSON text (UTF-8) of the card."""
    assets: dict[str, str]
    """Asset path -> base64 text, from ``chara-ext-asset_:<path>`` chunks."""


def read_card_payload(png: bytes) -> CardPayload:
    """The card JSON inside ``png``; :class:`PngError` when there is none or it is not base64.

    When a keyword repeats, its first chunk counts.
    """
    texts: dict[str, str] = {}
    for chunk in read_text_chunks(png):
        texts.setdefault(chunk.keyword, chunk.text)
    keyword = next((word for word in CARD_KEYWORDS if word in texts), None)
    if keyword is None:
        raise PngError("a PNG without a character card in it (no 'ccv3' or 'chara' text chunk)")
    try:
        card_json = base64.b64decode("".join(texts[keyword].split()), validate=True)
    except binascii.Error as error:
        raise PngError(f"the '{keyword}' chunk is not valid base64 ({error})") from error
    assets = {
        word.removeprefix(ASSET_CHUNK_PREFIX): text
        for word, text in texts.items()
        if word.startswith(ASSET_CHUNK_PREFIX)
    }
    return CardPayload(keyword, card_json, assets)


def write_card_png(card_json: dict[str, Any], png_bytes: bytes | None = None) -> bytes:
    """``png_bytes`` (a 1x1 PNG when None) carrying ``card_json`` as base64 in a ``tEXt`` chunk.

    A V3 card goes into ``ccv3``, any other into ``chara``; an existing chunk of that name is
    replaced and the other kept, so writing a V2 card and then a V3 one gives a PNG with both.
    """
    keyword = "ccv3" if card_json.get("spec") == "chara_card_v3" else "chara"
    encoded = base64.b64encode(json.dumps(card_json, ensure_ascii=False).encode("utf-8"))
    chunk = text_chunk(keyword, encoded.decode("ascii"))
    return insert_text_chunks(png_bytes or minimal_png(), [chunk], replace=[keyword])
