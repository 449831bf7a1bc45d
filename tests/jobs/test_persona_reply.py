"""The reply speaks as the persona, feels, and drifts: real API, worker, Redis and SQLite."""

from __future__ import annotations

import json
import time

import pytest

from tests.jobs.conftest import Client, reply_requests

pytestmark = pytest.mark.slow


def card_file(tmp_path) -> str:
    path = tmp_path / "mira.json"
    data = {
        "name": "Mira",
        "description": "{{char}} keeps the lighthouse on the point.",
        "personality": "calm and wry",
        "creator_notes": "NOTE-FOR-HUMANS-ONLY",
        "post_history_instructions": "Answer in at most two sentences.",
        "extensions": {"synthetic_soul": {"identity": "I am Mira of the lighthouse."}},
    }
    path.write_text(json.dumps({"spec": "chara_card_v2", "spec_version": "2.0", "data": data}))
    return str(path)


def test_a_card_persona_speaks_and_its_notes_stay_out_of_the_prompt(deployment, llm, tmp_path):
    llm.script({"message": "Welcome in.", "expression": "furious"})
    service = deployment(PERSONALITY=card_file(tmp_path))
    user = Client(service.base)
    done = user.wait(user.submit("hello?").json()["job_id"])
    assert done["status"] == "succeeded", service.log_tail()
    assert done["result"]["expression"] == "neutral"  # not one of the persona's faces
    prompt = reply_requests(llm)[-1].prompt
    assert "Mira keeps the lighthouse on the point." in prompt
    assert "I am Mira of the lighthouse." in prompt
    assert "Answer in at most two sentences." in prompt
    assert "NOTE-FOR-HUMANS-ONLY" not in prompt
    schema = reply_requests(llm)[-1].body["response_format"]["json_schema"]["schema"]
    assert "happy" in json.dumps(schema["properties"]["expression"])


def test_a_reply_moves_the_emotions_and_drifts_the_personality(deployment, llm):
    service = deployment()
    user = Client(service.base)
    before = user.http.get("/v1/agents/active", headers=user.headers).json()["agent"]
    llm.script({"message": "That is wonderful!", "expression": "happy", "emotions": {"joy": 20}})
    done = user.wait(user.submit("I got the job!").json()["job_id"])
    assert done["status"] == "succeeded", service.log_tail()
    after = user.http.get("/v1/agents/active", headers=user.headers).json()["agent"]
    joy = [a["emotional_status"]["emotions"]["joy"]["value"] for a in (before, after)]
    assert joy[1] > joy[0] + 3
    traits = [a["personality"]["personality_matrix"] for a in (before, after)]
    moved = {t: traits[1][t]["value"] - traits[0][t]["value"] for t in traits[0]}
    assert any(0 < abs(change) <= 0.5 for change in moved.values()), moved  # bounded per event
    assert moved["warmth"] == 0  # pinned by the persona
    history = user.http.get("/v1/agents/active/emotions/history", headers=user.headers).json()
    assert history["samples"][-2]["values"]["joy"] > joy[0]


def test_one_call_before_the_reply_and_one_after_it(deployment, llm):
    llm.script(
        {"perceived_purpose": "greet", "perceived_tone": "cheerful", "message": "Hello you!"},
        {"summary": "Friendly and brief.", "relationship": "acquaintance"},
    )
    service = deployment()
    user = Client(service.base)
    done = user.wait(user.submit("hi there").json()["job_id"])
    assert done["status"] == "succeeded", service.log_tail()
    deadline = time.monotonic() + 20
    while len(llm.chat_requests()) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    requests = llm.chat_requests()
    assert len(requests) == 2, service.log_tail()
    names = [r.body["response_format"]["json_schema"]["name"] for r in requests]
    assert names == ["ReplyOutput", "Reflection"]
    conversation = user.http.get("/v1/messages/conversation", headers=user.headers).json()
    mine = conversation["conversation"]["messages"][0]
    assert (mine["purpose"], mine["tone"]) == ("greet", "cheerful")
    time.sleep(0.5)
    assert len(llm.chat_requests()) == 2  # and no third
