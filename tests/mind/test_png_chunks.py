"""Reading and writing PNG text chunks, and the Character Card chunks among them."""

from __future__ import annotations

import base64
import json
import struct
import zlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from soul_framework.mind.png_chunks import (
    MAX_TEXT_BYTES,
    PNG_SIGNATURE,
    PngError,
    insert_text_chunks,
    itxt_chunk,
    make_chunk,
    minimal_png,
    read_card_payload,
    read_chunks,
    read_text_chunks,
    text_chunk,
    write_card_png,
    ztxt_chunk,
)


def test_minimal_png_is_a_valid_one_pixel_image():
    chunks = read_chunks(minimal_png())
    assert [chunk.kind for chunk in chunks] == [b"IHDR", b"IDAT", b"IEND"]
    width, height, depth, colour = struct.unpack(">IIBB", chunks[0].data[:10])
    assert (width, height, depth, colour) == (1, 1, 8, 0)
    assert zlib.decompress(chunks[1].data) == b"\x00\x80"  # filter byte + one grey sample


def test_text_chunks_of_all_three_kinds_are_read_in_order():
    png = insert_text_chunks(
        minimal_png(),
        [
            text_chunk("Title", "plain café"),
            ztxt_chunk("Comment", "squeezed " * 50),
            itxt_chunk("Author", "Ünïcödé ✓"),
            itxt_chunk("Story", "long ✓ " * 40, compressed=True, language="en"),
        ],
    )
    found = [(c.keyword, c.text, c.kind) for c in read_text_chunks(png)]
    assert found == [
        ("Title", "plain café", "tEXt"),
        ("Comment", "squeezed " * 50, "zTXt"),
        ("Author", "Ünïcödé ✓", "iTXt"),
        ("Story", "long ✓ " * 40, "iTXt"),
    ]


@given(
    keyword=st.text(st.characters(min_codepoint=32, max_codepoint=126), min_size=1, max_size=79),
    text=st.text(max_size=200),
)
def test_itxt_round_trips_any_text(keyword, text):
    for compressed in (False, True):
        png = insert_text_chunks(minimal_png(), [itxt_chunk(keyword, text, compressed=compressed)])
        (chunk,) = read_text_chunks(png)
        assert (chunk.keyword, chunk.text) == (keyword, text)


def test_text_goes_before_iend_and_replacing_leaves_one_chunk_per_keyword():
    png = insert_text_chunks(minimal_png(), [text_chunk("a", "1"), text_chunk("b", "2")])
    png = insert_text_chunks(png, [text_chunk("a", "3")], replace=["a"])
    kinds = [chunk.kind for chunk in read_chunks(png)]
    assert kinds[-1] == b"IEND"
    assert [(c.keyword, c.text) for c in read_text_chunks(png)] == [("b", "2"), ("a", "3")]


def test_a_bad_crc_is_reported_with_the_chunk_and_its_position():
    png = bytearray(insert_text_chunks(minimal_png(), [text_chunk("chara", "abc")]))
    where = png.index(b"tEXt")
    png[where + 6] ^= 0xFF  # flip a byte of the data, leaving the CRC as it was
    with pytest.raises(PngError, match=r"CRC mismatch in the tEXt chunk at byte \d+"):
        read_chunks(bytes(png))


def test_a_truncated_file_is_reported():
    png = insert_text_chunks(minimal_png(), [text_chunk("chara", "x" * 100)])
    with pytest.raises(PngError, match="truncated PNG"):
        read_chunks(png[:60])
    with pytest.raises(PngError, match="before its IEND"):
        read_chunks(png[:-12])  # IEND cut off entirely


def test_bytes_that_are_not_png_are_refused():
    with pytest.raises(PngError, match="signature"):
        read_chunks(b"GIF89a......")


def test_first_chunk_must_be_ihdr():
    png = PNG_SIGNATURE + make_chunk(b"tEXt", b"k\0v") + make_chunk(b"IEND", b"")
    with pytest.raises(PngError, match="not IHDR"):
        read_chunks(png)


def test_a_text_chunk_without_a_keyword_separator_is_malformed():
    png = insert_text_chunks(minimal_png(), [make_chunk(b"tEXt", b"no separator here")])
    with pytest.raises(PngError, match="no valid keyword"):
        read_text_chunks(png)


def test_corrupt_compressed_text_is_reported():
    png = insert_text_chunks(minimal_png(), [make_chunk(b"zTXt", b"k\0\0not deflate")])
    with pytest.raises(PngError, match="does not decompress"):
        read_text_chunks(png)


def test_a_compression_bomb_is_refused():
    bomb = zlib.compress(b"a" * (MAX_TEXT_BYTES + 1), 9)
    png = insert_text_chunks(minimal_png(), [make_chunk(b"zTXt", b"k\0\0" + bomb)])
    with pytest.raises(PngError, match="inflates to more than"):
        read_text_chunks(png)


def test_keywords_outside_the_png_rules_are_refused():
    with pytest.raises(ValueError, match=r"1\.\.79"):
        text_chunk("", "x")
    with pytest.raises(ValueError, match=r"1\.\.79"):
        text_chunk("k" * 80, "x")
    with pytest.raises(ValueError, match="Latin-1"):
        text_chunk("ключ", "x")


def test_a_card_written_into_a_png_reads_back():
    card = {"spec": "chara_card_v2", "spec_version": "2.0", "data": {"name": "Aïko ✓"}}
    payload = read_card_payload(write_card_png(card))
    assert payload.keyword == "chara"
    assert json.loads(payload.card_json) == card


def test_ccv3_wins_over_chara_and_rewriting_replaces_only_its_own_chunk():
    v2 = {"spec": "chara_card_v2", "data": {"name": "Old"}}
    v3 = {"spec": "chara_card_v3", "data": {"name": "New"}}
    png = write_card_png(v3, write_card_png(v2))
    assert read_card_payload(png).keyword == "ccv3"
    assert json.loads(read_card_payload(png).card_json)["data"]["name"] == "New"
    png = write_card_png({"spec": "chara_card_v3", "data": {"name": "Newer"}}, png)
    keywords = [chunk.keyword for chunk in read_text_chunks(png)]
    assert sorted(keywords) == ["ccv3", "chara"]
    assert json.loads(read_card_payload(png).card_json)["data"]["name"] == "Newer"


def test_a_card_in_a_ztxt_chunk_is_found():
    encoded = base64.b64encode(b'{"spec": "chara_card_v2", "data": {"name": "Z"}}').decode()
    png = insert_text_chunks(minimal_png(), [ztxt_chunk("chara", encoded)])
    assert json.loads(read_card_payload(png).card_json)["data"]["name"] == "Z"


def test_asset_chunks_are_collected_by_path():
    png = insert_text_chunks(
        write_card_png({"spec": "chara_card_v3", "data": {"name": "A"}}),
        [text_chunk("chara-ext-asset_:0", "aGk="), text_chunk("unrelated", "x")],
    )
    assert read_card_payload(png).assets == {"0": "aGk="}


def test_a_png_without_a_card_says_so():
    with pytest.raises(PngError, match="no 'ccv3' or 'chara'"):
        read_card_payload(insert_text_chunks(minimal_png(), [text_chunk("Title", "hi")]))


def test_bad_base64_in_the_card_chunk_is_reported():
    png = insert_text_chunks(minimal_png(), [text_chunk("ccv3", "not*base64!")])
    with pytest.raises(PngError, match="'ccv3' chunk is not valid base64"):
        read_card_payload(png)
