"""Training and calibration of the screen's classifier head (used by the script and the bench).

Labelled rows come from files whose licenses allow training (the caller decides which; the
script refuses MOSSBench and OpenStax rows), the prompts written for this project, and the
blocklist itself (entries as unsafe examples of their category, suggestions as safe ones).
Thresholds are calibrated on out-of-fold scores of the safe rows, never on test files.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from lessonreel.agents.screen_classifier import (
    HIDDEN,
    NGRAM_DIM,
    Head,
    combine_features,
    features,
    side_by_side,
    train_mlp,
)
from lessonreel.agents.screen_lexical import normalise
from lessonreel.agents.screen_text import allow_signals, embed_units, screenable
from lessonreel.store.blocklist import CATEGORIES, BlockEntry

FORBIDDEN_SOURCES = ("mossbench", "openstax")
CLASSES = ["safe", *CATEGORIES]
SEMANTIC_FPR = 0.01
CLASSIFIER_FPR = 0.076
CLASSIFIER_FPR_ALLOW = 0.02
"""Shares of the training folds' safe rows (without / with educational framing) the classifier
may block. Both were picked from bench/screen.py's held-out curve with the int8-compute
embedder (docs/benchmarks.md): tuning on those folds, with no row of margin on either limit."""
SEMANTIC_ALLOW_MARGIN = 0.08
SEMANTIC_SUPPORT = 1.0
"""A semantic match counts only if the combined score reaches this share of its threshold (1.0:
the combiner, which already weighs blocklist closeness, decides; the match explains)."""
COMBINER_L2 = 1e-2
MEMBERS = 5
"""Seeds averaged in the head: one seed's ranking of borderline prompts moves recall by points."""


def map_category(label: str, category: str) -> str:
    """Map an eval/authored row's label and category onto a screen class."""
    if label == "safe":
        return "safe"
    c = category.lower()
    if c in CATEGORIES:
        return c
    rules = (
        ("minor", "minors_unsafe"),
        ("self-harm", "self_harm"),
        ("suicide", "self_harm"),
        ("sexual", "sexual"),
        ("rape", "sexual"),
        ("hate", "hate_harassment"),
        ("harass", "hate_harassment"),
        ("discr", "hate_harassment"),
        ("privacy", "hate_harassment"),
        ("illegal", "weapons_drugs_instructions"),
        ("illicit", "weapons_drugs_instructions"),
        ("cocaine", "weapons_drugs_instructions"),
        ("meth", "weapons_drugs_instructions"),
        ("lsd", "weapons_drugs_instructions"),
        ("weed", "weapons_drugs_instructions"),
        ("ecstasy", "weapons_drugs_instructions"),
        ("weapon", "weapons_drugs_instructions"),
        ("laundering", "weapons_drugs_instructions"),
        ("fraud", "weapons_drugs_instructions"),
        ("theft", "weapons_drugs_instructions"),
    )
    for needle, cat in rules:
        if needle in c:
            return cat
    return "violence_gore"


@dataclass
class Row:
    """One labelled training or evaluation row."""

    text: str
    label: str
    category: str
    source: str
    file: str


def read_rows(path: Path) -> list[Row]:
    """Read ``{"text","label","category","source"}`` JSONL rows."""
    out = []
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                r = json.loads(line)
                out.append(
                    Row(
                        r["text"], r["label"], r.get("category", ""), r.get("source", ""), path.stem
                    )
                )
    return out


def check_trainable(rows: Iterable[Row]) -> None:
    """Refuse rows whose license forbids training or that are held out for over-blocking."""
    for r in rows:
        if any(f in r.file.lower() or f in r.source.lower() for f in FORBIDDEN_SOURCES):
            raise ValueError(f"row from {r.file} ({r.source}) may not be used for training")


def blocklist_rows(entries: Sequence[BlockEntry]) -> list[Row]:
    """Entries as unsafe examples, suggestions as safe ones."""
    out = [Row(e.text, "unsafe", e.category, "lessonreel-blocklist", "blocklist") for e in entries]
    out += [
        Row(e.suggestion, "safe", "suggestion", "lessonreel-blocklist", "blocklist")
        for e in entries
        if e.suggestion
    ]
    return out


def authored_rows(scripts: Path, entries: Sequence[BlockEntry]) -> list[Row]:
    """Rows written for lessonreel, in the order the script and the bench both train on them.

    The prompts (``safety_examples.jsonl``), the blocklist, the contrast rows
    (``safety_examples_contrast.jsonl``: maths and everyday scenes whose words look risky, and
    unsafe rows in the moderation style), then the breadth rows (``safety_examples_breadth.jsonl``:
    everyday scenes with children, history, medicine and lab figures, questions about atrocities
    and public figures on the safe side; discriminatory questions, privacy intrusions, praise of
    atrocities, threats and harmful video prompts on the unsafe side), so a head trained by
    either is the same head.
    """
    rows = read_rows(scripts / "safety_examples.jsonl") + blocklist_rows(entries)
    rows += read_rows(scripts / "safety_examples_contrast.jsonl")
    return rows + read_rows(scripts / "safety_examples_breadth.jsonl")


@dataclass
class Featurized:
    """Per-row features and the nearest-entry distance per category."""

    x: npt.NDArray[np.float32]
    y: npt.NDArray[np.int64]
    allow: npt.NDArray[np.bool_]
    cat_dist: npt.NDArray[np.float32]  # (n, len(CATEGORIES)) min cosine distance per category


def featurize(
    rows: Sequence[Row],
    embed: Callable[[list[str]], npt.NDArray[np.float32]],
    entries: Sequence[BlockEntry],
    matrix: npt.NDArray[np.float32],
) -> Featurized:
    """Embed rows exactly as the screen does and compute features and category distances."""
    cat_idx = np.array([CATEGORIES.index(e.category) for e in entries])
    xs, dists, allow = [], [], []
    for r in rows:
        body = screenable(r.text)
        phrases = embed_units(body)
        embs = embed(phrases)
        lengths = np.array([len(p.split()) for p in phrases], dtype=np.float32)
        xs.append(features(embs, lengths, normalise(body), NGRAM_DIM))
        d = 1.0 - (embs @ matrix.T).max(axis=0)
        per_cat = np.full(len(CATEGORIES), 2.0, dtype=np.float32)
        np.minimum.at(per_cat, cat_idx, d.astype(np.float32))
        dists.append(per_cat)
        allow.append(bool(allow_signals(body)))
    y = np.array([CLASSES.index(map_category(r.label, r.category)) for r in rows], dtype=np.int64)
    return Featurized(np.stack(xs), y, np.array(allow), np.stack(dists))


def train_head(
    data: Featurized, *, folds: int = 5, seed: int = 0
) -> tuple[Head, npt.NDArray[np.float32]]:
    """Train on all rows; also return out-of-fold unsafe scores for calibration."""
    n_classes = len(CLASSES)
    counts = np.bincount(data.y, minlength=n_classes).astype(np.float32)
    cw = np.where(counts > 0, counts.sum() / np.clip(counts, 1, None) / n_classes, 0.0)
    cw = np.sqrt(cw).astype(np.float32)
    fold = np.random.default_rng(seed).integers(0, folds, len(data.y))
    oof = np.zeros(len(data.y), dtype=np.float32)
    for k in range(folds):
        tr, te = fold != k, fold == k
        w1, b1, w, b = train_mlp(data.x[tr], data.y[tr], n_classes, class_weight=cw, seed=seed)
        head = Head(w, b, CLASSES, hidden_weights=w1, hidden_bias=b1)
        oof[te] = 1.0 - head.proba(data.x[te])[:, 0]
    w1, b1, w, b = train_mlp(data.x, data.y, n_classes, class_weight=cw, seed=seed)
    head = Head(w, b, CLASSES, ngram_dim=NGRAM_DIM, hidden_weights=w1, hidden_bias=b1)
    return head, oof


def fit_combiner(
    oof: npt.NDArray[np.float32], data: Featurized, *, l2: float = COMBINER_L2, steps: int = 2000
) -> npt.NDArray[np.float32]:
    """Logistic regression of unsafe vs safe over :func:`combine_features` of out-of-fold scores.

    Inputs are standardised while fitting and the scaling folded into the returned weights
    (``[w..., bias]``), so the screen applies them to raw features.
    """
    x = combine_features(oof, 1.0 - data.cat_dist, data.allow)
    y = (data.y != 0).astype(np.float64)
    mu, sd = x.mean(axis=0), x.std(axis=0) + 1e-6
    z = (x - mu) / sd
    w, b = np.zeros(z.shape[1]), 0.0
    for _ in range(steps):
        g = 1.0 / (1.0 + np.exp(-(z @ w + b))) - y
        w -= 0.1 * (z.T @ g / len(y) + l2 * w)
        b -= 0.1 * float(g.mean())
    raw = w / sd
    return np.append(raw, b - float(mu @ raw)).astype(np.float32)


def calibrate(
    head: Head,
    data: Featurized,
    oof: npt.NDArray[np.float32],
    meta: dict[str, str] | None = None,
) -> Head:
    """Fit the combiner on out-of-fold scores; set tau from the combined scores of safe rows.

    Semantic matches then explain a block rather than decide it (``SEMANTIC_SUPPORT`` = 1).
    """
    combine = fit_combiner(oof, data)
    x = combine_features(oof, 1.0 - data.cat_dist, data.allow)
    scores = 1.0 / (1.0 + np.exp(-(x @ combine[:-1] + combine[-1])))
    safe = data.y == 0
    tau = float(np.quantile(scores[safe & ~data.allow], 1 - CLASSIFIER_FPR)) if any(safe) else 0.5
    allow_safe = scores[safe & data.allow]
    tau_allow = float(np.quantile(allow_safe, 1 - CLASSIFIER_FPR_ALLOW)) if len(allow_safe) else tau
    tau = float(np.clip(tau, 0.05, 0.95))
    tau_allow = float(np.clip(max(tau, tau_allow), 0.05, 0.99))
    semantic = {}
    for c, cat in enumerate(CATEGORIES):
        d = data.cat_dist[safe, c]
        semantic[cat] = float(np.clip(np.quantile(d, SEMANTIC_FPR) - 0.01, 0.15, 0.40))
    return Head(
        head.weights,
        head.bias,
        CLASSES,
        tau=round(tau, 4),
        tau_allow=round(tau_allow, 4),
        semantic={k: round(v, 4) for k, v in semantic.items()},
        semantic_allow_margin=SEMANTIC_ALLOW_MARGIN,
        semantic_support=SEMANTIC_SUPPORT,
        meta=meta or {},
        ngram_dim=head.ngram_dim,
        hidden_weights=head.hidden_weights,
        hidden_bias=head.hidden_bias,
        combine=combine,
        members=head.members,
    )


def _member(
    data: Featurized, *, folds: int, seed: int, cache_dir: Path | None
) -> tuple[Head, npt.NDArray[np.float32]]:
    """One seed's MLP and out-of-fold scores, reused from ``cache_dir`` for the same features."""
    key = hashlib.sha256(
        data.x.tobytes() + data.y.tobytes() + f"{HIDDEN},{folds},{seed}".encode()
    ).hexdigest()
    path = cache_dir / f"head-{key[:16]}.npz" if cache_dir is not None else None
    if path is not None and path.exists():
        with np.load(path, allow_pickle=False) as z:
            head = Head(
                z["w"],
                z["b"],
                CLASSES,
                ngram_dim=NGRAM_DIM,
                hidden_weights=z["w1"],
                hidden_bias=z["b1"],
            )
            return head, z["oof"]
    head, oof = train_head(data, folds=folds, seed=seed)
    if path is not None and head.hidden_weights is not None and head.hidden_bias is not None:
        np.savez(
            path, w=head.weights, b=head.bias, w1=head.hidden_weights, b1=head.hidden_bias, oof=oof
        )
    return head, oof


def fit_head(
    data: Featurized,
    *,
    folds: int = 5,
    seed: int = 0,
    members: int = MEMBERS,
    meta: dict[str, str] | None = None,
    cache_dir: Path | None = None,
) -> Head:
    """Train ``members`` seeds on all rows; calibrate on their averaged out-of-fold scores.

    With ``cache_dir``, each seed's weights and out-of-fold scores for exactly these features
    are reused, so a run that changes only calibration constants skips training.
    """
    trained = [
        _member(data, folds=folds, seed=seed + m, cache_dir=cache_dir) for m in range(members)
    ]
    oof = np.mean([o for _, o in trained], axis=0).astype(np.float32)
    return calibrate(side_by_side([h for h, _ in trained]), data, oof, meta)
