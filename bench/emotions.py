"""Emotion benchmark: what closed-form decay costs to read, and the writes it saves.

    python -m bench.emotions [--states 100000] [--repeat 3] [--appraisals 20000]

For each bundled model (lite: 7 emotions, rich: 27 and a PAD mood) it builds ``--states``
agent-user emotional states in memory: baselines from 1,000 random Big Five profiles (shared by
the states of one profile, as one agent's are), values uniform on 0..100, moods uniform on
-1..1, each stored at a random moment of the last 30 days. Then, in one process:

- read: ``model.current(state, now)`` over every state, timed with ``perf_counter``; the best of
  ``--repeat`` passes is printed (total ms and µs per state), then the same for 20,000 states
  all a minute old and all a year old, to show that the cost does not depend on elapsed time;
- writes: decay writes nothing (it is evaluated when a state is read). Beside it, what the
  replaced design would write at the same scale, on the stated assumption that a periodic loop
  wakes every EMOTIONAL_DECAY_RATE_SECONDS (default 1800 s) and writes one update per emotion of
  every state (and, more kindly, one write per state);
- appraise: ``model.appraise`` with three random emotion deltas on ``--appraisals`` states.

Pure Python on one core; no store is involved, so these are the model's own costs.
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import random
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta

from soul_framework.config import Settings
from soul_framework.domain.agent import EmotionalState
from soul_framework.domain.personality import BigFive
from soul_framework.protocols import EmotionModel
from soul_plugins.emotions_lite.model import LiteEmotionModel
from soul_plugins.emotions_rich.model import RichEmotionModel

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
PROFILES = 1000
AGE_SAMPLE = 20_000
THIRTY_DAYS = 30 * 86400.0


def build_states(
    model: EmotionModel, count: int, rng: random.Random, age_seconds: float | None = None
) -> list[EmotionalState]:
    """``count`` states with random values; their ages are uniform over 30 days, or all
    ``age_seconds`` when given."""
    rests = [
        model.initial_state(BigFive(*(rng.random() for _ in range(5))), {}, NOW)
        for _ in range(PROFILES)
    ]
    names = list(model.emotions)
    states = []
    for index in range(count):
        rest = rests[index % PROFILES]
        age = rng.uniform(0, THIRTY_DAYS) if age_seconds is None else age_seconds
        mood = {axis: rng.uniform(-1, 1) for axis in rest.mood}
        states.append(
            EmotionalState(
                values={name: rng.uniform(0, 100) for name in names},
                at=NOW - timedelta(seconds=age),
                baselines=rest.baselines,
                mood=mood,
            )
        )
    return states


def best_seconds(work: Callable[[], object], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        gc.collect()
        started = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - started)
    return best


def read_all(model: EmotionModel, states: Sequence[EmotionalState]) -> Callable[[], object]:
    current = model.current
    return lambda: [current(state, NOW) for state in states]


def bench_model(
    model: EmotionModel, settings: Settings, args: argparse.Namespace
) -> dict[str, object]:
    rng = random.Random(11)
    emotions = len(model.emotions)
    print(f"{model.name} ({emotions} emotions{', PAD mood' if model.name == 'rich' else ''}):")

    states = build_states(model, args.states, rng)
    seconds = best_seconds(read_all(model, states), args.repeat)
    per_state_us = seconds / len(states) * 1e6
    print(
        f"  read {len(states):,} states decayed to now: {seconds * 1000:,.0f} ms, "
        f"{per_state_us:.2f} µs per state (best of {args.repeat})"
    )
    del states

    ages = {}
    for label, age in (("a minute", 60.0), ("a year", 365 * 86400.0)):
        sample = build_states(model, AGE_SAMPLE, rng, age_seconds=age)
        ages[label] = best_seconds(read_all(model, sample), args.repeat) / AGE_SAMPLE * 1e6
    print(
        f"  per state, all {AGE_SAMPLE:,} a minute old: {ages['a minute']:.2f} µs; "
        f"all a year old: {ages['a year']:.2f} µs"
    )

    tick = settings.emotional_decay_rate_seconds
    ticks_per_hour = 3600 / tick
    per_emotion = args.states * emotions * ticks_per_hour
    per_state = args.states * ticks_per_hour
    print(
        f"  decay writes per hour: 0 here; a loop every {tick:.0f} s would write "
        f"{per_emotion:,.0f} (one per emotion per state), or {per_state:,.0f} "
        f"(one per state)"
    )

    sample = build_states(model, args.appraisals, rng)
    names = list(model.emotions)
    events = [
        {name: rng.uniform(-30, 30) for name in rng.sample(names, 3)} for _ in range(len(sample))
    ]
    appraise = model.appraise

    def appraise_all() -> object:
        return [
            appraise(state, deltas, confidence=0.8, now=NOW, reason="bench")
            for state, deltas in zip(sample, events, strict=True)
        ]

    appraise_us = best_seconds(appraise_all, args.repeat) / len(sample) * 1e6
    extra = ", mood shift" if model.name == "rich" else ""
    print(f"  appraise (decay, 3 deltas{extra}): {appraise_us:.2f} µs per event")
    return {
        "model": model.name,
        "states": args.states,
        "read_ms": round(seconds * 1000),
        "read_us_per_state": round(per_state_us, 2),
        "us_minute_old": round(ages["a minute"], 2),
        "us_year_old": round(ages["a year"], 2),
        "decay_writes_per_hour": 0,
        "loop_writes_per_hour": round(per_emotion),
        "appraise_us": round(appraise_us, 2),
    }


def main(argv: list[str] | None = None) -> list[dict[str, object]]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--states", type=int, default=100_000, help="agent-user states")
    parser.add_argument("--repeat", type=int, default=3, help="timed passes; the best is shown")
    parser.add_argument("--appraisals", type=int, default=20_000, help="appraisals timed")
    parser.add_argument("--model", choices=["lite", "rich", "all"], default="all")
    args = parser.parse_args(argv)
    print(
        f"machine: {platform.platform()}, {os.cpu_count()} cpus, Python {platform.python_version()}"
    )
    settings = Settings(_env_file=None)
    models: list[EmotionModel] = [LiteEmotionModel(settings), RichEmotionModel(settings)]
    results = [bench_model(m, settings, args) for m in models if args.model in ("all", m.name)]
    print()
    for figures in results:
        print(" | ".join(f"{k}={v}" for k, v in figures.items()))
    return results


if __name__ == "__main__":
    main()
