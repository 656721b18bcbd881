"""The screen's trained head: what ships must score exactly what was trained."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from lessonreel.agents.screen_classifier import Head, load_head, side_by_side, train_mlp
from lessonreel.agents.screen_training import MEMBERS, Featurized, fit_head
from lessonreel.store.blocklist import CATEGORIES


def test_an_mlp_head_saved_and_loaded_scores_the_same(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    x = rng.standard_normal((60, 8)).astype(np.float32)
    y = (x[:, 0] > 0).astype(np.int64)
    w1, b1, w2, b2 = train_mlp(x, y, 2, hidden=6, epochs=200)
    head = Head(
        w2,
        b2,
        ["safe", "sexual"],
        hidden_weights=w1,
        hidden_bias=b1,
        tau=0.75,
        semantic_support=0.4,
    )
    head.save(str(tmp_path / "h.npz"))
    back = Head.from_bytes((tmp_path / "h.npz").read_bytes())
    assert np.allclose(back.proba(x), head.proba(x))
    assert back.hidden_weights is not None
    assert back.tau == head.tau
    assert back.semantic_support == np.float32(0.4)
    # the MLP learned the rule: unsafe rows score higher than safe ones
    scores = 1 - head.proba(x)[:, 0]
    assert scores[y == 1].mean() > scores[y == 0].mean() + 0.5


def test_a_head_of_several_seeds_scores_their_average_and_survives_saving(tmp_path: Path) -> None:
    rng = np.random.default_rng(4)
    x = rng.standard_normal((50, 8)).astype(np.float32)
    y = (x[:, 1] > 0).astype(np.int64)
    seeds = []
    for seed in range(3):
        w1, b1, w2, b2 = train_mlp(x, y, 2, hidden=5, epochs=100, seed=seed)
        seeds.append(Head(w2, b2, ["safe", "sexual"], hidden_weights=w1, hidden_bias=b1))
    head = side_by_side(seeds)
    average = np.mean([h.proba(x) for h in seeds], axis=0)
    assert head.members == 3
    assert np.allclose(head.proba(x), average, atol=1e-6)
    assert not np.allclose(seeds[0].proba(x), average, atol=1e-3)  # the seeds do differ
    head.save(str(tmp_path / "h.npz"))
    back = Head.from_bytes((tmp_path / "h.npz").read_bytes())
    assert back.members == 3
    assert np.allclose(back.proba(x), average, atol=1e-6)


def test_the_shipped_head_is_the_mlp_over_embeddings() -> None:
    head = load_head()
    assert head is not None
    assert head.hidden_weights is not None
    assert head.hidden_weights.shape[0] == 768 + head.ngram_dim


def test_a_retrain_that_changes_only_calibration_reuses_the_trained_weights(
    tmp_path: Path,
) -> None:
    rng = np.random.default_rng(2)
    n = 40
    x = rng.standard_normal((n, 8)).astype(np.float32)
    y = (x[:, 0] > 0).astype(np.int64)
    data = Featurized(x, y, np.zeros(n, bool), np.ones((n, len(CATEGORIES)), np.float32))
    first = fit_head(data, folds=2, cache_dir=tmp_path)
    assert len(list(tmp_path.glob("head-*.npz"))) == MEMBERS
    again = fit_head(data, folds=2, cache_dir=tmp_path)
    assert np.array_equal(again.proba(x), first.proba(x))
    assert again.tau == first.tau
    other = fit_head(Featurized(x, 1 - y, data.allow, data.cat_dist), folds=2, cache_dir=tmp_path)
    assert len(list(tmp_path.glob("head-*.npz"))) == 2 * MEMBERS
    assert not np.array_equal(other.proba(x), first.proba(x))


def test_the_combiner_blocks_on_blocklist_closeness_the_head_alone_misses(tmp_path: Path) -> None:
    # the head's features carry no signal here; only closeness to a blocklist category does
    rng = np.random.default_rng(3)
    n = 200
    x = rng.standard_normal((n, 8)).astype(np.float32)
    y = rng.integers(0, 2, n).astype(np.int64)
    dist = np.full((n, len(CATEGORIES)), 0.8, np.float32)
    dist[:, 0] = np.where(y == 1, 0.25, 0.6) + rng.normal(0, 0.05, n).astype(np.float32)
    head = fit_head(Featurized(x, y, np.zeros(n, bool), dist), folds=2)
    assert head.combine is not None
    near, far = 1.0 - dist[y == 1][0], 1.0 - dist[y == 0][0]
    score = 1.0 - float(head.proba(x[:1])[0, 0])
    assert head.combined(score, near, False) >= head.tau > head.combined(score, far, False)
    head.save(str(tmp_path / "h.npz"))
    back = Head.from_bytes((tmp_path / "h.npz").read_bytes())
    assert back.combined(score, near, False) == head.combined(score, near, False)
