"""Streaming the reply's text out of JSON that is still being written."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from soul_framework.mind.streaming import FieldStreamer


def stream(document: str, cuts: list[int]) -> str:
    streamer = FieldStreamer("message")
    out = []
    previous = 0
    for cut in [*sorted(cuts), len(document)]:
        out.append(streamer.feed(document[previous:cut]))
        previous = cut
    return "".join(out)


def test_text_comes_out_as_it_is_written():
    streamer = FieldStreamer("message")
    assert streamer.feed('{"expression": "happy", "mess') == ""
    assert streamer.feed('age": "Hel') == "Hel"
    assert streamer.feed("lo, ") == "lo, "
    assert streamer.feed('world!", "other": "x"}') == "world!"
    assert streamer.feed("more") == ""


def test_escapes_split_across_pieces():
    streamer = FieldStreamer("message")
    pieces = ['{"message": "a\\', "nb \\u00", "e9 \\ud83d", '\\ude00 \\"q\\"', '"}']
    assert "".join(streamer.feed(p) for p in pieces) == 'a\nb \u00e9 \U0001f600 "q"'


@given(
    text=st.text(max_size=60),
    cuts=st.lists(st.integers(min_value=0, max_value=200), max_size=8),
)
def test_any_text_cut_anywhere_comes_out_whole(text, cuts):
    document = json.dumps({"expression": "happy", "message": text, "tail": [1, 2]})
    assert stream(document, [c for c in cuts if c <= len(document)]) == text
