"""Benchmark the offline director on real lessons, beside a naive baseline from the same run.

Usage: python bench/director.py [LESSON_DIR] [--legal 4,8,12] [--target 60]

Per lesson it prints the share of the lesson's key concepts (as ingest finds them) that appear
in the rendered shot prompts, the share of objectives served by a shot, and the number of
checklist violations; then the same for a naive director that cuts the lesson into equal
chunks. Goal: coverage >= 90 %, 0 violations. The narration gets four more figures: sentence
integrity (narrated sentences found whole in the source; goal 100 %), order inversions
(neighbouring sentences out of source order; goal 0), objective coverage (objectives whose
words the narration says: two of its content words, or all if it has fewer) and recap coverage
(objectives the recap restates, by the same rule). The target
length comes from the lesson unless ``--target`` is given. The last line is ``key=value``.
"""

from __future__ import annotations

import argparse
import itertools
import re
import statistics
from pathlib import Path

from lessonreel.agents.checks import max_words, objective_covered, storyboard_violations
from lessonreel.agents.director import direct_offline
from lessonreel.agents.director_offline import plan_durations
from lessonreel.agents.ingest import load_lesson
from lessonreel.agents.lexicon import GENERIC_WORDS, STOPWORDS
from lessonreel.agents.schemas import DialogueLine, Lesson, Shot, Storyboard, StyleBible
from lessonreel.agents.shot_prompt import render_shot_prompt
from lessonreel.agents.text import (
    lemma,
    lesson_sentences,
    mentions,
    shorten,
    split_sentences,
    words,
)

DEFAULT_DIR = Path(__file__).resolve().parents[1] / ".." / "shared" / "eval" / "lessons"


def naive_director(lesson: Lesson, *, legal_seconds: tuple[int, ...], target: int) -> Storyboard:
    """Baseline: equal chunks of the text, one static medium shot each, narration = chunk start."""
    durations = plan_durations(legal_seconds, target, 5)
    sentences = lesson_sentences(lesson.text) or [lesson.title]
    n = len(durations)
    size = max(1, len(sentences) // n)
    objectives = lesson.objectives or ["Understand the lesson"]
    shots, t = [], 0
    for i, dur in enumerate(durations):
        chunk = " ".join(sentences[i * size : (i + 1) * size]) or sentences[-1]
        topic = " ".join(chunk.split()[:8])
        shots.append(
            Shot(
                index=i,
                start=t,
                end=t + dur,
                duration=dur,
                framing="medium shot, eye level",
                camera_move="static",
                lens="35mm",
                lighting="soft classroom window light",
                palette=["white", "grey", "blue"],
                subject=f"a teacher at a desk illustrating: {topic}",
                setting="a classroom",
                action="the teacher explains the idea",
                beats=["the teacher explains the idea"] * max(1, dur // 4),
                dialogue=[DialogueLine(speaker="Teacher", line=shorten(chunk, max_words(dur)))],
                objective=objectives[i % len(objectives)],
            )
        )
        t += dur
    style = StyleBible(
        look="classroom video", palette=["white", "grey", "blue"], lens="35mm", lighting="window"
    )
    return Storyboard(
        lesson_id=lesson.id, title=lesson.title, style=style, shots=shots, target_seconds=target
    )


def objective_terms(lesson: Lesson) -> set[str]:
    """Content words of the objectives: a concept list independent of the concept extractor."""
    return {
        lemma(w)
        for o in lesson.objectives
        for w in words(o)
        if len(w) > 3 and w.lower() not in STOPWORDS and lemma(w) not in GENERIC_WORDS
    } - {"explain", "describe", "identify", "recognise", "understand", "define", "apply"}


def measure(
    board: Storyboard, lesson: Lesson, legal: tuple[int, ...], target: int
) -> tuple[float, float, int, float]:
    """Return concept coverage, objective coverage, violations and objective-term coverage."""
    text = " ".join(render_shot_prompt(board, s, size="1280x720").text for s in board.shots)
    terms = objective_terms(lesson)
    said = {lemma(w) for w in words(text)}
    term_cov = len(terms & said) / len(terms) if terms else 1.0
    concepts = lesson.key_concepts
    coverage = sum(mentions(text, c) for c in concepts) / len(concepts) if concepts else 1.0
    objectives = lesson.objectives
    covered = (
        sum(objective_covered(o, board) for o in objectives) / len(objectives)
        if objectives
        else 1.0
    )
    violations = storyboard_violations(
        board, legal_seconds=legal, lesson=lesson, target_seconds=target
    )
    return coverage, covered, len(violations), term_cov


_OBJECTIVE_VERBS = frozenset(
    {"explain", "describe", "identify", "recognise", "recognize", "understand", "define",
     "apply", "discuss", "analyze", "analyse", "compare", "calculate", "find", "perform",
     "justify", "argue", "know", "learn", "able", "students", "student", "will", "using"}
)  # fmt: skip
_INFERRED_WORDING = frozenset({"example", "model", "picture"})


def goal_words(objective: str) -> set[str]:
    """The words that say an objective: its content words, or only the term it quotes.

    Without the verb, function words or the wording ingest wraps an inferred objective in.
    Kept apart from the director's own notion so the figure does not move with it.
    """
    quoted = re.findall(r"[“\"]([^”\"]{2,60})[”\"]", objective)
    text = " ".join(quoted) if quoted else objective
    return {
        lemma(w)
        for w in words(text)
        if (len(w) > 3 or quoted)
        and w.lower() not in (STOPWORDS - {"mean"}) | _OBJECTIVE_VERBS | _INFERRED_WORDING
    }


def _norm(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", re.sub(r"\([^()]*\)", " ", text.lower())).strip()


def _spoken(shot: Shot) -> str:
    return shot.narration or " ".join(d.line for d in shot.dialogue)


def script_figures(board: Storyboard, lesson: Lesson) -> tuple[float, int, float, float]:
    """Sentence integrity, order inversions, objective coverage and recap coverage."""
    source = _norm(lesson.text)
    recap_at = next(
        (i for i, s in enumerate(board.shots) if s.narration.startswith("To sum up")),
        len(board.shots) - 1,
    )
    body = [x for s in board.shots[:recap_at] for x in split_sentences(_spoken(s))]
    recap = " ".join(_spoken(s) for s in board.shots[recap_at:])
    found = [source.find(_norm(x)) for x in body]
    whole = [f for f in found if f >= 0]
    integrity = len(whole) / len(body) if body else 0.0
    inversions = sum(1 for a, b in itertools.pairwise(whole) if b < a)
    goals = [goal_words(o) for o in lesson.objectives]
    spoken = " ".join(body)

    def says(text: str, goal: set[str]) -> bool:
        return bool(goal) and len(goal & {lemma(w) for w in words(text)}) >= min(2, len(goal))

    objective_cov = sum(says(spoken, g) for g in goals) / len(goals) if goals else 1.0
    recap_cov = sum(says(recap, g) for g in goals) / len(goals) if goals else 1.0
    return integrity, inversions, objective_cov, recap_cov


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", nargs="?", type=Path, default=DEFAULT_DIR)
    parser.add_argument("--legal", default="4,8,12", help="legal clip durations, comma separated")
    parser.add_argument(
        "--target", type=int, default=None, help="target length in seconds [from the lesson]"
    )
    args = parser.parse_args()
    legal = tuple(int(s) for s in args.legal.split(","))
    files = sorted(p for p in args.path.resolve().iterdir() if p.suffix in {".txt", ".md"})
    rows = []
    scripts = []
    print(
        f"{'lesson':36} {'shots':>5} {'total':>5} {'cover':>6} {'objs':>5} {'viol':>4} "
        f"{'oterm':>5} {'whole':>5} {'inv':>3} {'said':>4} {'recap':>5} | "
        f"{'b cover':>7} {'b objs':>6} {'b viol':>6} {'b oterm':>7} {'b whole':>7} {'b inv':>5}"
    )
    for path in files:
        lesson = load_lesson(path)
        board = direct_offline(lesson, legal_seconds=legal, target_seconds=args.target)
        target = board.target_seconds
        cov, objs, viol, terms = measure(board, lesson, legal, target)
        base = naive_director(lesson, legal_seconds=legal, target=target)
        bcov, bobjs, bviol, bterms = measure(base, lesson, legal, target)
        rows.append((cov, objs, viol, bcov, bobjs, bviol, terms, bterms))
        whole, inv, said, recap = script_figures(board, lesson)
        bwhole, binv, bsaid, brecap = script_figures(base, lesson)
        scripts.append((whole, inv, said, recap, bwhole, binv, bsaid, brecap))
        print(
            f"{path.stem[:36]:36} {len(board.shots):5d} {board.total_seconds:5d} {cov:6.0%} "
            f"{objs:5.0%} {viol:4d} {terms:5.0%} {whole:5.0%} {inv:3d} {said:4.0%} {recap:5.0%} | "
            f"{bcov:7.0%} {bobjs:6.0%} {bviol:6d} {bterms:7.0%} {bwhole:7.0%} {binv:5d}"
        )
    if not rows:
        raise SystemExit(f"no .txt/.md lessons in {args.path}")
    mean = [statistics.fmean(r[i] for r in rows) for i in range(8)]
    print(
        f"lessons={len(rows)} coverage={mean[0]:.3f} objectives_covered={mean[1]:.3f} "
        f"violations={sum(r[2] for r in rows)} baseline_coverage={mean[3]:.3f} "
        f"baseline_objectives_covered={mean[4]:.3f} baseline_violations={sum(r[5] for r in rows)} "
        f"min_coverage={min(r[0] for r in rows):.3f} objective_terms={mean[6]:.3f} "
        f"baseline_objective_terms={mean[7]:.3f} "
        f"sentence_integrity={statistics.fmean(r[0] for r in scripts):.3f} "
        f"order_inversions={sum(r[1] for r in scripts)} "
        f"narration_objective_coverage={statistics.fmean(r[2] for r in scripts):.3f} "
        f"recap_coverage={statistics.fmean(r[3] for r in scripts):.3f} "
        f"baseline_sentence_integrity={statistics.fmean(r[4] for r in scripts):.3f} "
        f"baseline_order_inversions={sum(r[5] for r in scripts)} "
        f"baseline_narration_objective_coverage={statistics.fmean(r[6] for r in scripts):.3f} "
        f"baseline_recap_coverage={statistics.fmean(r[7] for r in scripts):.3f}"
    )


if __name__ == "__main__":
    main()
