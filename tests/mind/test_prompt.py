"""Fitting sections and conversation turns into a token budget."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from soul_framework.domain.llm import ChatMessage
from soul_framework.domain.scope import PUBLIC, Scope, ScopedText, ScopeViolation, public
from soul_framework.mind.prompt import (
    ANSWER_CUE,
    REQUIRED,
    Section,
    assemble,
    estimate_tokens,
    fit_sections,
    fit_turns,
)

ALICE, BOB = Scope.user("alice"), Scope.user("bob")


def section(name: str, tokens: int, priority: int, scope: Scope = PUBLIC) -> Section:
    return Section(name, "x" * (tokens * 4), priority, scope)


def test_low_priority_sections_go_first_and_order_is_kept():
    sections = [
        section("persona", 50, REQUIRED),
        section("memories", 40, 500),
        section("feelings", 20, 900),
        section("thought", 30, 300),
    ]
    kept = fit_sections(sections, budget=110)
    assert [s.name for s in kept] == ["persona", "memories", "feelings"]
    assert [s.name for s in fit_sections(sections, budget=75)] == ["persona", "feelings"]


def test_required_sections_stay_even_over_budget_and_empty_ones_never_count():
    sections = [section("persona", 500, REQUIRED), Section("empty", "", 900, PUBLIC)]
    assert [s.name for s in fit_sections(sections, budget=10)] == ["persona"]


def test_a_smaller_section_of_lower_priority_can_still_fit():
    sections = [section("big", 80, 900), section("small", 10, 100)]
    assert [s.name for s in fit_sections(sections, budget=50)] == ["small"]


def turns(n: int, words: int = 10, scope: Scope = ALICE) -> list[ChatMessage]:
    return [
        ChatMessage("user", ScopedText(f"turn {i} " + "word " * words, scope)) for i in range(n)
    ]


def test_newest_turns_fit_and_the_last_always_stays():
    history = turns(50)
    kept = fit_turns(history, budget=100)
    assert kept[-1] == history[-1]
    assert kept == history[-len(kept) :]
    assert 1 < len(kept) < 50
    assert fit_turns(history, budget=0) == [history[-1]]


@given(
    sizes=st.lists(st.integers(0, 400), max_size=12),
    budget=st.integers(0, 2000),
)
def test_fitted_turns_never_exceed_the_budget_except_the_one_kept_turn(sizes, budget):
    history = [ChatMessage("user", "y" * n) for n in sizes]
    kept = fit_turns(history, budget)
    if len(kept) > 1:
        assert sum(estimate_tokens(t.content) + 4 for t in kept) <= budget


def test_assemble_puts_sections_in_one_system_message_and_instructions_last():
    messages = assemble(
        [Section("persona", "You are Ada.", REQUIRED, PUBLIC)],
        turns(3, words=1),
        budget=500,
        audience=ALICE,
        after_turns=public("Answer briefly."),
    ).messages
    assert messages[0] == ChatMessage("system", "You are Ada.")
    assert [m.role for m in messages] == ["system", "user", "user", "user", "system"]
    assert messages[-1].content == "Answer briefly."


def test_a_conversation_ending_with_the_agent_is_closed_by_a_user_turn():
    """Local model servers continue a last assistant turn instead of answering after it."""
    sections = [Section("task", "Reflect on the conversation.", REQUIRED, PUBLIC)]
    hi, hello = ScopedText("hi", ALICE), ScopedText("hello!", ALICE)
    ending_with_the_agent = [ChatMessage("user", hi), ChatMessage("assistant", hello)]
    messages = assemble(sections, ending_with_the_agent, budget=500, audience=ALICE).messages
    assert [m.role for m in messages] == ["system", "user", "assistant", "user"]
    assert messages[-1].content == ANSWER_CUE
    ending_with_the_user = [ChatMessage("assistant", hello), ChatMessage("user", hi)]
    prompt = assemble(sections, ending_with_the_user, budget=500, audience=ALICE)
    assert prompt.messages[-1].content == "hi"


def test_a_prompt_takes_the_scopes_of_what_it_kept():
    persona = section("persona", 10, REQUIRED)
    memories = section("memories", 400, 500, ALICE)
    assert assemble([persona], [], budget=500, audience=ALICE).scope == PUBLIC
    assert assemble([persona], turns(2), budget=500, audience=ALICE).scope == ALICE
    # A section the budget dropped is not in the prompt, so the answer is not made of it.
    assert assemble([persona, memories], [], budget=50, audience=ALICE).scope == PUBLIC
    assert assemble([persona, memories], [], budget=500, audience=ALICE).scope == ALICE


def test_a_section_or_turn_outside_the_audience_is_refused_before_anything_is_sent():
    bobs = section("memories", 5, 500, BOB)
    with pytest.raises(ScopeViolation, match="memories"):
        assemble([bobs], [], budget=500, audience=ALICE)
    with pytest.raises(ScopeViolation):  # a public prompt (thinking) takes nobody's words
        assemble([section("memories", 5, 500, ALICE)], [], budget=500, audience=PUBLIC)
    with pytest.raises(ScopeViolation):
        assemble([], turns(1, scope=BOB), budget=500, audience=ALICE)
    # Even when the budget would drop it: a misplaced section is a mistake, never sent.
    with pytest.raises(ScopeViolation):
        assemble([section("big", 900, 1, BOB)], [], budget=10, audience=ALICE)


def test_a_turn_or_closing_text_without_a_scope_is_refused():
    with pytest.raises(ScopeViolation):
        assemble([], [ChatMessage("user", "where from?")], budget=500, audience=ALICE)
    with pytest.raises(ScopeViolation):
        assemble([], turns(1), budget=500, audience=ALICE, after_turns="plain")
