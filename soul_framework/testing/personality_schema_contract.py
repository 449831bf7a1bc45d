"""The contract every personality schema must pass, as a pytest class to subclass.

A personality schema plugin's tests provide one fixture, ``schema``, that returns the schema
built with default settings::

    from soul_framework.testing.personality_schema_contract import PersonalitySchemaContract

    class TestMySchema(PersonalitySchemaContract):
        @pytest.fixture
        def schema(self):
            return MySchema(Settings(_env_file=None))

Every test below then runs against it: document validation, the Big Five translation, the
API view and personality drift's way back from the Big Five to the traits. Needs pytest and
Hypothesis.
"""

from __future__ import annotations

import json
import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from soul_framework.domain.personality import BigFive
from soul_framework.protocols import PersonalitySchema

FACTORS = ("openness", "conscientiousness", "extraversion", "agreeableness", "neuroticism")
UNKNOWN = "no_such_trait"
UNKNOWN_PRESET = "no-such-preset"
NEUTRAL = 50.0

# The schema is pure, so reusing one across examples is safe; examples saved for one schema may
# be replayed against another (harmless: trait names are drawn from the schema under test).
examples = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.differing_executors],
)
trait_values = st.floats(min_value=0, max_value=100)


def document(schema: PersonalitySchema, traits: dict[str, float], **values: object) -> dict:
    fields: dict[str, object] = {"preset": None, "pinned": [], "description": ""}
    fields.update(values)
    return schema.document(traits, **fields)  # type: ignore[arg-type]


def some_traits(schema: PersonalitySchema, data: st.DataObject) -> dict[str, float]:
    return data.draw(st.dictionaries(st.sampled_from(sorted(schema.traits)), trait_values))


def factor(big_five: BigFive, name: str) -> float:
    return getattr(big_five, name)


class PersonalitySchemaContract:
    """Subclass and provide a ``schema`` fixture (the schema built with default settings)."""

    @pytest.fixture
    def schema(self) -> PersonalitySchema:  # pragma: no cover - replaced by subclasses
        raise NotImplementedError(
            "a PersonalitySchemaContract subclass must provide a 'schema' fixture"
        )

    # --- identity -----------------------------------------------------------------------------

    def test_it_implements_the_protocol(self, schema):
        assert isinstance(schema, PersonalitySchema)
        assert isinstance(schema.name, str)
        assert schema.name
        assert schema.description
        assert schema.traits
        assert all(isinstance(text, str) and text for text in schema.traits.values())
        assert UNKNOWN not in schema.traits

    # --- documents ----------------------------------------------------------------------------

    def test_traits_not_given_are_50(self, schema):
        built = document(schema, {})
        assert built["traits"] == dict.fromkeys(schema.traits, NEUTRAL)
        assert built["pinned"] == []
        assert built["description"] == ""

    @examples
    @given(data=st.data())
    def test_given_traits_are_kept_and_the_rest_are_50(self, schema, data):
        given_traits = some_traits(schema, data)
        pinned = sorted(given_traits)[:1]
        built = document(schema, given_traits, pinned=pinned, description="a steady friend")
        assert set(built["traits"]) == set(schema.traits)
        for name, value in built["traits"].items():
            assert value == given_traits.get(name, NEUTRAL)
        assert built["pinned"] == pinned
        assert built["description"] == "a steady friend"
        json.dumps(built)  # stored as is by every store

    def test_an_unknown_trait_is_refused_by_name(self, schema):
        with pytest.raises(ValueError, match=UNKNOWN):
            document(schema, {UNKNOWN: 50.0})

    def test_an_unknown_pinned_trait_is_refused_by_name(self, schema):
        with pytest.raises(ValueError, match=UNKNOWN):
            document(schema, {}, pinned=[UNKNOWN])

    def test_an_unknown_preset_is_refused(self, schema):
        with pytest.raises(ValueError, match=UNKNOWN_PRESET):
            document(schema, {}, preset=UNKNOWN_PRESET)

    @pytest.mark.parametrize("value", [-0.01, 100.01, -1e9, math.inf, math.nan])
    def test_values_outside_0_to_100_are_refused_by_name(self, schema, value):
        name = next(iter(schema.traits))
        with pytest.raises(ValueError, match=name):
            document(schema, {name: value})

    def test_the_bounds_are_inclusive(self, schema):
        names = list(schema.traits)
        traits = {names[0]: 0.0, names[-1]: 100.0}
        built = document(schema, traits)["traits"]
        assert (built[names[0]], built[names[-1]]) == (0.0, 100.0)

    # --- Big Five -----------------------------------------------------------------------------

    @examples
    @given(data=st.data())
    def test_big_five_is_within_0_and_1(self, schema, data):
        big_five = schema.big_five(document(schema, some_traits(schema, data)))
        assert isinstance(big_five, BigFive)
        assert all(0.0 <= factor(big_five, name) <= 1.0 for name in FACTORS)

    def test_extreme_traits_stay_within_0_and_1(self, schema):
        for value in (0.0, 100.0):
            big_five = schema.big_five(document(schema, dict.fromkeys(schema.traits, value)))
            assert all(0.0 <= factor(big_five, name) <= 1.0 for name in FACTORS)

    # --- API view -----------------------------------------------------------------------------

    @examples
    @given(data=st.data())
    def test_api_view_shows_every_trait_with_its_bounds(self, schema, data):
        built = document(schema, some_traits(schema, data), description="wry")
        view = schema.api_view(built)
        json.dumps(view)  # it is sent as JSON
        assert view["description"] == "wry"
        matrix = view["personality_matrix"]
        assert list(matrix) == list(schema.traits)
        for name, entry in matrix.items():
            assert set(entry) == {"description", "value", "min", "max"}
            assert entry["description"]
            assert (entry["min"], entry["max"]) == (0, 100)
            assert entry["value"] == pytest.approx(built["traits"][name], abs=0.01)

    def test_keys_the_core_adds_to_a_stored_document_are_tolerated(self, schema):
        # Personality drift keeps its ledger in the document, under "drift".
        built = document(schema, {next(iter(schema.traits)): 70.0}, description="d")
        stored = built | {"drift": {"day": "2026-01-01", "moved": {}, "total": {}}}
        assert schema.big_five(stored) == schema.big_five(built)
        assert (
            schema.api_view(stored)["personality_matrix"]
            == (schema.api_view(built)["personality_matrix"])
        )

    # --- from the Big Five back to the traits -------------------------------------------------

    @examples
    @given(change=st.dictionaries(st.sampled_from(FACTORS), st.floats(min_value=-10, max_value=10)))
    def test_a_factor_change_is_spread_over_known_traits(self, schema, change):
        spread = schema.traits_from_big_five(change)
        assert set(spread) <= set(schema.traits)
        assert all(math.isfinite(points) for points in spread.values())

    @examples
    @given(
        data=st.data(),
        name=st.sampled_from(FACTORS),
        sign=st.sampled_from([1.0, -1.0]),
        points=st.floats(min_value=0.5, max_value=20),
    )
    def test_a_push_on_a_factor_never_moves_it_the_other_way(
        self, schema, data, name, sign, points
    ):
        start = document(schema, some_traits(schema, data))
        spread = schema.traits_from_big_five({name: sign * points})
        traits = {
            trait: min(100.0, max(0.0, value + spread.get(trait, 0.0)))
            for trait, value in start["traits"].items()
        }
        before = factor(schema.big_five(start), name)
        after = factor(schema.big_five(document(schema, traits)), name)
        assert sign * (after - before) >= -1e-9

    def test_a_push_on_a_factor_moves_an_average_persona(self, schema):
        start = document(schema, {})
        before = schema.big_five(start)
        for name in FACTORS:
            spread = schema.traits_from_big_five({name: 10.0})
            if not any(spread.values()):
                continue  # the schema's traits say nothing about this factor
            traits = {t: v + spread.get(t, 0.0) for t, v in start["traits"].items()}
            after = schema.big_five(document(schema, traits))
            assert factor(after, name) > factor(before, name), name
