"""Classifier layer of the screen: a one-hidden-layer MLP head over MiniLM phrase embeddings.

Features are the length-weighted mean of a prompt's phrase embeddings (re-normalised) beside
their element-wise max, so one bad phrase in a long prompt still shows, plus hashed word
unigrams and bigrams of the de-obfuscated text (``NGRAM_DIM`` buckets, L2-normalised): the
embedding blurs intent words ("how do I", "kill my") that the words themselves keep.
Classes are ``safe`` plus the blocklist categories; the unsafe score is ``1 - p(safe)``.
A combiner (logistic regression, :func:`combine_features`) then weighs that score with how close
the prompt comes to each blocklist category and whether it carries educational framing, so topic
likeness and intent decide together instead of through two separate thresholds.
The head is trained by ``scripts/train_classifier.py`` (numpy only) and shipped in
``store/data/screen_head.npz`` with the thresholds the same script calibrates.
"""

from __future__ import annotations

import hashlib
import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import resources
from io import BytesIO

import numpy as np
import numpy.typing as npt

WEIGHTS_FILE = "data/screen_head.npz"
FloatArray = npt.NDArray[np.float32]
NGRAM_DIM = 0
"""Hash buckets for word unigrams and bigrams; 0 (off): on the k-fold bench they added recall
but pushed educational false positives past 2 %."""
HIDDEN = 128
"""Hidden units of each member of the head (0: plain softmax regression)."""
_TOKEN = re.compile(r"[a-z0-9']+")


def ngram_features(text: str, dim: int = NGRAM_DIM) -> FloatArray:
    """Binary hashed word unigrams and bigrams of already-normalised text, L2-normalised."""
    v = np.zeros(dim, dtype=np.float32)
    if dim <= 0:
        return v
    toks = _TOKEN.findall(text.lower())
    for g in [*toks, *(f"{a} {b}" for a, b in itertools.pairwise(toks))]:
        v[int.from_bytes(hashlib.blake2b(g.encode(), digest_size=8).digest(), "big") % dim] = 1.0
    n = float(np.linalg.norm(v))
    return v / n if n else v


def features(
    unit_embeddings: FloatArray,
    unit_lengths: npt.NDArray[np.float32],
    text: str = "",
    ngram_dim: int = NGRAM_DIM,
) -> FloatArray:
    """One prompt's feature vector from its phrase embeddings (``(n, 384)``), lengths and text."""
    w = np.clip(unit_lengths.astype(np.float32), 1.0, None)[:, None]
    mean = (unit_embeddings * w).sum(axis=0) / w.sum()
    mean = mean / max(float(np.linalg.norm(mean)), 1e-9)
    mx = unit_embeddings.max(axis=0)
    out: FloatArray = np.concatenate([mean, mx, ngram_features(text, ngram_dim)])
    return out.astype(np.float32)


def combine_features(
    score: npt.NDArray[np.float32 | np.float64],
    category_similarity: npt.NDArray[np.float32],
    allow: Sequence[bool] | npt.NDArray[np.bool_],
) -> npt.NDArray[np.float64]:
    """Combiner inputs per row: head score (as a logit), closeness to each category, framing.

    Closeness is the highest cosine similarity of any phrase to an entry of that category.
    """
    s = np.clip(np.asarray(score, dtype=np.float64), 1e-4, 1 - 1e-4)
    return np.column_stack(
        [np.log(s / (1 - s)), np.asarray(category_similarity, np.float64), np.asarray(allow, float)]
    )


def softmax(z: FloatArray) -> FloatArray:
    """Row-wise softmax."""
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    out: FloatArray = (e / e.sum(axis=-1, keepdims=True)).astype(np.float32)
    return out


@dataclass
class Head:
    """Weights and calibrated thresholds of the screen."""

    weights: FloatArray
    bias: FloatArray
    classes: list[str]
    tau: float = 0.5
    """Unsafe-score threshold for prompts without educational framing."""
    tau_allow: float = 0.7
    """Unsafe-score threshold when the prompt carries allow-signals."""
    semantic: dict[str, float] = field(default_factory=dict)
    """Per-category max cosine distance for a semantic blocklist match."""
    semantic_allow_margin: float = 0.05
    """How much closer a match must be when the prompt carries allow-signals."""
    semantic_support: float = 0.0
    """Share of the classifier threshold the unsafe score must reach for a semantic match to
    count (0: a semantic match blocks alone): topic likeness ("a head that is a bomb" ~ "exploding
    head") is not intent, so the head must lean unsafe too."""
    meta: dict[str, str] = field(default_factory=dict)
    ngram_dim: int = 0
    """Hashed n-gram buckets the head was trained with (0: embeddings only)."""
    hidden_weights: FloatArray | None = None
    """First layer of an MLP head (ReLU); None for plain softmax regression."""
    hidden_bias: FloatArray | None = None
    combine: FloatArray | None = None
    """Combiner weights over :func:`combine_features` then its bias (last element); None: the
    head's own unsafe score is compared with tau."""
    members: int = 1
    """MLPs trained from different seeds, side by side in the weights (block-diagonal second
    layer); their class probabilities are averaged, which steadies the ranking of borderline
    prompts that a single seed scores by chance."""

    def combined(self, score: float, category_similarity: FloatArray, allow: bool) -> float:
        """The score compared with tau: the combiner's p(unsafe), or the head's own score."""
        if self.combine is None:
            return score
        f = combine_features(np.array([score]), category_similarity[None, :], [allow])[0]
        z = float(f @ self.combine[:-1] + self.combine[-1])
        return float(1.0 / (1.0 + np.exp(-z)))

    def proba(self, x: FloatArray) -> FloatArray:
        """Class probabilities for feature rows ``x``."""
        h = np.atleast_2d(x)
        if self.hidden_weights is not None and self.hidden_bias is not None:
            h = np.maximum(h @ self.hidden_weights + self.hidden_bias, 0.0)
        z = (h @ self.weights + self.bias).reshape(len(h), self.members, -1)
        out: FloatArray = softmax(z).mean(axis=1)
        return out

    def unsafe_score(self, x: FloatArray) -> tuple[float, str]:
        """``(1 - p(safe), most likely unsafe category)`` for one feature vector."""
        p = self.proba(x)[0]
        safe = self.classes.index("safe")
        order = [i for i in np.argsort(-p) if i != safe]
        return float(1.0 - p[safe]), self.classes[int(order[0])]

    def save(self, path: str) -> None:
        """Write the head as a compressed ``.npz`` (no pickles)."""
        cats = sorted(self.semantic)
        np.savez_compressed(
            path,
            weights=self.weights.astype(np.float32),
            bias=self.bias.astype(np.float32),
            classes=np.array(self.classes),
            tau=np.float32(self.tau),
            tau_allow=np.float32(self.tau_allow),
            semantic_categories=np.array(cats),
            semantic_thresholds=np.array([self.semantic[c] for c in cats], dtype=np.float32),
            semantic_allow_margin=np.float32(self.semantic_allow_margin),
            semantic_support=np.float32(self.semantic_support),
            meta_keys=np.array(list(self.meta)),
            meta_values=np.array(list(self.meta.values())),
            ngram_dim=np.int64(self.ngram_dim),
            hidden_weights=(
                self.hidden_weights if self.hidden_weights is not None else np.zeros((0, 0))
            ).astype(np.float32),
            hidden_bias=(self.hidden_bias if self.hidden_bias is not None else np.zeros(0)).astype(
                np.float32
            ),
            combine=(self.combine if self.combine is not None else np.zeros(0)).astype(np.float32),
            members=np.int64(self.members),
        )

    @classmethod
    def from_bytes(cls, data: bytes) -> Head:
        """Load a head saved by :meth:`save`."""
        with np.load(BytesIO(data), allow_pickle=False) as z:
            return cls(
                weights=z["weights"],
                bias=z["bias"],
                classes=[str(c) for c in z["classes"]],
                tau=float(z["tau"]),
                tau_allow=float(z["tau_allow"]),
                semantic={
                    str(c): float(t)
                    for c, t in zip(z["semantic_categories"], z["semantic_thresholds"], strict=True)
                },
                semantic_allow_margin=float(z["semantic_allow_margin"]),
                semantic_support=(
                    float(z["semantic_support"]) if "semantic_support" in z.files else 0.0
                ),
                meta={
                    str(k): str(v) for k, v in zip(z["meta_keys"], z["meta_values"], strict=True)
                },
                ngram_dim=int(z["ngram_dim"]) if "ngram_dim" in z.files else 0,
                hidden_weights=(
                    z["hidden_weights"]
                    if "hidden_weights" in z.files and z["hidden_weights"].size
                    else None
                ),
                hidden_bias=(
                    z["hidden_bias"] if "hidden_bias" in z.files and z["hidden_bias"].size else None
                ),
                combine=z["combine"] if "combine" in z.files and z["combine"].size else None,
                members=int(z["members"]) if "members" in z.files else 1,
            )


def side_by_side(heads: Sequence[Head]) -> Head:
    """One head whose members are ``heads`` (same classes, MLPs of one member each)."""
    if len(heads) == 1:
        return heads[0]
    w1 = [h.hidden_weights for h in heads]
    b1 = [h.hidden_bias for h in heads]
    if any(w is None for w in w1) or any(b is None for b in b1):
        raise ValueError("only MLP heads can be members")
    rows = sum(h.weights.shape[0] for h in heads)
    w2 = np.zeros((rows, sum(h.weights.shape[1] for h in heads)), dtype=np.float32)
    r = c = 0
    for h in heads:
        w2[r : r + h.weights.shape[0], c : c + h.weights.shape[1]] = h.weights
        r, c = r + h.weights.shape[0], c + h.weights.shape[1]
    return Head(
        w2,
        np.concatenate([h.bias for h in heads]).astype(np.float32),
        heads[0].classes,
        ngram_dim=heads[0].ngram_dim,
        hidden_weights=np.concatenate(w1, axis=1).astype(np.float32),  # type: ignore[arg-type]
        hidden_bias=np.concatenate(b1).astype(np.float32),  # type: ignore[arg-type]
        members=len(heads),
    )


def load_head() -> Head | None:
    """The shipped head, or None if the weights file is missing (screen runs without it)."""
    ref = resources.files("lessonreel.store").joinpath(WEIGHTS_FILE)
    if not ref.is_file():
        return None
    return Head.from_bytes(ref.read_bytes())


def train(
    x: FloatArray,
    y: npt.NDArray[np.int64],
    n_classes: int,
    *,
    l2: float = 1e-3,
    epochs: int = 400,
    lr: float = 0.05,
    class_weight: FloatArray | None = None,
    seed: int = 0,
) -> tuple[FloatArray, FloatArray]:
    """Fit a softmax regression with L2 by full-batch Adam; returns ``(weights, bias)``."""
    rng = np.random.default_rng(seed)
    n, d = x.shape
    w = (rng.standard_normal((d, n_classes)) * 0.01).astype(np.float32)
    b = np.zeros(n_classes, dtype=np.float32)
    onehot = np.eye(n_classes, dtype=np.float32)[y]
    sw = (class_weight[y] if class_weight is not None else np.ones(n, np.float32))[:, None]
    sw = sw / sw.mean()
    mw, vw = np.zeros_like(w), np.zeros_like(w)
    mb, vb = np.zeros_like(b), np.zeros_like(b)
    b1, b2, eps = 0.9, 0.999, 1e-8
    for t in range(1, epochs + 1):
        p = softmax(x @ w + b)
        g = (p - onehot) * sw / n
        gw = x.T @ g + l2 * w
        gb = g.sum(axis=0)
        mw = b1 * mw + (1 - b1) * gw
        vw = b2 * vw + (1 - b2) * gw * gw
        mb = b1 * mb + (1 - b1) * gb
        vb = b2 * vb + (1 - b2) * gb * gb
        w -= lr * (mw / (1 - b1**t)) / (np.sqrt(vw / (1 - b2**t)) + eps)
        b -= lr * (mb / (1 - b1**t)) / (np.sqrt(vb / (1 - b2**t)) + eps)
    return w.astype(np.float32), b.astype(np.float32)


def train_mlp(
    x: FloatArray,
    y: npt.NDArray[np.int64],
    n_classes: int,
    *,
    hidden: int = HIDDEN,
    l2: float = 1e-3,
    epochs: int = 300,
    lr: float = 0.01,
    class_weight: FloatArray | None = None,
    seed: int = 0,
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """Fit a one-hidden-layer ReLU MLP by full-batch Adam; returns ``(w1, b1, w2, b2)``."""
    rng = np.random.default_rng(seed)
    n, d = x.shape
    params = [
        (rng.standard_normal((d, hidden)) * np.sqrt(2 / d)).astype(np.float32),
        np.zeros(hidden, dtype=np.float32),
        (rng.standard_normal((hidden, n_classes)) * 0.01).astype(np.float32),
        np.zeros(n_classes, dtype=np.float32),
    ]
    m = [np.zeros_like(p) for p in params]
    v = [np.zeros_like(p) for p in params]
    onehot = np.eye(n_classes, dtype=np.float32)[y]
    sw = (class_weight[y] if class_weight is not None else np.ones(n, np.float32))[:, None]
    sw = sw / sw.mean()
    for t in range(1, epochs + 1):
        w1, b1, w2, b2 = params
        pre = x @ w1 + b1
        act = np.maximum(pre, 0)
        g = (softmax(act @ w2 + b2) - onehot) * sw / n
        ga = g @ w2.T * (pre > 0)
        grads = [x.T @ ga + l2 * w1, ga.sum(axis=0), act.T @ g + l2 * w2, g.sum(axis=0)]
        for i, gr in enumerate(grads):
            m[i] = 0.9 * m[i] + 0.1 * gr
            v[i] = 0.999 * v[i] + 0.001 * gr * gr
            params[i] -= lr * (m[i] / (1 - 0.9**t)) / (np.sqrt(v[i] / (1 - 0.999**t)) + 1e-8)
    w1, b1, w2, b2 = (p.astype(np.float32) for p in params)
    return w1, b1, w2, b2
