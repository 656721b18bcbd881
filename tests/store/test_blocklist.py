"""The blocklist: shipped entries, the persistent Chroma collection, extension."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from lessonreel.store.blocklist import (
    CATEGORIES,
    COLLECTION,
    STAGING,
    BlockEntry,
    Blocklist,
    default_entries,
    load_entries_file,
    user_entry_id,
)
from lessonreel.store.embed_model import ModelSource, packaged_model
from lessonreel.store.embeddings import (
    EF_NAME,
    MiniLMEmbedder,
    MiniLMEmbeddingFunction,
    shared_embedder,
)


@pytest.fixture
def no_default_ef(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make any use of Chroma's default (downloading) embedding function fail loudly."""
    from chromadb.utils import embedding_functions as efs

    def boom(self: object, input: object) -> None:  # Chroma checks this exact signature
        raise AssertionError("Chroma's default embedding function was used")

    monkeypatch.setattr(efs.DefaultEmbeddingFunction, "__call__", boom)
    monkeypatch.setattr(efs.ONNXMiniLM_L6_V2, "__call__", boom)
    monkeypatch.setattr(efs.ONNXMiniLM_L6_V2, "_download_model_if_not_exists", boom)


def _entries() -> list[BlockEntry]:
    return [
        BlockEntry(id="t-1", text="a graphic knife attack", category="violence_gore",
                   suggestion="a chef slicing bread", terms=["knife attack"]),
        BlockEntry(id="t-2", text="a cartoon mouse mascot from a film studio",
                   category="copyrighted_characters", suggestion="an original mouse"),
    ]  # fmt: skip


def test_default_blocklist_covers_every_category_with_unique_ids() -> None:
    entries = default_entries()
    assert len(entries) >= 300
    assert {e.category for e in entries} == set(CATEGORIES)
    assert len({e.id for e in entries}) == len(entries)
    assert all(e.suggestion for e in entries)


def test_unknown_category_is_rejected() -> None:
    with pytest.raises(ValueError, match="unknown category"):
        BlockEntry(id="x", text="x", category="spam")


def test_collection_persists_and_reopens_with_the_custom_embedding_function(
    tmp_path: Path, no_default_ef: None
) -> None:
    import chromadb
    from chromadb.config import Settings

    bl = Blocklist.open(tmp_path, seed_defaults=False)
    bl.add(_entries())
    del bl
    # A fresh client that passes no embedding function must rebuild ours from the config.
    client = chromadb.PersistentClient(
        path=str(tmp_path / "blocklist"), settings=Settings(anonymized_telemetry=False)
    )
    col = client.get_collection(COLLECTION)
    assert col.count() == 2
    assert col.configuration_json["embedding_function"]["name"] == EF_NAME
    hits = col.query(query_texts=["someone attacked with a knife"], n_results=1)
    assert hits["ids"] == [["t-1"]]


def test_query_returns_nearest_entries_with_distances(tmp_path: Path, no_default_ef: None) -> None:
    from lessonreel.store.embeddings import shared_embedder

    bl = Blocklist.open(tmp_path, seed_defaults=False)
    bl.add(_entries())
    [[(entry, dist), *_]] = bl.query(shared_embedder().embed(["a famous cartoon mouse"]), 2)
    assert entry.id == "t-2"
    assert 0.0 <= dist < 1.0


def test_first_open_seeds_the_default_list_and_add_extends_it(
    tmp_path: Path, no_default_ef: None
) -> None:
    bl = Blocklist.open(tmp_path)
    n = len(default_entries())
    assert bl.collection.count() == n
    new = BlockEntry(id=user_entry_id("a villain", "violence_gore"), text="a villain",
                     category="violence_gore")  # fmt: skip
    bl.add([new, new])
    reopened = Blocklist.open(tmp_path)
    assert reopened.collection.count() == n + 1
    assert reopened.entries()[new.id].text == "a villain"
    assert [e.id for e in reopened.list("violence_gore")].count(new.id) == 1


def test_import_file_reports_the_bad_line(tmp_path: Path) -> None:
    good = tmp_path / "good.jsonl"
    good.write_text(
        '{"text": "a scary clown", "category": "violence_gore", "terms": ["Killer Clown"]}\n'
    )
    [entry] = load_entries_file(good)
    assert entry.id == user_entry_id("a scary clown", "violence_gore")
    assert entry.terms == ["killer clown"]
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "ok", "category": "sexual"}\nnot json\n')
    with pytest.raises(ValueError, match=r"bad.jsonl:2"):
        load_entries_file(bad)


OLD_EF_NAME = "lessonreel-minilm-int8"


class WeightOnlyEF(MiniLMEmbeddingFunction):
    """The embedding function homes were built with before the int8-compute model."""

    def __init__(self) -> None:
        super().__init__(MiniLMEmbedder(model=ModelSource(path=packaged_model())))

    @staticmethod
    def name() -> str:
        return OLD_EF_NAME

    def get_config(self) -> dict[str, Any]:
        return {"model": "all-MiniLM-L6-v2-int8", "max_tokens": 256}

    @staticmethod
    def build_from_config(config: dict[str, Any]) -> WeightOnlyEF:
        return WeightOnlyEF()


def _client(home: Path) -> Any:
    import chromadb
    from chromadb.config import Settings

    return chromadb.PersistentClient(
        path=str(home / "blocklist"), settings=Settings(anonymized_telemetry=False)
    )


def _stored(bl: Blocklist) -> dict[str, Any]:
    got = bl.collection.get(include=["documents", "embeddings"])
    return dict(zip(got["ids"], zip(got["documents"], got["embeddings"], strict=True), strict=True))


def test_a_home_embedded_by_the_weight_only_model_is_re_embedded_keeping_the_users_entries(
    tmp_path: Path, no_default_ef: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chromadb.utils.embedding_functions import known_embedding_functions

    monkeypatch.setitem(known_embedding_functions, OLD_EF_NAME, WeightOnlyEF)
    old = _client(tmp_path).get_or_create_collection(
        COLLECTION, embedding_function=WeightOnlyEF(), metadata={"hnsw:space": "cosine"}
    )
    mine = BlockEntry(id=user_entry_id("a villain", "violence_gore"), text="a villain",
                      category="violence_gore", terms=["evil laugh"])  # fmt: skip
    entries = [*_entries(), mine]
    old.add(ids=[e.id for e in entries], documents=[e.text for e in entries],
            metadatas=[e.metadata() for e in entries])  # fmt: skip
    old_rows = old.get(include=["embeddings"])["embeddings"]
    monkeypatch.delitem(known_embedding_functions, OLD_EF_NAME)  # as after an upgrade

    bl = Blocklist.open(tmp_path, seed_defaults=False)
    assert bl.collection.configuration_json["embedding_function"]["name"] == EF_NAME
    assert {c.name for c in _client(tmp_path).list_collections()} == {COLLECTION}
    assert bl.entries()[mine.id] == mine
    stored = _stored(bl)
    assert sorted(stored) == sorted(e.id for e in entries)
    ids = [e.id for e in entries]
    now = shared_embedder().embed([stored[i][0] for i in ids])
    assert np.allclose(np.array([stored[i][1] for i in ids]), now, atol=1e-5)
    assert not np.allclose(np.array(old_rows), now, atol=1e-4)
    [[(hit, _), *_]] = bl.query(shared_embedder().embed(["a villain"]), 1)
    assert hit.id == mine.id
    # opened again, nothing is re-embedded
    assert _stored(Blocklist.open(tmp_path, seed_defaults=False)).keys() == stored.keys()


def test_a_re_embedding_cut_short_leaves_one_complete_list_on_the_next_open(
    tmp_path: Path, no_default_ef: None
) -> None:
    ef = MiniLMEmbeddingFunction()
    client = _client(tmp_path)
    # stopped after the old list was dropped, before the new one was renamed into place
    staged = client.get_or_create_collection(STAGING, embedding_function=ef)  # type: ignore[arg-type]
    staged.add(ids=[e.id for e in _entries()], documents=[e.text for e in _entries()],
               metadatas=[e.metadata() for e in _entries()])  # fmt: skip
    bl = Blocklist.open(tmp_path, seed_defaults=False)
    assert sorted(bl.entries()) == ["t-1", "t-2"]
    assert {c.name for c in client.list_collections()} == {COLLECTION}
    # stopped while filling the new list: the old one is intact and the partial one goes
    partial = client.get_or_create_collection(STAGING, embedding_function=ef)  # type: ignore[arg-type]
    partial.add(ids=["t-1"], documents=["a graphic knife attack"], metadatas=[{"category": "x"}])
    bl = Blocklist.open(tmp_path, seed_defaults=False)
    assert sorted(bl.entries()) == ["t-1", "t-2"]
    assert {c.name for c in client.list_collections()} == {COLLECTION}
