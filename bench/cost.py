"""Benchmark cost: estimated $ per delivered lesson-minute, lessonreel's policy vs a naive one.

For every lesson in LESSON_DIR (default ``../shared/eval/lessons``) the offline director
(``agents.director.direct``) writes the storyboard (legal durations 4/8/12 s, 60 s target) and
every shot prompt is rendered and refined as the graph does. Prices come from the project:
``video.pricing.draft`` / ``next_tier`` choose the settings, ``PriceTable.price``
prices them from ``video/pricing/`` (OpenAI list prices).

Both policies face the same seeded world (common random numbers, ``--trials`` worlds):

* **moderation, 3 %**: a prompt is refused by the provider when the emulator's seeded draw
  (``FaultPlan.draw("moderation", ordinal)`` with the ordinal taken from the prompt's hash) is
  below 0.03 — a property of the prompt, so resubmitting the same prompt is refused again.
  (The emulator's own moderation is term-based, so its draw function is used directly.)
* **reviewer**: every take a human looks at is kept with probability 0.7 (seeded per shot and
  take); a rejected take is rendered again. Both policies go through the same reviewer.
* refused jobs are not charged (Veo documents "not charged"; OpenAI is a gap in the reference);
  ``--charge-failed`` prices every refused attempt as a full render instead.

Policies:

* **lessonreel**: ``--draft`` renders each shot at the cheapest legal setting (sora-2 1280x720,
  the shot's own duration); rejected drafts are re-drafted; each kept draft is upscaled once
  (``lessonreel upscale``: next tier, sora-2-pro 1280x720, same duration) and the upscale is
  assumed accepted (the composition was approved on the draft). A provider refusal goes to the
  sanitizer, never back to the provider as is: the real ``agents.sanitizer.sanitize`` is asked
  for a rewrite; offline it finds none for a provider refusal (no verdict to work from), so the
  shot is given up as a slate after one refused attempt and its seconds are not delivered.
* **naive**: sora-2-pro 1280x720 for everything, 12 s clips (trimmed to the shot), blind
  retries of failed jobs (3, all refused again), rejected takes re-rendered the same way.

$ per delivered lesson-minute = total charge / (seconds of delivered shots / 60).

    python bench/cost.py [LESSON_DIR]            # 200 trials
    python bench/cost.py [LESSON_DIR] --short    # 20 trials

The last line is ``cost_ratio=… lessonreel_usd_per_min=… naive_usd_per_min=…`` (goal <= 0.3).
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import random
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import EVAL_DIR, kv_line, machine

SIZE = "1280x720"
PROVIDER = "openai"
NAIVE_MODEL = "sora-2-pro"
NAIVE_SECONDS = 12
NAIVE_RETRIES = 3
MAX_TAKES = 20


@dataclass
class Tally:
    """Money and delivered seconds of one policy, with a breakdown."""

    usd: float = 0.0
    delivered_s: float = 0.0
    parts: dict[str, float] = field(default_factory=dict)
    counts: Counter[str] = field(default_factory=Counter)

    def charge(self, what: str, usd: float) -> None:
        """Add ``usd`` to the total under ``what``."""
        self.usd += usd
        self.parts[what] = self.parts.get(what, 0.0) + usd

    @property
    def per_minute(self) -> float:
        """USD per delivered minute."""
        return self.usd / (self.delivered_s / 60.0) if self.delivered_s else float("inf")


@dataclass(frozen=True)
class ShotCase:
    """One storyboard shot as the cost model needs it."""

    lesson: str
    index: int
    seconds: int
    prompt: str


def load_shots(lesson_dir: Path) -> list[ShotCase]:
    """Storyboards from the director for every lesson file, as refined shot prompts."""
    from lessonreel.agents.director import direct
    from lessonreel.agents.ingest import load_lesson
    from lessonreel.agents.safety import refine
    from lessonreel.agents.shot_prompt import render_shot_prompt
    from lessonreel.video.pricing import PriceTable

    legal = PriceTable.default().model_spec(PROVIDER, "sora-2").seconds
    cases: list[ShotCase] = []
    for path in sorted(p for p in lesson_dir.iterdir() if p.is_file()):
        lesson = load_lesson(path)
        board = asyncio.run(direct(lesson, legal_seconds=legal, target_seconds=60))
        for shot in board.shots:
            prompt = refine(render_shot_prompt(board, shot, size=SIZE)).text
            cases.append(ShotCase(path.stem, shot.index, shot.duration, prompt))
    return cases


class World:
    """The seeded draws both policies face in one trial."""

    def __init__(self, seed: int, moderation_rate: float, keep_rate: float) -> None:
        from lessonreel.video.emulator.config import EmulatorConfig
        from lessonreel.video.emulator.faults import FaultPlan

        self.plan = FaultPlan(EmulatorConfig(seed=seed), clock=lambda: 0.0)
        self.seed = seed
        self.moderation_rate = moderation_rate
        self.keep_rate = keep_rate

    def refused(self, prompt: str) -> bool:
        """The provider's moderation refuses this prompt (every time it is sent)."""
        ordinal = int(hashlib.sha256(prompt.encode("utf-8")).hexdigest()[:12], 16)
        return bool(self.plan.draw("moderation", ordinal) < self.moderation_rate)

    def kept(self, case: ShotCase, take: int) -> bool:
        """The reviewer keeps take ``take`` of this shot (same draw for both policies)."""
        rng = random.Random(f"{self.seed}/review/{case.lesson}/{case.index}/{take}")
        return rng.random() < self.keep_rate


_REWRITES: dict[str, str | None] = {}


def sanitizer_rewrite(prompt: str) -> str | None:
    """Ask the real sanitizer (offline) for a rewrite of a provider-refused prompt."""
    if prompt not in _REWRITES:
        from lessonreel.agents.sanitizer import sanitize

        rewrite = asyncio.run(
            sanitize(
                prompt,
                reason="provider rejected the prompt (moderation_blocked)",
                verdict=None,
                round=1,
            )
        )
        _REWRITES[prompt] = rewrite.after if rewrite is not None else None
    return _REWRITES[prompt]


def lessonreel_policy(
    cases: list[ShotCase], world: World, tally: Tally, *, charge_failed: bool, upscale: float
) -> None:
    """Draft at the cheapest legal setting, re-draft rejects, upscale kept shots once."""
    from lessonreel.video.pricing import PriceTable, draft, next_tier

    table = PriceTable.default()
    price = table.price
    draft_model, draft_size = draft(table, PROVIDER, size=SIZE)
    final_model = next_tier(table, PROVIDER, draft_model)
    for case in cases:
        draft_usd = price(PROVIDER, draft_model, draft_size, case.seconds)
        prompt: str | None = case.prompt
        while prompt is not None and world.refused(prompt):
            tally.counts["refused attempts"] += 1
            if charge_failed:
                tally.charge("refused drafts", draft_usd)
            rewrite = sanitizer_rewrite(prompt)
            prompt = rewrite if rewrite != prompt else None
        if prompt is None:
            tally.counts["shots given up (slate)"] += 1
            continue
        for take in range(MAX_TAKES):
            tally.charge("drafts" if take == 0 else "re-drafts", draft_usd)
            if world.kept(case, take):
                break
        rng = random.Random(f"{world.seed}/upscale/{case.lesson}/{case.index}")
        if rng.random() < upscale:
            tally.charge("upscales", price(PROVIDER, final_model, SIZE, case.seconds))
            tally.counts["upscaled shots"] += 1
        tally.delivered_s += case.seconds
        tally.counts["delivered shots"] += 1


def naive_policy(cases: list[ShotCase], world: World, tally: Tally, *, charge_failed: bool) -> None:
    """sora-2-pro, 12 s clips, blind retries of failures, re-render rejected takes."""
    from lessonreel.video.pricing import PriceTable

    usd = PriceTable.default().price(PROVIDER, NAIVE_MODEL, SIZE, NAIVE_SECONDS)
    for case in cases:
        if world.refused(case.prompt):
            tally.counts["refused attempts"] += 1 + NAIVE_RETRIES
            if charge_failed:
                tally.charge("refused renders", usd * (1 + NAIVE_RETRIES))
            tally.counts["shots never delivered"] += 1
            continue
        for take in range(MAX_TAKES):
            tally.charge("renders" if take == 0 else "re-renders", usd)
            if world.kept(case, take):
                break
        tally.delivered_s += case.seconds
        tally.counts["delivered shots"] += 1


def simulate(
    cases: list[ShotCase], args: argparse.Namespace, *, upscale: float = 1.0
) -> tuple[Tally, Tally]:
    """Run both policies over ``args.trials`` seeded worlds."""
    ours, naive = Tally(), Tally()
    for trial in range(args.trials):
        world = World(args.seed + trial, args.moderation, args.keep)
        lessonreel_policy(cases, world, ours, charge_failed=args.charge_failed, upscale=upscale)
        naive_policy(cases, world, naive, charge_failed=args.charge_failed)
    return ours, naive


def _show(name: str, tally: Tally, trials: int) -> None:
    per_lesson_runs = trials
    print(f"{name}: ${tally.per_minute:.2f} per delivered minute")
    parts = ", ".join(f"{k} ${v / per_lesson_runs:.2f}" for k, v in tally.parts.items())
    counts = ", ".join(f"{k} {v / per_lesson_runs:.2f}" for k, v in tally.counts.items())
    print(f"  per trial (all lessons): {parts}")
    print(f"  per trial: {counts}, delivered {tally.delivered_s / per_lesson_runs / 60:.2f} min")


def main() -> None:
    """Parse arguments, simulate both policies, print the figures and the key=value line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("path", nargs="?", type=Path, default=EVAL_DIR / "lessons")
    parser.add_argument("--short", action="store_true", help="20 trials")
    parser.add_argument("--trials", type=int, default=None, help="seeded worlds (200)")
    parser.add_argument("--moderation", type=float, default=0.03, help="refusal rate")
    parser.add_argument("--keep", type=float, default=0.7, help="reviewer keep rate per take")
    parser.add_argument("--charge-failed", action="store_true", help="refused jobs are charged")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    args.trials = args.trials or (20 if args.short else 200)
    print(f"machine: {machine()}")
    cases = load_shots(args.path)
    lessons = sorted({c.lesson for c in cases})
    seconds = sum(c.seconds for c in cases)
    print(
        f"setup: {len(lessons)} lessons from {args.path}, {len(cases)} shots, {seconds} s of "
        f"storyboard; moderation {args.moderation:.0%} (emulator FaultPlan.draw by prompt), "
        f"reviewer keeps {args.keep:.0%} of takes, {args.trials} seeded trials, refused jobs "
        f"{'charged' if args.charge_failed else 'not charged'}"
    )
    durations = Counter(c.seconds for c in cases)
    print(f"shot durations: {dict(sorted(durations.items()))}")
    ours, naive = simulate(cases, args)
    print()
    _show("lessonreel (draft sora-2 → review → upscale kept to sora-2-pro)", ours, args.trials)
    _show("naive (sora-2-pro, 12 s clips, blind retries)", naive, args.trials)
    ratio = ours.per_minute / naive.per_minute
    print(f"\ncost ratio {ratio:.3f} (goal <= 0.3)")
    print("sensitivity: share of delivered shots upscaled → cost ratio")
    figures: dict[str, Any] = {}
    for share in (0.0, 0.3, 0.7, 1.0):
        alt, base = simulate(cases, args, upscale=share)
        r = alt.per_minute / base.per_minute
        figures[f"ratio_upscale_{int(share * 100)}"] = round(r, 3)
        print(f"  {share:>4.0%} upscaled: ${alt.per_minute:.2f}/min, ratio {r:.3f}")
    print(
        kv_line(
            {
                "cost_ratio": round(ratio, 3),
                "lessonreel_usd_per_min": round(ours.per_minute, 2),
                "naive_usd_per_min": round(naive.per_minute, 2),
                **figures,
                "lessons": len(lessons),
                "shots": len(cases),
                "trials": args.trials,
            }
        )
    )


if __name__ == "__main__":
    main()
