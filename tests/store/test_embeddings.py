"""The offline MiniLM embedder and its Chroma embedding function."""

from __future__ import annotations

import numpy as np

from lessonreel.store.embeddings import (
    EF_NAME,
    MiniLMEmbeddingFunction,
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
