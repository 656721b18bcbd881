"""The offline MiniLM embedder and its Chroma embedding function."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from lessonreel.store.embeddings import (
    EF_NAME,
    MAX_BATCH,
    MemoEmbedder,
    MiniLMEmbeddingFunction,
    length_groups,
    register_with_chroma,
    shared_embedder,
)


def test_embeddings_are_unit_vectors_of_384_dims() -> None:
    v = shared_embedder().embed(["The heart has four chambers.", "short", ""])
    assert v.shape == (3, 384)
    assert v.dtype == np.float32
    assert np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-4)


def test_similar_sentences_are_closer_than_unrelated_ones() -> None:
    a, b, c = shared_embedder().embed(
        [
            "A cat sleeps on the sofa.",
            "A kitten is napping on the couch.",
            "The stock market fell sharply today.",
        ]
    )
    assert float(a @ b) > float(a @ c) + 0.3


def test_batching_does_not_change_an_embedding() -> None:
    e = shared_embedder()
    alone = e.embed(["photosynthesis in a leaf"])[0]
    batched = e.embed(
        ["a much longer sentence about the water cycle and clouds", "photosynthesis in a leaf"]
    )[1]
    assert np.allclose(alone, batched, atol=1e-3)


def test_embedding_function_round_trips_its_config_and_registers_with_chroma() -> None:
    from chromadb.utils.embedding_functions import known_embedding_functions

    ef = MiniLMEmbeddingFunction()
    rebuilt = MiniLMEmbeddingFunction.build_from_config(ef.get_config())
    assert isinstance(rebuilt, MiniLMEmbeddingFunction)
    assert ef.name() == EF_NAME
    out = ef(["hello world"])
    assert len(out) == 1
    assert len(out[0]) == 384
    register_with_chroma()
    assert known_embedding_functions[EF_NAME] is MiniLMEmbeddingFunction


def test_a_mixed_batch_returns_each_text_its_own_embedding_in_order() -> None:
    e = shared_embedder()
    texts = [
        "a red fox",
        "the mitochondria is where the cell turns sugar and oxygen into energy it can use",
        "rain",
        "volcanoes erupt when magma rises",
        "a red fox",
    ]
    together = e.embed(texts)
    for i, t in enumerate(texts):
        assert np.allclose(together[i], e.embed([t])[0], atol=1e-4), t
    assert np.allclose(together[0], together[4], atol=1e-6)


def test_length_groups_cover_every_text_once_and_split_when_padding_costs_more() -> None:
    lengths = [10, 60, 11, 9, 58, 12]
    groups = length_groups(lengths, call_cost=10)
    assert sorted(k for g in groups for k in g) == list(range(len(lengths)))
    assert len(groups) == 2
    assert {frozenset(g) for g in groups} == {frozenset({0, 2, 3, 5}), frozenset({1, 4})}
    assert length_groups([12, 13, 14], call_cost=10) == [[0, 1, 2]]
    assert length_groups([]) == []
    many = length_groups([5 + k % 7 for k in range(1000)])
    assert sorted(k for g in many for k in g) == list(range(1000))
    assert max(len(g) for g in many) <= MAX_BATCH


class _Counting:
    """The real embedder, counting the texts it is asked to embed."""

    def __init__(self) -> None:
        self.texts: list[str] = []

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        self.texts.extend(texts)
        return shared_embedder().embed(texts)


def test_a_memo_embeds_each_text_once_and_returns_what_the_model_would() -> None:
    model = _Counting()
    memo = MemoEmbedder(model)
    first = memo.embed(["a leaf in sunlight", "water rises to the leaves", "a leaf in sunlight"])
    again = memo.embed(["water rises to the leaves", "carbon dioxide enters the stomata"])
    assert model.texts == [
        "a leaf in sunlight",
        "water rises to the leaves",
        "carbon dioxide enters the stomata",
    ]
    assert first.shape == (3, 384)
    assert again.shape == (2, 384)
    assert np.array_equal(first[0], first[2])
    assert np.array_equal(first[1], again[0])
    direct = shared_embedder().embed(["carbon dioxide enters the stomata"])[0]
    assert np.allclose(again[1], direct, atol=1e-3)


def test_a_memo_forgets_the_least_recently_used_text_beyond_its_size() -> None:
    model = _Counting()
    memo = MemoEmbedder(model, size=2)
    memo.embed(["one"])
    memo.embed(["two"])
    memo.embed(["one"])  # "two" is now the least recently used
    memo.embed(["three"])
    memo.embed(["one", "two"])
    assert model.texts == ["one", "two", "three", "two"]
