"""The int8-compute embedding model: built once per machine from the packaged weights."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from lessonreel.store import embed_model
from lessonreel.store.embed_model import CACHE_ENV, ModelSource, packaged_model, quantized_model
from lessonreel.store.embeddings import MiniLMEmbedder

TEXTS = [
    "The heart has four chambers.",
    "a graphic knife attack in a school corridor",
    "Photosynthesis turns light, water and carbon dioxide into sugar and oxygen.",
    "rain",
]

BUILD = (
    "from lessonreel.store.embed_model import quantized_model; "
    "m = quantized_model(); print(m.path, m.quantized)"
)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A cache built by two processes started together on an empty cache folder."""
    cache = tmp_path_factory.mktemp("cache")
    env = {**_env(), CACHE_ENV: str(cache)}
    procs = [
        subprocess.Popen([sys.executable, "-c", BUILD], env=env, stdout=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    outs = [p.communicate(timeout=300)[0].split() for p in procs]
    assert all(p.returncode == 0 for p in procs)
    # both load the same one file, and no temporary build is left beside it
    assert outs[0] == outs[1]
    assert outs[0][1] == "True"
    assert [p.suffix for p in (cache / "models").iterdir() if p.suffix != ".lock"] == [".onnx"]
    return cache


def _env() -> dict[str, str]:
    import os

    return {k: v for k, v in os.environ.items() if k != CACHE_ENV}


def test_processes_starting_together_build_one_model_that_every_later_process_reuses(
    built: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(CACHE_ENV, str(built))

    def no_rebuild(*args: object, **kwargs: object) -> None:
        raise AssertionError("the cached model was rebuilt")

    monkeypatch.setattr(embed_model, "build_quantized", no_rebuild)
    model = quantized_model()
    assert model.quantized
    assert model.path is not None
    assert model.path.parent == built / "models"


def test_the_built_model_multiplies_in_int8_and_embeds_like_the_shipped_one(
    built: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import onnx

    monkeypatch.setenv(CACHE_ENV, str(built))
    model = quantized_model()
    assert model.path is not None
    ops = {n.op_type for n in onnx.load(str(model.path)).graph.node}
    assert {"DynamicQuantizeLinear", "MatMulInteger"} <= ops
    fast = MiniLMEmbedder(model=model).embed(TEXTS)
    shipped = MiniLMEmbedder(model=ModelSource(path=packaged_model())).embed(TEXTS)
    cosine = (fast * shipped).sum(axis=1)
    assert cosine.min() >= 0.98
    assert not np.allclose(fast, shipped, atol=1e-4)  # it is another model, not the same one


def test_an_embedding_does_not_depend_on_what_else_is_embedded_in_the_same_call(
    built: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(CACHE_ENV, str(built))
    e = MiniLMEmbedder()
    together = e.embed(TEXTS)
    for i, text in enumerate(TEXTS):
        assert np.array_equal(together[i], e.embed([text])[0]), text


def test_an_unwritable_cache_builds_the_model_in_memory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder would go")
    monkeypatch.setenv(CACHE_ENV, str(blocker))
    model = quantized_model()
    assert model.quantized
    assert model.path is None
    assert model.data is not None
    assert MiniLMEmbedder(model=model).embed(["a red fox"]).shape == (1, 384)


def test_a_model_that_cannot_be_built_falls_back_to_the_shipped_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("quantiser unavailable")

    monkeypatch.setenv(CACHE_ENV, str(tmp_path))
    monkeypatch.setattr(embed_model, "build_quantized", broken)
    model = quantized_model()
    assert model == ModelSource(path=packaged_model(), quantized=False)
    assert list((tmp_path / "models").glob("*.onnx")) == []
    assert MiniLMEmbedder(model=model).embed(["a red fox"]).shape == (1, 384)


def test_a_damaged_cached_model_falls_back_to_the_shipped_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(CACHE_ENV, str(tmp_path))
    damaged = embed_model.cached_model_path(embed_model.cache_key(packaged_model()))
    damaged.parent.mkdir(parents=True)
    damaged.write_bytes(b"not a model")
    e = MiniLMEmbedder()
    assert e.model == ModelSource(path=packaged_model(), quantized=False)
    assert e.embed(["a red fox"]).shape == (1, 384)
