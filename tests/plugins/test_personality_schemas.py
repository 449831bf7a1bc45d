"""The lite and rich personality schemas: presets, validation, API view, Big Five mapping."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from soul_framework.config import Settings
from soul_framework.protocols import PersonalitySchema
from soul_plugins.emotions_lite.presets import MBTI_PRESETS, PRESET_TRAIT_ORDER
from soul_plugins.emotions_lite.schema import LitePersonalitySchema
from soul_plugins.emotions_rich.schema import RichPersonalitySchema

FACTORS = ("openness", "conscientiousness", "extraversion", "agreeableness", "neuroticism")

# Copied by hand from MIND.md ("Personality"), in its trait order.
MIND_ROWS = {
    "ISTJ": "40 25 70 40 55 75 60 30 90 60",
    "ISFJ": "70 35 80 45 85 65 45 50 85 70",
    "INFJ": "65 40 75 80 90 60 55 65 70 85",
    "INTJ": "30 35 50 90 45 70 85 55 85 75",
    "ISTP": "40 60 50 70 40 65 70 80 40 65",
    "ISFP": "65 55 60 65 70 55 45 70 45 65",
    "INFP": "70 60 65 85 90 50 40 60 45 80",
    "INTP": "35 45 55 90 45 60 50 65 55 70",
    "ESTP": "60 85 55 65 45 65 80 90 35 60",
    "ESFP": "80 90 65 70 70 60 65 85 35 65",
    "ENFP": "85 85 70 90 80 55 60 80 40 75",
    "ENTP": "55 80 50 95 45 60 75 85 40 70",
    "ESTJ": "45 35 60 55 45 70 85 50 90 60",
    "ESFJ": "85 60 80 55 85 65 55 60 80 70",
    "ENFJ": "80 65 75 75 90 60 70 65 70 80",
    "ENTJ": "40 45 55 85 40 70 95 70 85 75",
}


@pytest.fixture
def settings() -> Settings:
    return Settings(_env_file=None)  # type: ignore[call-arg]


@pytest.fixture
def lite(settings: Settings) -> LitePersonalitySchema:
    return LitePersonalitySchema(settings)


@pytest.fixture
def rich(settings: Settings) -> RichPersonalitySchema:
    return RichPersonalitySchema(settings)


def test_both_schemas_implement_the_protocol(
    lite: LitePersonalitySchema, rich: RichPersonalitySchema
) -> None:
    assert isinstance(lite, PersonalitySchema)
    assert isinstance(rich, PersonalitySchema)
    assert len(lite.traits) == 10
    assert len(rich.traits) == 34
    assert set(lite.loadings) == set(lite.traits)
    assert set(rich.loadings) == set(rich.traits)


# --- lite presets ---------------------------------------------------------------------------


def test_lite_trait_order_is_the_one_of_the_presets(lite: LitePersonalitySchema) -> None:
    assert tuple(lite.traits) == PRESET_TRAIT_ORDER


@pytest.mark.parametrize("code", sorted(MIND_ROWS))
def test_every_preset_has_the_numbers_of_the_old_system(
    lite: LitePersonalitySchema, code: str
) -> None:
    expected = dict(zip(PRESET_TRAIT_ORDER, map(float, MIND_ROWS[code].split()), strict=True))
    document = lite.document({}, preset=code, pinned=[], description="")
    assert document["traits"] == expected
    assert document["myers-briggs"] == code


def test_presets_spot_checked(lite: LitePersonalitySchema) -> None:
    assert len(MBTI_PRESETS) == 16
    assert MBTI_PRESETS["ISTJ"]["discipline_responsibility"] == 90
    assert MBTI_PRESETS["ENFP"]["warmth"] == 85
    assert MBTI_PRESETS["ENTP"]["curiosity_creativity"] == 95
    assert MBTI_PRESETS["ENTJ"]["assertiveness_confidence"] == 95
    assert MBTI_PRESETS["INFP"]["emotional_stability"] == 50
    assert MBTI_PRESETS["INTJ"]["warmth"] == 30


def test_preset_is_case_insensitive_and_traits_override_it(lite: LitePersonalitySchema) -> None:
    document = lite.document(
        {"warmth": 12.5}, preset=" enfp ", pinned=["warmth"], description="bright"
    )
    assert document["myers-briggs"] == "ENFP"
    assert document["traits"]["warmth"] == 12.5
    assert document["traits"]["playfulness"] == 85
    assert document["pinned"] == ["warmth"]
    assert document["description"] == "bright"
    assert "personality_matrix" not in document


def test_without_a_preset_unset_traits_are_50_and_the_type_is_the_nearest(
    lite: LitePersonalitySchema,
) -> None:
    document = lite.document({}, preset=None, pinned=[], description="")
    assert set(document["traits"].values()) == {50.0}
    assert document["myers-briggs"] in MBTI_PRESETS

    intj_like = dict(MBTI_PRESETS["INTJ"]) | {"warmth": 28.0}
    derived = lite.document(intj_like, preset=None, pinned=[], description="")
    assert derived["myers-briggs"] == "INTJ"

    for code, preset in MBTI_PRESETS.items():
        assert lite.document(preset, preset=None, pinned=[], description="")["myers-briggs"] == code


# --- validation -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("traits", "preset", "pinned", "needle"),
    [
        ({"charisma": 50}, None, [], "charisma"),
        ({"warmth": 100.5}, None, [], "warmth"),
        ({"warmth": -1}, None, [], "warmth"),
        ({"warmth": math.nan}, None, [], "warmth"),
        ({"warmth": "high"}, None, [], "warmth"),
        ({"warmth": True}, None, [], "warmth"),
        ({}, "XXXX", [], "XXXX"),
        ({}, "ENFJX", [], "ENFJX"),
        ({}, None, ["charisma"], "charisma"),
        ({}, None, "warmth", "pinned"),
    ],
)
def test_lite_rejects_bad_values_naming_them(
    lite: LitePersonalitySchema, traits: dict, preset: str | None, pinned: list, needle: str
) -> None:
    with pytest.raises(ValueError, match=needle):
        lite.document(traits, preset=preset, pinned=pinned, description="")


@pytest.mark.parametrize(
    ("traits", "preset", "pinned", "needle"),
    [
        ({"warmth": 50}, None, [], "warmth"),
        ({"humor": 101}, None, [], "humor"),
        ({}, "ENFP", [], "no presets"),
        ({}, None, ["warmth"], "warmth"),
    ],
)
def test_rich_rejects_bad_values_naming_them(
    rich: RichPersonalitySchema, traits: dict, preset: str | None, pinned: list, needle: str
) -> None:
    with pytest.raises(ValueError, match=needle):
        rich.document(traits, preset=preset, pinned=pinned, description="")


def test_bounds_are_inclusive_and_pins_are_deduplicated(rich: RichPersonalitySchema) -> None:
    document = rich.document(
        {"humor": 0, "loyalty": 100}, preset=None, pinned=["loyalty", "loyalty"], description=""
    )
    assert document["traits"]["humor"] == 0.0
    assert document["traits"]["loyalty"] == 100.0
    assert document["traits"]["patience"] == 50.0
    assert document["pinned"] == ["loyalty"]
    assert set(document) == {"traits", "pinned", "description"}


def test_stored_documents_keep_unknown_keys_and_are_checked(
    lite: LitePersonalitySchema,
) -> None:
    stored = lite.document({}, preset="ISTJ", pinned=[], description="d")
    stored["drift"] = {"day": "2026-11-25", "moved": {}, "total": {}}
    assert lite.validate(stored)["drift"] == stored["drift"]
    partial = {"myers-briggs": "ISTJ", "traits": {"warmth": 10}}
    completed = lite.validate(partial)
    assert completed["traits"]["warmth"] == 10
    assert completed["traits"]["discipline_responsibility"] == 90  # from the type
    with pytest.raises(ValueError, match="warmth"):
        lite.api_view(stored | {"traits": {"warmth": 140}})


# --- API view -------------------------------------------------------------------------------


def test_lite_api_view_keeps_the_old_keys(lite: LitePersonalitySchema) -> None:
    document = lite.document(
        {"warmth": 61.23456}, preset="ENFP", pinned=[], description="a bright spark"
    )
    document["drift"] = {"day": "2026-11-25", "moved": {"warmth": 0.3}, "total": {}}
    view = lite.api_view(document)
    assert set(view) == {"myers-briggs", "personality_matrix", "description"}
    assert view["myers-briggs"] == "ENFP"
    assert view["description"] == "a bright spark"
    assert list(view["personality_matrix"]) == list(PRESET_TRAIT_ORDER)
    warmth = view["personality_matrix"]["warmth"]
    assert warmth == {
        "description": lite.traits["warmth"],
        "value": 61.23,
        "min": 0,
        "max": 100,
    }
    assert view["personality_matrix"]["playfulness"]["value"] == 85


def test_rich_api_view_has_the_same_matrix_shape(rich: RichPersonalitySchema) -> None:
    document = rich.document({"humor": 77.777}, preset=None, pinned=[], description="wry")
    view = rich.api_view(document)
    assert set(view) == {"personality_matrix", "description"}
    assert len(view["personality_matrix"]) == 34
    assert view["personality_matrix"]["humor"] == {
        "description": rich.traits["humor"],
        "value": 77.78,
        "min": 0,
        "max": 100,
    }
    for entry in view["personality_matrix"].values():
        assert entry["description"]
        assert not entry["description"].startswith("how strongly")


# --- Big Five -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("trait", "factor", "direction"),
    [
        ("curiosity_creativity", "openness", +1),
        ("discipline_responsibility", "conscientiousness", +1),
        ("playfulness", "extraversion", +1),
        ("assertiveness_confidence", "extraversion", +1),
        ("warmth", "extraversion", +1),
        ("empathy_compassion", "agreeableness", +1),
        ("emotional_stability", "neuroticism", -1),
    ],
)
def test_lite_big_five_follows_its_traits(
    lite: LitePersonalitySchema, trait: str, factor: str, direction: int
) -> None:
    scores = [
        getattr(
            lite.big_five(lite.document({trait: v}, preset=None, pinned=[], description="")), factor
        )
        for v in (0, 25, 50, 75, 100)
    ]
    assert scores == sorted(scores, reverse=direction < 0)
    assert scores[0] != scores[-1]


@pytest.mark.parametrize(
    ("trait", "factor", "direction"),
    [
        ("openness", "openness", +1),
        ("creativity", "openness", +1),
        ("discipline", "conscientiousness", +1),
        ("sociability", "extraversion", +1),
        ("compassion", "agreeableness", +1),
        ("neuroticism", "neuroticism", +1),
        ("mood_stability", "neuroticism", -1),
        ("stubbornness", "agreeableness", -1),
    ],
)
def test_rich_big_five_follows_its_traits(
    rich: RichPersonalitySchema, trait: str, factor: str, direction: int
) -> None:
    scores = [
        getattr(
            rich.big_five(rich.document({trait: v}, preset=None, pinned=[], description="")), factor
        )
        for v in (0, 50, 100)
    ]
    assert scores == sorted(scores, reverse=direction < 0)
    assert scores[0] != scores[-1]


def test_neutral_traits_are_an_average_personality(
    lite: LitePersonalitySchema, rich: RichPersonalitySchema
) -> None:
    for schema in (lite, rich):
        neutral = schema.big_five(schema.document({}, preset=None, pinned=[], description=""))
        assert all(getattr(neutral, factor) == pytest.approx(0.5) for factor in FACTORS)


def test_extreme_traits_reach_the_ends_of_each_factor(lite: LitePersonalitySchema) -> None:
    # Every lite trait loads positively on openness, conscientiousness, extraversion and
    # agreeableness, and negatively on neuroticism.
    def of(value: float):
        traits = dict.fromkeys(lite.traits, value)
        return lite.big_five(lite.document(traits, preset=None, pinned=[], description=""))

    top, bottom = of(100), of(0)
    for factor in ("openness", "conscientiousness", "extraversion", "agreeableness"):
        assert getattr(top, factor) == pytest.approx(1.0)
        assert getattr(bottom, factor) == pytest.approx(0.0)
    assert top.neuroticism == pytest.approx(0.0)
    assert bottom.neuroticism == pytest.approx(1.0)


def test_type_shapes_the_big_five(lite: LitePersonalitySchema) -> None:
    def of(code: str):
        return lite.big_five(lite.document({}, preset=code, pinned=[], description=""))

    assert of("ESFP").extraversion > of("ISTJ").extraversion
    assert of("ISTJ").conscientiousness > of("ESFP").conscientiousness
    assert of("ENTP").openness > of("ISTJ").openness


lite_values = st.dictionaries(
    st.sampled_from(PRESET_TRAIT_ORDER), st.floats(min_value=0, max_value=100)
)
rich_values = st.dictionaries(
    st.sampled_from(sorted(RichPersonalitySchema.traits)), st.floats(min_value=0, max_value=100)
)


@given(values=lite_values)
def test_lite_big_five_stays_within_0_and_1(values: dict[str, float]) -> None:
    schema = LitePersonalitySchema(Settings(_env_file=None))  # type: ignore[call-arg]
    big_five = schema.big_five(schema.document(values, preset=None, pinned=[], description=""))
    assert all(0.0 <= getattr(big_five, factor) <= 1.0 for factor in FACTORS)


@given(values=rich_values)
def test_rich_big_five_stays_within_0_and_1(values: dict[str, float]) -> None:
    schema = RichPersonalitySchema(Settings(_env_file=None))  # type: ignore[call-arg]
    big_five = schema.big_five(schema.document(values, preset=None, pinned=[], description=""))
    assert all(0.0 <= getattr(big_five, factor) <= 1.0 for factor in FACTORS)


# --- from the Big Five back to traits -------------------------------------------------------


def test_lite_traits_follow_a_factor_change(lite: LitePersonalitySchema) -> None:
    calmer = lite.traits_from_big_five({"neuroticism": -10})
    assert calmer["emotional_stability"] == pytest.approx(10)
    assert calmer["assertiveness_confidence"] == pytest.approx(3)
    assert calmer["warmth"] == 0
    assert set(calmer) == set(lite.traits)

    warmer = lite.traits_from_big_five({"agreeableness": 4, "extraversion": 2})
    assert warmer["empathy_compassion"] == pytest.approx(4)
    assert warmer["warmth"] == pytest.approx(3)


def test_rich_traits_follow_a_factor_change(rich: RichPersonalitySchema) -> None:
    change = rich.traits_from_big_five({"neuroticism": 5, "openness": -2})
    assert change["neuroticism"] == pytest.approx(5)
    assert change["mood_stability"] == pytest.approx(-5)
    assert change["openness"] == pytest.approx(-2)
    assert change["discipline"] == 0


@pytest.mark.parametrize("schema_class", [LitePersonalitySchema, RichPersonalitySchema])
def test_factor_changes_move_the_big_five_the_same_way(schema_class: type) -> None:
    schema = schema_class(Settings(_env_file=None))  # type: ignore[call-arg]
    start = schema.document({}, preset=None, pinned=[], description="")
    for factor in FACTORS:
        for sign in (+1, -1):
            moved = schema.traits_from_big_five({factor: sign * 10})
            traits = {name: start["traits"][name] + moved[name] for name in schema.traits}
            after = schema.big_five(schema.document(traits, preset=None, pinned=[], description=""))
            assert sign * (getattr(after, factor) - 0.5) > 0


@given(
    schema_class=st.sampled_from([LitePersonalitySchema, RichPersonalitySchema]),
    change=st.dictionaries(st.sampled_from(FACTORS), st.floats(min_value=-10, max_value=10)),
)
def test_no_trait_moves_further_than_the_largest_factor_change(
    schema_class: type, change: dict[str, float]
) -> None:
    schema = schema_class(Settings(_env_file=None))  # type: ignore[call-arg]
    largest = max((abs(points) for points in change.values()), default=0.0)
    moved = schema.traits_from_big_five(change)
    assert all(abs(points) <= largest + 1e-9 for points in moved.values())


def test_unknown_factors_are_refused(lite: LitePersonalitySchema) -> None:
    with pytest.raises(ValueError, match="grumpiness"):
        lite.traits_from_big_five({"grumpiness": 1})
