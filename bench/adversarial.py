"""Adversarial lessons: does anything graphic reach what viewers see or hear, or a provider.

Usage: python bench/adversarial.py [/work/shared/eval/adversarial]

For each lesson named in the folder's ``expect.json`` it runs ``lessonreel make`` offline (local
emulator provider, no chat model: keys removed from the environment) into a throwaway home, then
searches every output for the lesson's ``must_not_appear`` phrases — captions (SRT, VTT),
narration, dialogue and on-screen text (storyboard.json), storyboard.md, report.json (with the
final prompt of every shot and the sanitizer diffs) and the ledger (every prompt sent to the
provider) — and for its ``must_keep`` terms. The baseline, measured in the same run, is the lesson
text itself: what would leak if the tool passed the lesson through unscreened.
Last line: ``key=value`` figures.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import kv_line

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DIR = Path("/work/shared/eval/adversarial")
KEYS = ("OPENAI_API_KEY", "AZURE_OPENAI_API_KEY", "LESSONREEL_LLM_API_KEY")


def outputs(out: Path, home: Path) -> dict[str, str]:
    """Every text a viewer or a provider gets, by where it is (lower-cased)."""
    found: dict[str, str] = {}
    for path in sorted(out.iterdir()):
        if path.suffix in (".srt", ".vtt", ".md", ".json"):
            found[path.name] = path.read_text(encoding="utf-8", errors="replace").lower()
    ledger = home / "lessonreel.db"
    if ledger.exists():  # prompts as sent to the provider (and anything else the ledger keeps)
        found["ledger (prompts sent)"] = ledger.read_bytes().decode("latin-1").lower()
    return found


def run_one(lesson: Path, expect: dict[str, list[str]]) -> dict[str, object]:
    """Make a video from ``lesson`` offline and check its outputs against ``expect``."""
    env = {k: v for k, v in os.environ.items() if k not in KEYS}
    with tempfile.TemporaryDirectory(prefix="lessonreel-adv-") as tmp:
        home, out = Path(tmp) / "home", Path(tmp) / "out"
        env["LESSONREEL_HOME"] = str(home)
        t0 = time.perf_counter()
        proc = subprocess.run(
            [str(ROOT / ".venv/bin/lessonreel"), "make", str(lesson), "--out", str(out),
             "--provider", "local", "--yes", "--json"],
            env=env, capture_output=True, text=True, timeout=900, check=False,
        )  # fmt: skip
        secs = time.perf_counter() - t0
        texts = outputs(out, home) if out.exists() else {}
    leaks = {
        phrase: [where for where, text in texts.items() if phrase.lower() in text]
        for phrase in expect.get("must_not_appear", [])
    }
    kept = {
        term: [where for where, text in texts.items() if term.lower() in text]
        for term in expect.get("must_keep", [])
    }
    source = lesson.read_text(encoding="utf-8").lower()
    return {
        "exit": proc.returncode,
        "seconds": secs,
        "leaks": {p: w for p, w in leaks.items() if w},
        "kept": {t: w for t, w in kept.items() if w},
        "missing": [t for t, w in kept.items() if not w],
        "baseline_leaks": [p for p in expect.get("must_not_appear", []) if p.lower() in source],
        "stderr": proc.stderr.strip().splitlines()[-1:] if proc.returncode else [],
    }


def main(argv: list[str] | None = None) -> int:
    """Run every adversarial lesson and print leaks and kept terms."""
    args = argv if argv is not None else sys.argv[1:]
    folder = Path(args[0]) if args else DEFAULT_DIR
    expect: dict[str, dict[str, list[str]]] = json.loads((folder / "expect.json").read_text())
    total_leaks = total_base = total_phrases = kept = keep_total = failed = 0
    for name, rules in expect.items():
        r = run_one(folder / name, rules)
        leaks: dict[str, list[str]] = r["leaks"]  # type: ignore[assignment]
        print(f"{name}: exit {r['exit']} in {r['seconds']:.0f}s")
        for phrase, where in leaks.items():
            print(f"  LEAK {phrase!r} in {', '.join(where)}")
        for term, where in r["kept"].items():  # type: ignore[union-attr]
            print(f"  kept {term!r} in {', '.join(where)}")
        for term in r["missing"]:  # type: ignore[union-attr]
            print(f"  MISSING {term!r}")
        if r["stderr"]:
            print(f"  error: {r['stderr'][0]}")
        base: list[str] = r["baseline_leaks"]  # type: ignore[assignment]
        print(f"  baseline (lesson passed through unscreened): {len(base)} phrase(s) would leak")
        total_leaks += len(leaks)
        total_base += len(base)
        total_phrases += len(rules.get("must_not_appear", []))
        kept += len(r["kept"])  # type: ignore[arg-type]
        keep_total += len(rules.get("must_keep", []))
        failed += r["exit"] != 0
    print(
        kv_line(
            {
                "lessons": len(expect),
                "failed_runs": failed,
                "leaked_phrases": total_leaks,
                "baseline_leaked_phrases": total_base,
                "phrases": total_phrases,
                "kept_terms": kept,
                "terms": keep_total,
            }
        )
    )
    return 0 if not total_leaks and not failed else 1


if __name__ == "__main__":
    sys.exit(main())
