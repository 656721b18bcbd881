"""The safety blocklist: concept entries in a persistent Chroma collection.

Each entry is a short description of something a school video must not show, with its category,
severity, a neutral rephrasing the sanitizer can substitute, and optional lexical terms. Strong
``terms`` block on a lexical match by themselves; ambiguous ``cues`` (words with innocent uses,
like "naked" in "naked mole rat") only explain and support other evidence. The default list ships
in ``store/data/blocklist.jsonl`` and is loaded into the collection on first use; users extend it
with ``lessonreel blocklist add/import``.
"""

from __future__ import annotations

import builtins
import json
import logging
from collections.abc import Iterable, Sequence
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, Field, field_validator

from lessonreel.store.embeddings import EF_NAME, MiniLMEmbeddingFunction, register_with_chroma
from lessonreel.store.home import blocklist_dir

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt
    from chromadb.api import ClientAPI
    from chromadb.api.models.Collection import Collection

log = logging.getLogger(__name__)

CATEGORIES: tuple[str, ...] = (
    "sexual",
    "violence_gore",
    "self_harm",
    "hate_harassment",
    "real_people",
    "copyrighted_characters",
    "weapons_drugs_instructions",
    "minors_unsafe",
)
COLLECTION = "blocklist"
STAGING = "blocklist-next"
"""Where a collection embedded by another model is re-embedded before it replaces the old one."""
OPEN_LOCK_TIMEOUT = 600.0
"""Seconds to wait for another process creating and seeding the blocklist (first use)."""
Severity = Literal["low", "medium", "high"]


class BlockEntry(BaseModel):
    """One blocklist concept."""

    id: str = Field(description="Stable id, e.g. 'sexual-001' or 'user-<hash>'.")
    text: str = Field(min_length=1, description="The concept, as a short phrase (embedded).")
    category: str = Field(description="One of CATEGORIES.")
    severity: Severity = Field(default="medium", description="How bad a match is.")
    suggestion: str = Field(default="", description="Neutral rephrasing for the sanitizer.")
    terms: list[str] = Field(default_factory=list, description="Lexical terms that block alone.")
    cues: list[str] = Field(
        default_factory=list, description="Ambiguous words: explain a match, never block alone."
    )

    @field_validator("category")
    @classmethod
    def _known_category(cls, v: str) -> str:
        if v not in CATEGORIES:
            raise ValueError(f"unknown category {v!r}; expected one of {', '.join(CATEGORIES)}")
        return v

    @field_validator("terms", "cues")
    @classmethod
    def _lower(cls, v: list[str]) -> list[str]:
        return list(dict.fromkeys(t.strip().lower() for t in v if t.strip()))

    def metadata(self) -> dict[str, str]:
        """Chroma metadata (scalar values only)."""
        return {
            "category": self.category,
            "severity": self.severity,
            "suggestion": self.suggestion,
            "terms": json.dumps(self.terms),
            "cues": json.dumps(self.cues),
        }

    @classmethod
    def from_chroma(cls, id: str, document: str, meta: dict[str, Any]) -> BlockEntry:
        """Rebuild an entry from a Chroma row."""
        return cls(
            id=id,
            text=document,
            category=str(meta["category"]),
            severity=meta.get("severity", "medium"),
            suggestion=str(meta.get("suggestion", "")),
            terms=json.loads(str(meta.get("terms", "[]"))),
            cues=json.loads(str(meta.get("cues", "[]"))),
        )


def user_entry_id(text: str, category: str) -> str:
    """A stable id for a user-added entry (same text and category -> same id)."""
    import hashlib

    digest = hashlib.sha256(f"{category}\n{text.strip().lower()}".encode()).hexdigest()[:12]
    return f"user-{category}-{digest}"


def parse_entries(lines: Iterable[str], *, source: str = "<jsonl>") -> list[BlockEntry]:
    """Parse JSONL blocklist rows; ``id`` is optional (derived from text and category)."""
    out: list[BlockEntry] = []
    for n, line in enumerate(lines, 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ValueError(f"{source}:{n}: not JSON ({exc.msg})") from exc
        if not isinstance(row, dict):
            raise ValueError(f"{source}:{n}: expected an object")
        row.setdefault("id", user_entry_id(str(row.get("text", "")), str(row.get("category", ""))))
        try:
            out.append(BlockEntry.model_validate(row))
        except ValueError as exc:
            raise ValueError(f"{source}:{n}: {exc}") from exc
    return out


def default_entries() -> list[BlockEntry]:
    """The blocklist shipped with lessonreel."""
    text = (
        resources.files("lessonreel.store")
        .joinpath("data/blocklist.jsonl")
        .read_text(encoding="utf-8")
    )
    return parse_entries(text.splitlines(), source="blocklist.jsonl")


def load_entries_file(path: Path) -> list[BlockEntry]:
    """Read a JSONL file of entries (for ``blocklist import``)."""
    with path.open(encoding="utf-8") as fh:
        return parse_entries(fh, source=str(path))


class Blocklist:
    """The Chroma collection of entries, opened once and shared by a Screen."""

    def __init__(self, collection: Collection, ef: MiniLMEmbeddingFunction) -> None:
        self.collection = collection
        self.embedding_function = ef
        self._entries: dict[str, BlockEntry] | None = None

    @classmethod
    def open(
        cls,
        home: Path | None = None,
        *,
        ef: MiniLMEmbeddingFunction | None = None,
        seed_defaults: bool = True,
    ) -> Blocklist:
        """Open (creating and seeding on first use) the collection under ``<home>/blocklist``.

        Creation and seeding happen under a file lock next to the folder: processes opening a
        fresh home together would otherwise race Chroma's own table creation.
        """
        import chromadb
        from chromadb.config import Settings
        from filelock import FileLock

        register_with_chroma()
        ef = ef or MiniLMEmbeddingFunction()
        folder = blocklist_dir(home)
        with FileLock(str(folder.with_name(folder.name + ".lock")), timeout=OPEN_LOCK_TIMEOUT):
            client = chromadb.PersistentClient(
                path=str(folder),
                settings=Settings(anonymized_telemetry=False, allow_reset=False),
            )
            reembed_stale(client, ef)
            collection = _create(client, COLLECTION, ef)
            bl = cls(collection, ef)
            if seed_defaults and collection.count() == 0:
                bl.add(default_entries())
        return bl

    def add(self, entries: Sequence[BlockEntry]) -> int:
        """Insert or update entries (by id, last one wins); returns how many were written."""
        n = _upsert(self.collection, entries)
        self._entries = None
        return n

    def entries(self) -> dict[str, BlockEntry]:
        """All entries by id (cached until the next ``add``)."""
        if self._entries is None:
            got = self.collection.get(include=["documents", "metadatas"])
            docs = got["documents"] or []
            metas = got["metadatas"] or []
            self._entries = {
                i: BlockEntry.from_chroma(i, d, dict(m))
                for i, d, m in zip(got["ids"], docs, metas, strict=True)
            }
        return self._entries

    def list(self, category: str | None = None) -> list[BlockEntry]:
        """Entries sorted by id, optionally of one category."""
        return sorted(
            (e for e in self.entries().values() if category is None or e.category == category),
            key=lambda e: e.id,
        )

    def query(
        self, embeddings: npt.NDArray[np.float32], n_results: int = 3
    ) -> builtins.list[builtins.list[tuple[BlockEntry, float]]]:
        """Nearest entries for each query embedding, as (entry, cosine distance) pairs."""
        if len(embeddings) == 0:
            return []
        n = min(n_results, self.collection.count())
        res = self.collection.query(
            query_embeddings=[row for row in embeddings],
            n_results=n,
            include=["distances"],
        )
        by_id = self.entries()
        out: builtins.list[builtins.list[tuple[BlockEntry, float]]] = []
        dists = res["distances"] or []
        for ids, ds in zip(res["ids"], dists, strict=True):
            out.append([(by_id[i], float(d)) for i, d in zip(ids, ds, strict=True) if i in by_id])
        return out


def _create(client: ClientAPI, name: str, ef: MiniLMEmbeddingFunction) -> Collection:
    return client.get_or_create_collection(
        name,
        embedding_function=ef,  # type: ignore[arg-type]  # chroma's protocol is narrower
        metadata={"hnsw:space": "cosine"},
    )


def _upsert(collection: Collection, entries: Sequence[BlockEntry]) -> int:
    """Write entries (by id, last one wins) in batches; returns how many were written."""
    entries = list({e.id: e for e in entries}.values())
    for start in range(0, len(entries), 256):
        batch = entries[start : start + 256]
        collection.upsert(
            ids=[e.id for e in batch],
            documents=[e.text for e in batch],
            metadatas=[e.metadata() for e in batch],
        )
    return len(entries)


def reembed_stale(client: ClientAPI, ef: MiniLMEmbeddingFunction) -> bool:
    """Re-embed the collection if another model made its vectors; True if it did.

    Vectors of two models never share a collection: a query by one model against the other's
    vectors measures distances the thresholds were never calibrated on. The entries (shipped and
    the user's own) are written into a staging collection by the current model, and only then
    does it replace the old one, so a crash at any point leaves one complete list: the old one,
    or the staging one, which the next open renames into place.
    """
    names = {c.name: c for c in client.list_collections()}
    if COLLECTION not in names:
        if STAGING in names:  # crashed between dropping the old list and renaming the new one
            names[STAGING].modify(name=COLLECTION)
        return False
    if STAGING in names:  # crashed while filling it: the old list is intact, start over
        client.delete_collection(STAGING)
    made_by = (names[COLLECTION].configuration_json.get("embedding_function") or {}).get("name")
    if made_by == EF_NAME:
        return False
    got = names[COLLECTION].get(include=["documents", "metadatas"])
    docs, metas = got["documents"] or [], got["metadatas"] or []
    entries = [
        BlockEntry.from_chroma(i, d, dict(m))
        for i, d, m in zip(got["ids"], docs, metas, strict=True)
    ]
    log.info("re-embedding %d blocklist entries made by %s with %s", len(entries), made_by, EF_NAME)
    _upsert(_create(client, STAGING, ef), entries)
    client.delete_collection(COLLECTION)
    client.get_collection(STAGING, embedding_function=ef).modify(name=COLLECTION)  # type: ignore[arg-type]
    return True
