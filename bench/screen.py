"""Evaluate the safety screen on labelled JSONL files (``{"text","label","category","source"}``).

Usage: python bench/screen.py /work/shared/eval/safety/*.jsonl [--folds 5] [--no-kfold]

Reports recall on unsafe rows and false-positive rate on safe rows, overall, per file and per
category, latency p50/p99 per prompt (full screen, one prompt at a time, in a separate pass over an
even sample with the real embedder: never the embedding cache), and a baseline measured in the same
run: the plain screen from issue 3 (a word list OR MiniLM cosine of the whole text to a blocklist
entry >= 0.65), timed on the same prompts. The embedder alone is timed there too, on each whole
prompt: the int8-compute model the screen uses beside the packaged weight-only model it is built
from.

Honesty: the classifier head ships trained on the XSTest, OpenAI-moderation and I2P rows. Rows of
those files are therefore screened with a head re-trained WITHOUT them (k-fold over the trainable
files; thresholds re-calibrated inside the training folds too). MOSSBench and OpenStax rows are
never trained on and are screened with the shipped head. With ``--embed-cache`` the trained fold
heads (weights and out-of-fold scores) are cached beside it, keyed by their training features.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

from lessonreel.agents.safety import Screen
from lessonreel.agents.screen_classifier import Head
from lessonreel.agents.screen_training import (
    Featurized,
    Row,
    authored_rows,
    featurize,
    fit_head,
    read_rows,
)
from lessonreel.store.blocklist import default_entries
from lessonreel.store.embed_model import ModelSource, packaged_model
from lessonreel.store.embeddings import Embedder, MiniLMEmbedder

ROOT = Path(__file__).resolve().parent.parent
TRAINABLE = {"xstest", "openai_moderation", "i2p_hard_subset"}
EDU = {"openstax_edu_figures", "mossbench_benign"}


def fold_of(text: str, folds: int) -> int:
    return int(hashlib.sha256(text.encode()).hexdigest(), 16) % folds


class CachedEmbed:
    """Embedding cache for training features (the timed screen pass uses it only when asked)."""

    def __init__(self, embed, path: Path | None = None):  # type: ignore[no-untyped-def]
        self._raw = embed
        self.path = path
        self.cache: dict[str, np.ndarray] = {}
        if path is not None and path.exists():
            with np.load(path, allow_pickle=False) as z:
                self.cache = dict(zip(z["keys"].tolist(), z["values"], strict=True))

    def save(self) -> None:  # noqa: D102
        if self.path is not None and self.cache:
            keys = list(self.cache)
            np.savez(self.path, keys=np.array(keys), values=np.stack([self.cache[k] for k in keys]))

    def __call__(self, texts: list[str]) -> np.ndarray:  # noqa: D102
        todo = [t for t in dict.fromkeys(texts) if t not in self.cache]
        if todo:
            for t, v in zip(todo, self._raw(todo), strict=True):
                self.cache[t] = v
        return np.stack([self.cache[t] for t in texts])

    def embed(self, texts: list[str]) -> np.ndarray:  # noqa: D102
        return self(texts)


def fold_heads(
    rows: list[Row], screen: Screen, folds: int, cached: CachedEmbed
) -> tuple[dict[int, Head], float]:
    entries = default_entries()
    matrix = screen.embedder.embed([e.text for e in entries])
    base = authored_rows(ROOT / "scripts", entries)
    trainable = [r for r in rows if r.file in TRAINABLE]
    t0 = time.perf_counter()
    all_rows = base + trainable
    data = featurize(all_rows, cached, entries, matrix)
    heads = {}
    which = np.array([-1] * len(base) + [fold_of(r.text, folds) for r in trainable])
    cache_dir = cached.path.parent if cached.path is not None else None
    for k in range(folds):
        keep = which != k
        sub = Featurized(data.x[keep], data.y[keep], data.allow[keep], data.cat_dist[keep])
        heads[k] = fit_head(sub, cache_dir=cache_dir)
    return heads, time.perf_counter() - t0


def baseline_screen(screen: Screen) -> tuple[re.Pattern[str], np.ndarray]:
    words = sorted({t for e in default_entries() for t in [*e.terms, *e.cues]}, key=len)[::-1]
    pattern = re.compile(r"\b(?:" + "|".join(re.escape(w) for w in words) + r")\b", re.I)
    return pattern, screen._matrix


def timed(
    screen: Screen,
    sample: list[Row],
    pattern: re.Pattern[str],
    matrix: np.ndarray,
    weight_only: Embedder,
) -> dict[str, list[float]]:
    """Wall and CPU ms per prompt for the full screen and for the baseline screen.

    CPU time (``time.process_time``, all threads of this process) is what the screen costs
    whatever else runs on the machine; wall time is what a user waits, and on a shared machine
    it grows with the load average.
    """
    out: dict[str, list[float]] = defaultdict(list)
    for r in sample:
        t, c = time.perf_counter(), time.process_time()
        screen.screen(r.text)
        out["wall"].append((time.perf_counter() - t) * 1000)
        out["cpu"].append((time.process_time() - c) * 1000)
        t, c = time.perf_counter(), time.process_time()
        whole = screen.embedder.embed([r.text])[0]
        _ = bool(pattern.search(r.text)) or float((matrix @ whole).max()) >= 0.65
        out["base_wall"].append((time.perf_counter() - t) * 1000)
        out["base_cpu"].append((time.process_time() - c) * 1000)
        for key, embedder in (("embed", screen.embedder), ("embed_wo", weight_only)):
            t = time.perf_counter()
            embedder.embed([r.text])
            out[key].append((time.perf_counter() - t) * 1000)
    return out


def p50_p99(xs: list[float]) -> tuple[float, float]:
    """Median and 99th percentile (0, 0 for no figures)."""
    s = sorted(xs) or [0.0]
    return statistics.median(s), s[min(len(s) - 1, int(0.99 * len(s)))]


def pct(n: int, d: int) -> str:
    return f"{n / d:.3f} ({n}/{d})" if d else "-"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Evaluate the lessonreel safety screen.")
    ap.add_argument("paths", nargs="+", type=Path)
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--no-kfold", action="store_true", help="use the shipped head everywhere")
    ap.add_argument("--no-classifier", action="store_true", help="lexical + semantic only")
    ap.add_argument("--no-allow-signals", action="store_true", help="ignore educational framing")
    ap.add_argument(
        "--embed-cache",
        type=Path,
        help="reuse phrase embeddings across runs for training and verdicts (latency is still "
        "timed with the real embedder)",
    )
    ap.add_argument(
        "--latency-rows", type=int, default=200, help="prompts in the timed pass (even sample)"
    )
    ap.add_argument("--show-fp", action="store_true", help="list every false positive")
    args = ap.parse_args(argv)

    load0 = os.getloadavg()
    rows: list[Row] = []
    for p in args.paths:
        rows += read_rows(p)
    with tempfile.TemporaryDirectory() as home:
        screen = Screen.open(Path(home), use_classifier=not args.no_classifier, moderation=False)
        shipped = screen.head
        screen.use_allow_signals = not args.no_allow_signals
        raw_embedder = screen.embedder
        heads: dict[int, Head] = {}
        cached: CachedEmbed | None = None
        if shipped is not None and not args.no_kfold:
            cached = CachedEmbed(screen.embedder.embed, args.embed_cache)
            heads, secs = fold_heads(rows, screen, args.folds, cached)
            cached.save()
            if args.embed_cache:
                screen.embedder = cached  # type: ignore[assignment]
                print("embedding cache on for verdicts; latency is timed without it")
            print(
                f"classifier: {args.folds}-fold over {sorted(TRAINABLE)} "
                f"(+ authored examples + blocklist in every train fold), trained in {secs:.0f}s; "
                f"OpenStax/MOSSBench rows use the shipped head (never trained on)"
            )
        else:
            print(
                "classifier: shipped head everywhere"
                + (" (IN-SAMPLE on trainable files: optimistic)" if shipped else " (disabled)")
            )
        pattern, matrix = baseline_screen(screen)
        for _ in range(3):  # warm-up
            screen.screen("warm up the session")
        res = []
        layer_hits: dict[str, int] = defaultdict(int)
        for r in rows:
            screen.head = (
                heads[fold_of(r.text, args.folds)] if heads and r.file in TRAINABLE else shipped
            )
            v = screen.screen(r.text)
            whole = screen.embedder.embed([r.text])[0]
            base_block = bool(pattern.search(r.text)) or float((matrix @ whole).max()) >= 0.65
            res.append((r, not v.allowed, base_block, v))
            if not v.allowed:
                for layer in {m.layer for m in v.matches}:
                    layer_hits[f"{r.label}:{layer}"] += 1
        if cached is not None and args.embed_cache:
            cached.save()
        # Latency: a separate pass with the real embedder (never the cache), over an even sample
        # of the rows, the full screen and the baseline screen timed on the same prompts.
        screen.embedder = raw_embedder
        screen.head = shipped
        step = max(1, len(rows) // max(1, args.latency_rows))  # 0: no timed pass
        sample = rows[::step][: args.latency_rows]
        weight_only = MiniLMEmbedder(model=ModelSource(path=packaged_model()))
        weight_only.embed(["warm up the session"])
        times = timed(screen, sample, pattern, matrix, weight_only)

    def report(title: str, sel: list[tuple[Row, bool, bool, object]]) -> None:
        uns = [x for x in sel if x[0].label == "unsafe"]
        safe = [x for x in sel if x[0].label == "safe"]
        line = f"  {title:<48}"
        if uns:
            line += f" recall={pct(sum(x[1] for x in uns), len(uns)):<18}"
            line += f" base={pct(sum(x[2] for x in uns), len(uns)):<18}"
        if safe:
            line += f" fpr={pct(sum(x[1] for x in safe), len(safe)):<18}"
            line += f" base_fpr={pct(sum(x[2] for x in safe), len(safe))}"
        print(line)

    print("\nper file")
    files = list(dict.fromkeys(r.file for r, *_ in res))
    for f in files:
        report(f, [x for x in res if x[0].file == f])
    print("\nper file and category")
    for f in files:
        cats = sorted({x[0].category.split("|")[0] for x in res if x[0].file == f})
        for c in cats:
            report(
                f"{f}:{c}"[:48],
                [x for x in res if x[0].file == f and x[0].category.split("|")[0] == c],
            )
    print("\nblocking layers (rows where the layer matched):", dict(sorted(layer_hits.items())))
    print("\nedu/benign false positives:")
    for r, blocked, _, v in res:
        if blocked and (r.file in EDU or (args.show_fp and r.label == "safe")):
            print(f"  [{r.file}] {v.category}: {r.text[:100]!r} <- {v.reasons[0][:120]}")

    uns = [x for x in res if x[0].label == "unsafe"]
    edu = [x for x in res if x[0].file in EDU]
    xs = [x for x in res if x[0].file == "xstest" and x[0].label == "safe"]
    recall = sum(x[1] for x in uns) / max(1, len(uns))
    brecall = sum(x[2] for x in uns) / max(1, len(uns))
    fpr_edu = sum(x[1] for x in edu) / max(1, len(edu))
    bfpr_edu = sum(x[2] for x in edu) / max(1, len(edu))
    fpr_xs = sum(x[1] for x in xs) / max(1, len(xs))
    p50, p99 = p50_p99(times["wall"])
    cpu50, cpu99 = p50_p99(times["cpu"])
    base50, _ = p50_p99(times["base_wall"])
    base_cpu50, _ = p50_p99(times["base_cpu"])
    emb50, _ = p50_p99(times["embed"])
    emb_wo50, _ = p50_p99(times["embed_wo"])
    load = os.getloadavg()
    print(
        f"\nlatency per prompt (no embedding cache): p50={p50:.1f} ms p99={p99:.1f} ms over "
        f"{len(times['wall'])} prompts; baseline screen p50={base50:.1f} ms "
        f"({os.cpu_count()} CPUs, load average now {load[0]:.1f}/{load[1]:.1f}/{load[2]:.1f}; "
        f"at start {load0[0]:.1f})"
    )
    print(
        f"CPU time per prompt (all threads; robust to other load): p50={cpu50:.1f} ms "
        f"p99={cpu99:.1f} ms; baseline screen p50={base_cpu50:.1f} ms"
    )
    print(
        f"embedder alone, whole prompt: p50={emb50:.1f} ms int8 compute; "
        f"{emb_wo50:.1f} ms packaged weight-only model"
    )
    print(f"baseline: recall={brecall:.3f} fpr_edu={bfpr_edu:.3f}")
    print(
        f"recall={recall:.3f} fpr_edu={fpr_edu:.3f} fpr_xstest={fpr_xs:.3f} "
        f"p50_ms={p50:.1f} cpu_p50_ms={cpu50:.1f} baseline_p50_ms={base50:.1f} "
        f"baseline_cpu_p50_ms={base_cpu50:.1f} embed_p50_ms={emb50:.1f} "
        f"embed_weight_only_p50_ms={emb_wo50:.1f} load={load[0]:.1f} baseline_recall={brecall:.3f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
