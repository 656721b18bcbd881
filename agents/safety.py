"""The safety agent: refine shot prompts and screen them before any money is spent.

The screen has explainable layers, each producing :class:`Match` records:

1. lexical — strong blocklist terms at word boundaries, through simple obfuscations;
2. semantic — nearest blocklist entries (Chroma collection, MiniLM embeddings) to each phrase,
   with per-category cosine-distance thresholds, counted only when the classifier leans unsafe
   too (``Head.semantic_support``: topic likeness alone is not harm);
3. classifier — a small MLP head over the same embeddings (intent and target that topic
   similarity alone cannot see), its score combined with the per-category blocklist closeness
   and the framing by a trained logistic regression (``Head.combine``);
4. moderation — OpenAI's moderation endpoint, only when ``OPENAI_API_KEY`` is set.

Educational, historical or scientific framing (allow-signals) tightens layers 2 and 3; the
thresholds are calibrated by ``scripts/train_classifier.py`` and measured by ``bench/screen.py``.
"""

from __future__ import annotations

import asyncio
import copy
import re
from pathlib import Path

import numpy as np

from lessonreel.agents.refine import STANDARD_NEGATIVES, refine
from lessonreel.agents.schemas import Match, Verdict
from lessonreel.agents.screen_classifier import Head, features, load_head
from lessonreel.agents.screen_graphic import graphic_detail, harmful_intent
from lessonreel.agents.screen_lexical import LexicalMatcher, normalise
from lessonreel.agents.screen_moderation import ModerationClient
from lessonreel.agents.screen_text import allow_signals, embed_units, screenable
from lessonreel.store.blas import one_blas_thread
from lessonreel.store.blocklist import CATEGORIES, BlockEntry, Blocklist
from lessonreel.store.embeddings import Embedder, MemoEmbedder, shared_embedder

__all__ = ["DEFAULT_SEMANTIC_THRESHOLD", "STANDARD_NEGATIVES", "Screen", "refine"]

DEFAULT_SEMANTIC_THRESHOLD = 0.30
"""Cosine distance for a semantic match when no calibrated head is shipped."""

_STOP = frozenset(
    [
        "a",
        "an",
        "the",
        "of",
        "in",
        "on",
        "at",
        "to",
        "and",
        "or",
        "with",
        "for",
        "from",
        "by",
        "is",
        "are",
        "was",
        "were",
        "be",
        "his",
        "her",
        "their",
        "its",
        "this",
        "that",
        "these",
        "those",
        "into",
        "over",
        "under",
        "while",
        "as",
        "it",
        "he",
        "she",
        "they",
        "them",
        "who",
        "whom",
        "what",
    ]
)
_WORDS = re.compile(r"[a-z][a-z'\-]+")
_DEPICTION_ONLY = frozenset({"real_people", "copyrighted_characters"})
"""Categories whose harm is a depiction: naming them in a question ("Is Beyoncé married?") is
not a request to film them, so their terms then only count as ambiguous words."""
_QUESTION = re.compile(
    r"(?is)^(?:\w+\s+)?(what|who|whom|whose|when|where|why|how|which|is|are|was|were|did|does|"
    r"do|has|have|can|could)\b[^.!\n]*\?$"
)


def _shared_words(span: str, entry: BlockEntry) -> list[str]:
    entry_words = {w for w in _WORDS.findall(entry.text.lower()) if w not in _STOP}
    entry_stems = {w[:5] for w in entry_words if len(w) > 3}
    out = [
        w
        for w in _WORDS.findall(span.lower())
        if w not in _STOP and (w in entry_words or (len(w) > 3 and w[:5] in entry_stems))
    ]
    return list(dict.fromkeys(out))


class Screen:
    """The safety screen, holding its embedder, blocklist vectors and classifier head."""

    def __init__(
        self,
        blocklist: Blocklist,
        *,
        embedder: Embedder | None = None,
        head: Head | None = None,
        moderation: ModerationClient | None = None,
        use_classifier: bool = True,
    ) -> None:
        self.blocklist = blocklist
        self.embedder: Embedder = embedder or blocklist.embedding_function.embedder
        self.head = head if use_classifier else None
        self.moderation = moderation
        self.use_allow_signals = True
        """Educational framing tightens the semantic and classifier layers (bench can turn off)."""
        self.refresh()

    @classmethod
    def open(
        cls,
        home: Path | None = None,
        *,
        use_classifier: bool = True,
        moderation: bool | None = None,
    ) -> Screen:
        """Open the blocklist under ``home`` (seeding it on first use) and load the models once.

        ``moderation=None`` uses the moderation endpoint when ``OPENAI_API_KEY`` is set.
        """
        one_blas_thread()
        blocklist = Blocklist.open(home)
        mod = ModerationClient.from_env() if moderation in (None, True) else None
        return cls(
            blocklist,
            embedder=shared_embedder(),
            head=load_head() if use_classifier else None,
            moderation=mod,
            use_classifier=use_classifier,
        )

    def for_run(self) -> Screen:
        """The screen for one run: the same models and blocklist, its own embedding memo.

        Within a run the same sentences come back (ingest, the storyboard's narration, every
        shot prompt's style bible); the memo embeds each once. It is per run, so one run's
        texts neither fill another's memory nor make a batch of copies look cheaper than it is.
        """
        view = copy.copy(self)
        view.embedder = MemoEmbedder(self.embedder)
        return view

    def refresh(self) -> None:
        """Reload entries and their vectors from Chroma (after ``blocklist add``)."""
        got = self.blocklist.collection.get(include=["embeddings"])
        by_id = self.blocklist.entries()
        self._entries: list[BlockEntry] = [by_id[i] for i in got["ids"]]
        embs = got["embeddings"]
        self._matrix = (
            np.asarray(embs, dtype=np.float32)
            if embs is not None and len(embs)
            else np.zeros((0, 384), np.float32)
        )
        self._lexical = LexicalMatcher(self._entries)
        self._category_index = np.array(
            [CATEGORIES.index(e.category) for e in self._entries], dtype=np.int64
        )

    def _threshold(self, category: str, allow: bool) -> float:
        base = (
            self.head.semantic.get(category, DEFAULT_SEMANTIC_THRESHOLD)
            if self.head
            else DEFAULT_SEMANTIC_THRESHOLD
        )
        margin = self.head.semantic_allow_margin if self.head else 0.05
        return base - margin if allow else base

    def screen(self, text: str, *, framing: bool = False) -> Verdict:
        """Screen one text; the verdict names it and says what matched, where, how close and why.

        ``framing`` says the text comes from a lesson (a passage, a narration line): the
        educational thresholds apply even when the sentence alone carries no allow-signal.
        """
        body = screenable(text)
        signals = allow_signals(body) if self.use_allow_signals else []
        if framing and self.use_allow_signals:
            signals = signals or ["lesson context"]
        allow = bool(signals)
        matches: list[Match] = []
        cue_words: list[str] = []
        question = bool(_QUESTION.match(body.strip()))
        for hit in self._lexical.find(body):
            if hit.strong and not (question and hit.entry.category in _DEPICTION_ONLY):
                matches.append(
                    Match(
                        layer="lexical",
                        category=hit.entry.category,
                        entry_id=hit.entry.id,
                        entry=hit.entry.text,
                        words=[hit.found],
                        span=hit.found,
                        suggestion=hit.entry.suggestion or None,
                    )
                )
            else:
                cue_words.append(hit.found)
        rules = (
            (harmful_intent, "a request or threat to harm a person"),
            (graphic_detail, "graphic detail of injury or death"),
        )
        for find, label in rules:
            matches += [
                Match(
                    layer="lexical",
                    category="violence_gore",
                    entry=label,
                    words=[phrase],
                    span=phrase,
                )
                for phrase in find(body)
            ]
        phrases = embed_units(body)
        embs = self.embedder.embed(phrases)
        score, category, tau = 0.0, "", 1.0
        sims = embs @ self._matrix.T
        if self.head is not None:
            lengths = np.array([len(p.split()) for p in phrases], dtype=np.float32)
            x = features(embs, lengths, normalise(body), self.head.ngram_dim)
            score, category = self.head.unsafe_score(x)
            score = self.head.combined(score, self._category_similarity(sims), allow)
            tau = self.head.tau_allow if allow else self.head.tau
        supported = self.head is None or score >= self.head.semantic_support * tau
        if len(self._matrix) and supported:
            best = sims.argmax(axis=1)
            for i, j in enumerate(best):
                entry, dist = self._entries[int(j)], float(1.0 - sims[i, j])
                asked = question and entry.category in _DEPICTION_ONLY
                if dist <= self._threshold(entry.category, allow) and not asked:
                    matches.append(
                        Match(
                            layer="semantic",
                            category=entry.category,
                            entry_id=entry.id,
                            entry=entry.text,
                            distance=round(dist, 4),
                            words=_shared_words(phrases[i], entry),
                            span=phrases[i],
                            suggestion=entry.suggestion or None,
                        )
                    )
        if self.head is not None and score >= tau:
            near = self._nearest_in(embs, category)
            matches.append(
                Match(
                    layer="classifier",
                    category=category,
                    entry_id=near[0].id if near else None,
                    entry=near[0].text if near else None,
                    distance=round(near[1], 4) if near else None,
                    score=round(score, 4),
                    words=cue_words,
                    span=phrases[int(near[2])] if near else None,
                    suggestion=near[0].suggestion if near else None,
                )
            )
        reasons: list[str] = []
        if self.moderation is not None:
            try:
                matches.extend(self.moderation.check(body))
            except Exception as exc:  # second opinion only: never fail the screen
                reasons.append(f"moderation unavailable: {type(exc).__name__}")
        return self._verdict(matches, reasons, signals, cue_words).model_copy(update={"text": text})

    def _category_similarity(self, sims: np.ndarray) -> np.ndarray:
        """Highest phrase-to-entry cosine similarity per blocklist category (-1 when empty)."""
        out = np.full(len(CATEGORIES), -1.0, dtype=np.float32)
        if sims.size:
            np.maximum.at(out, self._category_index, sims.max(axis=0))
        return out

    def _nearest_in(self, embs: np.ndarray, category: str) -> tuple[BlockEntry, float, int] | None:
        idx = [k for k, e in enumerate(self._entries) if e.category == category]
        if not idx:
            return None
        sims = embs @ self._matrix[idx].T
        i, j = np.unravel_index(int(sims.argmax()), sims.shape)
        return self._entries[idx[int(j)]], float(1.0 - sims[i, j]), int(i)

    @staticmethod
    def _verdict(
        matches: list[Match], reasons: list[str], signals: list[str], cue_words: list[str]
    ) -> Verdict:
        order = {"lexical": 0, "moderation": 1, "semantic": 2, "classifier": 3}
        matches.sort(key=lambda m: (order[m.layer], m.distance or 0.0, -(m.score or 0.0)))
        if not matches:
            why = "no blocklist term, entry or classifier score crossed its threshold"
            if signals:
                why += f" (educational framing: {', '.join(signals[:5])})"
            return Verdict(allowed=True, reasons=[*reasons, why])
        top = matches[0]
        for m in matches:
            detail = f"{m.layer}: {m.category}"
            if m.entry:
                detail += f" ~ {m.entry!r}"
            if m.distance is not None:
                detail += f" (distance {m.distance:.3f})"
            if m.score is not None:
                detail += f" (score {m.score:.2f})"
            if m.words:
                detail += f" words: {', '.join(m.words)}"
            reasons.append(detail)
        if cue_words:
            reasons.append(f"ambiguous words also present: {', '.join(cue_words)}")
        return Verdict(allowed=False, category=top.category, matches=matches, reasons=reasons)

    async def ascreen(self, text: str, *, framing: bool = False) -> Verdict:
        """Screen without blocking the event loop."""
        return await asyncio.to_thread(self.screen, text, framing=framing)

    def screen_many(self, texts: list[str]) -> list[Verdict]:
        """Screen several prompts in order."""
        return [self.screen(t) for t in texts]
