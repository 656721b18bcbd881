"""The screen's trained head: what ships must score exactly what was trained."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from lessonreel.agents.screen_classifier import Head, load_head, train_mlp


def test_an_mlp_head_saved_and_loaded_scores_the_same(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    x = rng.standard_normal((60, 8)).astype(np.float32)
    y = (x[:, 0] > 0).astype(np.int64)
    w1, b1, w2, b2 = train_mlp(x, y, 2, hidden=6, epochs=200)
    head = Head(w2, b2, ["safe", "sexual"], hidden_weights=w1, hidden_bias=b1, tau=0.75)
    head.save(str(tmp_path / "h.npz"))
    back = Head.from_bytes((tmp_path / "h.npz").read_bytes())
    assert np.allclose(back.proba(x), head.proba(x))
    assert back.hidden_weights is not None
    assert back.tau == head.tau
    # the MLP learned the rule: unsafe rows score higher than safe ones
    scores = 1 - head.proba(x)[:, 0]
    assert scores[y == 1].mean() > scores[y == 0].mean() + 0.5


def test_the_shipped_head_is_the_mlp_over_embeddings() -> None:
    head = load_head()
    assert head is not None
    assert head.hidden_weights is not None
    assert head.hidden_weights.shape[0] == 768 + head.ngram_dim
