"""The blocklist: shipped entries, the persistent Chroma collection, extension."""

from __future__ import annotations

from pathlib import Path

import pytest

from lessonreel.store.blocklist import (
    CATEGORIES,
    COLLECTION,
    BlockEntry,
    Blocklist,
    default_entries,
    load_entries_file,
    user_entry_id,
)
from lessonreel.store.embeddings import EF_NAME


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
