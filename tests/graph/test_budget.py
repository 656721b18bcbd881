"""Cost governance: what a user is quoted, and what happens as a run nears its budget."""

from __future__ import annotations

from pathlib import Path

import pytest

from lessonreel.graph.budget import (
    Policy,
    cheaper_settings,
    committed_usd,
    decide,
    decide_for_dispatch,
    draft,
    estimate,
    spend_kind,
)
from lessonreel.store.ledger import Ledger
from lessonreel.video.types import ErrorKind, ProviderError

PRO_1080 = {"provider": "openai", "model": "sora-2-pro", "size": "1920x1080", "seconds": 4}


# -- estimate -------------------------------------------------------------------------------


def test_estimate_is_seconds_times_rate_per_shot() -> None:
    est = estimate([(4, "1280x720"), (8, "1920x1080"), (12, "720x1280")], "openai", "sora-2-pro")
    assert [s.usd for s in est.shots] == pytest.approx([1.2, 5.6, 3.6])
    assert est.total_usd == pytest.approx(10.4)
    assert est.billable_usd == pytest.approx(10.4)
    assert not est.shadow


def test_local_is_quoted_at_openai_prices_but_bills_nothing() -> None:
    est = estimate([(4, "1280x720"), (8, "1280x720")], "local", "sora-2")
    assert est.priced_as == "openai"
    assert est.shadow
    assert est.total_usd == pytest.approx(1.2)
    assert est.billable_usd == 0.0
    assert all(s.billable_usd == 0.0 for s in est.shots)


@pytest.mark.parametrize(("seconds", "size"), [(5, "1280x720"), (4, "1920x1080")])
def test_estimate_rejects_settings_the_model_does_not_accept(seconds: int, size: str) -> None:
    with pytest.raises(ProviderError) as info:
        estimate([(seconds, size)], "openai", "sora-2")
    assert info.value.error.kind == ErrorKind.INVALID_REQUEST


# -- tier policy ----------------------------------------------------------------------------


def test_no_budget_or_plenty_of_budget_allows_the_request() -> None:
    assert decide(budget_usd=None, spent_usd=1e6, **PRO_1080).action == "allow"
    d = decide(budget_usd=100, spent_usd=10, **PRO_1080)
    assert (d.action, d.model, d.size, d.usd) == ("allow", "sora-2-pro", "1920x1080", 2.8)


def test_downgrade_ladder_keeps_orientation_and_length() -> None:
    assert cheaper_settings("openai", "sora-2-pro", "1080x1920", 8) == [
        ("sora-2-pro", "1024x1792"),
        ("sora-2-pro", "720x1280"),
        ("sora-2", "720x1280"),
    ]
    assert cheaper_settings("openai", "sora-2", "1280x720", 4) == []


def test_near_the_cap_downgrades_to_the_best_setting_that_still_fits() -> None:
    # budget 10, soft cap 9: 7.5 spent leaves 1.5 under the soft cap; pro 1080 costs 2.8,
    # pro 1792 costs 2.0, pro 720 costs 1.2 -> the dearest that fits is pro 720p.
    d = decide(budget_usd=10, spent_usd=7.5, **PRO_1080)
    assert (d.action, d.model, d.size, d.seconds) == ("downgrade", "sora-2-pro", "1280x720", 4)
    assert "cap" in d.reason


def test_pro_falls_to_sora_2_before_refusing_and_portrait_stays_portrait() -> None:
    d = decide(
        budget_usd=10,
        spent_usd=9.5,
        provider="openai",
        model="sora-2-pro",
        size="1080x1920",
        seconds=4,
    )
    assert (d.action, d.model, d.size, d.usd) == ("downgrade", "sora-2", "720x1280", 0.4)


def test_refuses_only_when_even_the_cheapest_setting_does_not_fit() -> None:
    d = decide(budget_usd=10, spent_usd=9.7, **PRO_1080)
    assert d.action == "refuse"
    assert "$0.40" in d.reason
    assert decide(budget_usd=10, spent_usd=9.6, **PRO_1080).action == "downgrade"


def test_strict_policy_never_downgrades() -> None:
    # 7.0 + 2.8 is past the soft cap (9) but within the budget: strict buys it as asked
    d = decide(budget_usd=10, spent_usd=7.0, policy="strict", **PRO_1080)
    assert (d.action, d.model, d.size) == ("allow", "sora-2-pro", "1920x1080")
    assert decide(budget_usd=10, spent_usd=7.0, **PRO_1080).action == "downgrade"
    d = decide(budget_usd=10, spent_usd=7.5, policy=Policy(downgrade=False), **PRO_1080)
    assert d.action == "refuse"  # where "downgrade" would still have bought a cheaper clip
    with pytest.raises(ValueError, match="unknown tier policy"):
        decide(budget_usd=10, spent_usd=0, policy="yolo", **PRO_1080)


def test_reserve_for_later_shots_downgrades_early_but_never_refuses_early() -> None:
    # soft cap 9 minus 7 reserved leaves 2.0: pro 1792x1024 (2.0) is the dearest that fits
    early = decide(budget_usd=10, spent_usd=0, reserve_usd=7, **PRO_1080)
    assert (early.action, early.model, early.size) == ("downgrade", "sora-2-pro", "1792x1024")
    lean = decide(budget_usd=10, spent_usd=0, reserve_usd=50, **PRO_1080)
    assert lean.action == "downgrade"  # nothing fits the soft cap, but money remains: cheapest


def test_local_runs_are_governed_by_shadow_prices() -> None:
    d = decide(
        budget_usd=1.0,
        spent_usd=0.0,
        provider="local",
        model="sora-2-pro",
        size="1280x720",
        seconds=8,
    )
    assert (d.action, d.model, d.size) == ("downgrade", "sora-2", "1280x720")
    assert (d.usd, d.billable_usd) == (0.8, 0.0)
    assert spend_kind("local") == "shadow"
    assert spend_kind("openai") == "charge"


# -- draft ----------------------------------------------------------------------------------


def test_draft_picks_the_cheapest_legal_setting() -> None:
    assert draft("openai") == ("sora-2", "1280x720")
    assert draft("openai", "sora-2-pro") == ("sora-2-pro", "1280x720")
    assert draft("openai", "sora-2-pro", size="1080x1920") == ("sora-2-pro", "720x1280")
    assert draft("local", size="1024x1792") == ("sora-2", "720x1280")


# -- with the ledger ------------------------------------------------------------------------


def _reserve(led: Ledger, key: str, provider: str, model: str, size: str, seconds: int) -> None:
    led.reserve_job(
        key,
        run_id="r1",
        shot_index=0,
        provider=provider,
        model=model,
        size=size,
        seconds=seconds,
        prompt="p",
        estimate_usd=0.0,
    )


def test_in_flight_jobs_count_against_the_budget(tmp_path: Path) -> None:
    with Ledger(tmp_path / "l.db") as led:
        _reserve(led, "a", "openai", "sora-2-pro", "1920x1080", 4)  # 2.8, in flight
        _reserve(led, "b", "openai", "sora-2", "1280x720", 4)  # 0.4, done and charged
        led.update_job("b", status="succeeded")
        led.record_spend("r1", job_key="b", usd=0.4, kind="charge")
        assert committed_usd(led, "r1", "openai") == pytest.approx(3.2)
        out = decide_for_dispatch(
            ledger=led, run_id="r1", budget_usd=3.5, policy="downgrade", **PRO_1080
        )
        assert out["refuse"] is True
        assert out["action"] == "refuse"
        out = decide_for_dispatch(ledger=led, run_id="r1", budget_usd=4.0, **PRO_1080)
        assert (out["refuse"], out["model"], out["size"]) == (False, "sora-2", "1280x720")


def test_local_dispatch_counts_shadow_spend(tmp_path: Path) -> None:
    with Ledger(tmp_path / "l.db") as led:
        _reserve(led, "a", "local", "sora-2", "1280x720", 8)
        led.update_job("a", status="succeeded")
        led.record_spend("r1", job_key="a", usd=0.0, kind="charge")
        led.record_spend("r1", job_key="a", usd=0.8, kind="shadow")
        assert committed_usd(led, "r1", "local") == pytest.approx(0.8)
        out = decide_for_dispatch(
            ledger=led,
            run_id="r1",
            provider="local",
            model="sora-2",
            size="1280x720",
            seconds=4,
            budget_usd=1.0,
        )
        assert out["refuse"] is True
