"""Cost governance: what a user is quoted, and what happens as a run nears its budget."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from lessonreel.store.ledger import Ledger
from lessonreel.video.pricing import (
    CostEstimate,
    Decision,
    Policy,
    PriceTable,
    committed_usd,
    draft,
    estimate,
)
from lessonreel.video.pricing import cheaper_settings as _cheaper
from lessonreel.video.pricing import decide as _decide
from lessonreel.video.types import ErrorKind, ProviderError

PRO_1080 = {"provider": "openai", "model": "sora-2-pro", "size": "1920x1080", "seconds": 4}
TABLE = PriceTable.default()


def decide(**kwargs: Any) -> Decision:
    return _decide(TABLE, **kwargs)


def cheaper_settings(provider: str, model: str, size: str, seconds: int) -> list[tuple[str, str]]:
    return _cheaper(TABLE, provider, model, size, seconds)


def quote(shots: list[tuple[int, str]], provider: str, model: str) -> CostEstimate:
    """Estimate shots that all share the size of the first."""
    size = shots[0][1]
    durations = [(i, seconds) for i, (seconds, _) in enumerate(shots)]
    return estimate(TABLE, provider=provider, model=model, size=size, durations=durations)


# -- estimate -------------------------------------------------------------------------------


def test_estimate_is_seconds_times_rate_per_shot() -> None:
    est = quote([(4, "1920x1080"), (8, "1920x1080"), (12, "1920x1080")], "openai", "sora-2-pro")
    assert list(est.per_shot.values()) == pytest.approx([2.8, 5.6, 8.4])
    assert est.usd == pytest.approx(16.8)
    assert est.seconds == 24
    assert est.shadow_provider is None
    assert est.shadow_usd == pytest.approx(16.8)  # a paying run's shadow total is its charge


def test_local_bills_nothing_and_is_priced_as_a_provider_you_can_buy() -> None:
    est = quote([(4, "1280x720"), (8, "1280x720")], "local", "sora-2")
    assert est.usd == 0.0
    assert all(usd == 0.0 for usd in est.per_shot.values())
    assert est.shadow_provider == "azure"  # openai's video endpoint was retired on 2026-09-24
    assert est.shadow_usd == pytest.approx(1.2)


@pytest.mark.parametrize(("model", "size"), [("sora-3", "1280x720"), ("sora-2", "1920x1080")])
def test_estimate_rejects_settings_the_model_does_not_accept(model: str, size: str) -> None:
    with pytest.raises(ProviderError) as info:
        quote([(4, size)], "openai", model)
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


def test_a_free_provider_is_never_downgraded_or_stopped_by_a_budget() -> None:
    for spent in (0.0, 0.5, 1e6):
        d = decide(
            budget_usd=0.5,
            spent_usd=spent,
            provider="local",
            model="sora-2-pro",
            size="1920x1080",
            seconds=12,
        )
        assert (d.action, d.model, d.size, d.usd) == ("allow", "sora-2-pro", "1920x1080", 0.0)
        assert not d.refused


# -- draft ----------------------------------------------------------------------------------


def test_draft_picks_the_cheapest_legal_setting() -> None:
    assert draft(TABLE, "openai") == ("sora-2", "1280x720")
    assert draft(TABLE, "openai", "sora-2-pro") == ("sora-2-pro", "1280x720")
    assert draft(TABLE, "openai", "sora-2-pro", size="1080x1920") == ("sora-2-pro", "720x1280")
    # every local setting is free: the cheapest shadow price decides
    assert draft(TABLE, "local") == ("sora-2", "1280x720")
    assert draft(TABLE, "local", size="1024x1792") == ("sora-2", "720x1280")


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
        committed = committed_usd(led, "r1", TABLE)
        assert committed == pytest.approx(3.2)
        assert decide(budget_usd=3.5, spent_usd=committed, **PRO_1080).refused
        d = decide(budget_usd=4.0, spent_usd=committed, **PRO_1080)
        assert (d.action, d.model, d.size) == ("downgrade", "sora-2", "1280x720")


def test_a_finished_job_counts_until_its_charge_is_written(tmp_path: Path) -> None:
    """Closed a moment before it is charged, a job must not vanish from what the budget counts."""
    with Ledger(tmp_path / "l.db") as led:
        _reserve(led, "a", "openai", "sora-2", "1280x720", 4)  # 0.4
        led.update_job("a", status="succeeded")  # finished, charge not yet written
        assert committed_usd(led, "r1", TABLE) == pytest.approx(0.4)
        led.record_spend("r1", job_key="a", usd=0.4, kind="charge")
        assert committed_usd(led, "r1", TABLE) == pytest.approx(0.4)  # counted once
        _reserve(led, "b", "openai", "sora-2", "1280x720", 4)
        led.update_job("b", status="failed")  # never rendered: nothing to charge
        assert committed_usd(led, "r1", TABLE) == pytest.approx(0.4)


def test_shadow_prices_never_count_as_spend(tmp_path: Path) -> None:
    with Ledger(tmp_path / "l.db") as led:
        _reserve(led, "a", "local", "sora-2", "1280x720", 8)
        led.update_job("a", status="succeeded")
        led.record_spend("r1", job_key="a", usd=0.0, kind="charge")
        led.record_spend("r1", job_key="a", usd=0.8, kind="shadow")
        assert committed_usd(led, "r1", TABLE) == 0.0
        assert led.spent("r1", shadow=True) == pytest.approx(0.8)


# -- the table a run owns -------------------------------------------------------------------


def test_a_price_file_adds_models_to_one_run_only(tmp_path: Path) -> None:
    path = tmp_path / "prices.json"
    row = {"provider": "local", "model": "sora-2", "seconds": [4], "tier": 1}
    path.write_text(json.dumps([{**row, "price_per_second": {"320x180": 0.25}}]))
    mine = PriceTable.load(path)
    assert mine.price("local", "sora-2", "320x180", 4) == pytest.approx(1.0)
    with pytest.raises(ProviderError):
        PriceTable.load(None).price("local", "sora-2", "320x180", 4)  # other runs: untouched
    with pytest.raises(ProviderError):
        TABLE.price("local", "sora-2", "320x180", 4)


def test_an_unusable_price_file_is_one_readable_line(tmp_path: Path) -> None:
    path = tmp_path / "prices.json"
    path.write_text('[{"provider": "local"}]')
    with pytest.raises(ValueError, match=r"price file .*prices.json.*expected a JSON list") as info:
        PriceTable.load(path)
    assert "\n" not in str(info.value)
