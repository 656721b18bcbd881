"""The result page says why a shot is a card in words a teacher can act on."""

from __future__ import annotations

from lessonreel.app.web.gaps import gap_rows, plain_reason
from lessonreel.graph.report import Gap
from lessonreel.video.pricing import PriceTable
from lessonreel.video.pricing.policy import decide


def test_a_budget_refusal_is_explained_without_the_ledger_arithmetic() -> None:
    table = PriceTable.default()
    spec = table.specs("openai")[0]
    size = next(iter(spec.price_per_second))
    refused = decide(
        table,
        budget_usd=2.0,
        spent_usd=2.0,
        provider="openai",
        model=spec.model,
        size=size,
        seconds=8,
    )
    assert refused.action == "refuse", refused
    plain = plain_reason(refused.reason)
    assert "budget" in plain
    assert "$" not in plain
    assert "committed" not in plain


def test_each_kind_of_gap_gets_its_own_advice() -> None:
    reasons = [
        "never dispatched",
        "blocked by the safety screen after 2 sanitize round(s): violence",
        "provider failure timeout: the job took longer than 1800 s",
        "provider failure auth (401): invalid api key",
        "provider failure server (500): internal error",
    ]
    plain = [plain_reason(r) for r in reasons]
    assert len(set(plain)) == len(plain), plain
    for reason, text in zip(reasons, plain, strict=True):
        assert reason not in text


def test_the_technical_reason_stays_available_behind_the_plain_one() -> None:
    gap = Gap(index=2, start=16.0, end=24.0, outcome="stopped", reason="never dispatched")
    [row] = gap_rows([gap])
    assert row["shot"] == 3
    assert row["detail"] == gap.reason
    assert row["plain"] != gap.reason
