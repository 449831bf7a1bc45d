"""Personality drift: slow, bounded per event and per day, pins kept, change persisted."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from soul_framework.config import Settings
from soul_framework.mind.drift import drift
from soul_plugins.emotions_lite.schema import LitePersonalitySchema
from soul_plugins.emotions_rich.schema import RichPersonalitySchema

FACTORS = ("openness", "conscientiousness", "extraversion", "agreeableness", "neuroticism")
MORNING = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)

LITE = LitePersonalitySchema(Settings(_env_file=None))  # type: ignore[call-arg]
RICH = RichPersonalitySchema(Settings(_env_file=None))  # type: ignore[call-arg]

CALMING = {"neuroticism": -1.0}
"""A full push toward calm: emotional stability rises."""


def lite_document(**traits: float) -> dict[str, Any]:
    return LITE.document(traits, preset="ISFP", pinned=[], description="gentle")


def step(document: dict[str, Any], pressure: dict[str, float], now: datetime, **limits: float):
    bounds = {"rate": 100.0, "max_per_event": 0.5, "max_per_day": 2.0} | limits
    return drift(document, LITE, pressure, now=now, **bounds)


def test_a_push_moves_the_traits_that_load_on_it_and_no_others() -> None:
    before = lite_document()
    after = drift(before, LITE, CALMING, now=MORNING, rate=0.4, max_per_event=5, max_per_day=5)
    assert after["traits"]["emotional_stability"] == pytest.approx(55.4)
    assert after["traits"]["assertiveness_confidence"] == pytest.approx(45 + 0.3 * 0.4)
    assert after["traits"]["adaptability"] == pytest.approx(70 + 0.4 * 0.4)
    assert after["traits"]["warmth"] == before["traits"]["warmth"]
    assert (
        after["traits"]["discipline_responsibility"]
        == before["traits"]["discipline_responsibility"]
    )


def test_the_opposite_push_moves_the_other_way() -> None:
    after = step(lite_document(), {"neuroticism": 0.6}, MORNING)
    assert after["traits"]["emotional_stability"] < 55


def test_one_event_moves_a_trait_at_most_max_per_event() -> None:
    before = lite_document()
    after = step(before, dict.fromkeys(FACTORS, 1.0), MORNING, max_per_event=0.5)
    moves = {name: after["traits"][name] - before["traits"][name] for name in LITE.traits}
    assert max(abs(points) for points in moves.values()) == pytest.approx(0.5)
    assert all(abs(points) <= 0.5 + 1e-9 for points in moves.values())


def test_pressure_beyond_one_counts_as_one() -> None:
    strong = drift(
        lite_document(),
        LITE,
        {"neuroticism": -9},
        now=MORNING,
        rate=0.2,
        max_per_event=5,
        max_per_day=5,
    )
    full = drift(
        lite_document(), LITE, CALMING, now=MORNING, rate=0.2, max_per_event=5, max_per_day=5
    )
    assert strong["traits"] == full["traits"]


def test_many_events_in_one_day_stop_at_the_daily_cap_and_the_next_day_moves_again() -> None:
    document = lite_document()
    for minute in range(20):
        document = step(document, CALMING, MORNING + timedelta(minutes=minute))
    assert document["traits"]["emotional_stability"] == pytest.approx(57.0)
    assert document["drift"]["day"] == "2026-11-25"
    assert document["drift"]["moved"]["emotional_stability"] == pytest.approx(2.0)

    late_evening = MORNING.replace(hour=23, minute=59)
    assert step(document, CALMING, late_evening)["traits"] == document["traits"]

    next_day = step(document, CALMING, MORNING + timedelta(days=1))
    assert next_day["traits"]["emotional_stability"] == pytest.approx(57.5)
    assert next_day["drift"]["day"] == "2026-11-26"
    assert next_day["drift"]["moved"]["emotional_stability"] == pytest.approx(0.5)
    assert next_day["drift"]["total"]["emotional_stability"] == pytest.approx(2.5)


def test_moving_back_and_forth_spends_the_same_daily_allowance() -> None:
    document = lite_document()
    for minute in range(4):
        sign = 1 if minute % 2 == 0 else -1
        document = step(document, {"neuroticism": -sign}, MORNING + timedelta(minutes=minute))
    assert document["traits"]["emotional_stability"] == pytest.approx(55.0)
    assert step(document, CALMING, MORNING + timedelta(hours=1))["traits"] == document["traits"]


def test_the_day_is_the_utc_day() -> None:
    document = lite_document()
    eastern = timezone(timedelta(hours=10))
    for minute in range(10):
        document = step(document, CALMING, datetime(2026, 11, 26, 8, minute, tzinfo=eastern))
    assert document["drift"]["day"] == "2026-11-25"  # 08:00 at +10:00 is 22:00 UTC the day before
    assert document["traits"]["emotional_stability"] == pytest.approx(57.0)


def test_an_event_from_an_earlier_day_counts_against_the_ledgers_day() -> None:
    document = lite_document()
    for minute in range(10):
        document = step(document, CALMING, MORNING + timedelta(minutes=minute))
    earlier = step(document, CALMING, MORNING - timedelta(days=1))
    assert earlier["traits"] == document["traits"]
    assert earlier["drift"]["day"] == "2026-11-25"


def test_pinned_traits_never_move() -> None:
    document = LITE.document({}, preset="ISFP", pinned=["emotional_stability"], description="")
    for day in range(5):
        document = step(document, dict.fromkeys(FACTORS, -1.0), MORNING + timedelta(days=day))
    assert document["traits"]["emotional_stability"] == 55.0
    assert "emotional_stability" not in document["drift"]["total"]
    assert document["traits"]["warmth"] < 65.0  # the others did move


def test_values_saturate_at_the_bounds_and_the_ledger_records_what_really_moved() -> None:
    document = lite_document(emotional_stability=99.8)
    after = step(document, CALMING, MORNING)
    assert after["traits"]["emotional_stability"] == 100.0
    assert after["drift"]["moved"]["emotional_stability"] == pytest.approx(0.2)
    again = step(after, CALMING, MORNING + timedelta(minutes=1))
    assert again["traits"]["emotional_stability"] == 100.0
    assert again["drift"]["moved"]["emotional_stability"] == pytest.approx(0.2)


def test_small_changes_are_kept_in_floating_point() -> None:
    after = drift(
        lite_document(), LITE, CALMING, now=MORNING, rate=0.01, max_per_event=0.5, max_per_day=2
    )
    assert after["traits"]["emotional_stability"] == pytest.approx(55.01)


def test_drift_persists_in_the_document_and_the_input_is_left_alone() -> None:
    start = lite_document()
    original = copy.deepcopy(start)
    document = start
    for day in range(3):
        for hour in range(6):
            at = MORNING + timedelta(days=day, hours=hour)
            document = json.loads(
                json.dumps(step(document, {"neuroticism": -0.8, "openness": 0.5}, at))
            )
    assert start == original
    for name in LITE.traits:
        net = document["traits"][name] - start["traits"][name]
        assert document["drift"]["total"].get(name, 0.0) == pytest.approx(net)
    assert document["drift"]["total"]["emotional_stability"] == pytest.approx(6.0)


def test_the_result_is_still_a_valid_document_of_its_schema() -> None:
    for schema, document in (
        (LITE, lite_document()),
        (RICH, RICH.document({"neuroticism": 70}, preset=None, pinned=["loyalty"], description="")),
    ):
        after = drift(
            document, schema, CALMING, now=MORNING, rate=1, max_per_event=0.5, max_per_day=2
        )
        assert schema.validate(after)["traits"] == after["traits"]
        rebuilt = schema.document(
            after["traits"],
            preset=after.get("myers-briggs"),
            pinned=after["pinned"],
            description=after["description"],
        )
        assert rebuilt["traits"] == after["traits"]
        view = schema.api_view(after)
        assert "drift" not in view
        assert schema.big_five(after).neuroticism < schema.big_five(document).neuroticism


def test_rich_drift_moves_neuroticism_directly() -> None:
    document = RICH.document({}, preset=None, pinned=[], description="")
    after = drift(
        document,
        RICH,
        {"neuroticism": 1.0},
        now=MORNING,
        rate=0.3,
        max_per_event=0.5,
        max_per_day=2,
    )
    assert after["traits"]["neuroticism"] == pytest.approx(50.3)
    assert after["traits"]["mood_stability"] == pytest.approx(49.7)


def test_the_lite_type_is_kept_while_traits_drift() -> None:
    document = lite_document()
    for day in range(10):
        document = step(document, dict.fromkeys(FACTORS, 1.0), MORNING + timedelta(days=day))
    assert document["myers-briggs"] == "ISFP"


def test_defaults_come_from_the_settings() -> None:
    defaults = Settings(_env_file=None)  # type: ignore[call-arg]
    assert defaults.soul_drift_max_per_event == 0.5
    assert defaults.soul_drift_max_per_day == 2.0
    assert defaults.soul_drift_rate > 0
    off = Settings(_env_file=None, soul_drift_rate=0)  # type: ignore[call-arg]
    document = lite_document()
    after = drift(
        document,
        LITE,
        CALMING,
        now=MORNING,
        rate=off.soul_drift_rate,
        max_per_event=off.soul_drift_max_per_event,
        max_per_day=off.soul_drift_max_per_day,
    )
    assert after["traits"] == document["traits"]


@pytest.mark.parametrize(
    ("now", "limits", "pressure", "needle"),
    [
        (datetime(2026, 11, 25, 9), {}, CALMING, "timezone"),
        (MORNING, {"max_per_day": -1.0}, CALMING, "max_per_day"),
        (MORNING, {"max_per_event": float("nan")}, CALMING, "max_per_event"),
        (MORNING, {"rate": float("inf")}, CALMING, "rate"),
        (MORNING, {}, {"neuroticism": float("nan")}, "neuroticism"),
        (MORNING, {}, {"moodiness": 0.5}, "moodiness"),
    ],
)
def test_bad_arguments_are_refused(
    now: datetime, limits: dict[str, float], pressure: dict[str, float], needle: str
) -> None:
    with pytest.raises(ValueError, match=needle):
        step(lite_document(), pressure, now, **limits)


pressures = st.dictionaries(st.sampled_from(FACTORS), st.floats(min_value=-1.5, max_value=1.5))
events = st.lists(
    st.tuples(st.integers(min_value=0, max_value=4 * 24 * 60), pressures), min_size=1, max_size=40
)


@settings(max_examples=150, deadline=None)
@given(
    schema=st.sampled_from([LITE, RICH]),
    start=st.data(),
    pinned_count=st.integers(min_value=0, max_value=3),
    events=events,
    rate=st.floats(min_value=0, max_value=20),
    max_per_event=st.floats(min_value=0, max_value=3),
    max_per_day=st.floats(min_value=0, max_value=6),
)
def test_drift_stays_within_every_bound(
    schema: Any,
    start: st.DataObject,
    pinned_count: int,
    events: list[tuple[int, dict[str, float]]],
    rate: float,
    max_per_event: float,
    max_per_day: float,
) -> None:
    names = list(schema.traits)
    values = start.draw(
        st.lists(st.floats(min_value=0, max_value=100), min_size=len(names), max_size=len(names))
    )
    pinned = names[:pinned_count]
    document = schema.document(
        dict(zip(names, values, strict=True)), preset=None, pinned=pinned, description=""
    )
    initial = dict(document["traits"])
    moved_per_day: dict[tuple[str, str], float] = {}
    for minute, pressure in sorted(events, key=lambda event: event[0]):
        now = MORNING + timedelta(minutes=minute)
        before = document["traits"]
        document = drift(
            document,
            schema,
            pressure,
            now=now,
            rate=rate,
            max_per_event=max_per_event,
            max_per_day=max_per_day,
        )
        day = now.date().isoformat()
        for name in names:
            moved = abs(document["traits"][name] - before[name])
            assert moved <= max_per_event + 1e-9
            moved_per_day[(day, name)] = moved_per_day.get((day, name), 0.0) + moved
            assert 0.0 <= document["traits"][name] <= 100.0
    assert all(points <= max_per_day + 1e-9 for points in moved_per_day.values())
    for name in pinned:
        assert document["traits"][name] == initial[name]
    for name in names:
        assert document["drift"]["total"].get(name, 0.0) == pytest.approx(
            document["traits"][name] - initial[name], abs=1e-9
        )
    schema.validate(document)
