"""Pricing and legal settings: the figures users are billed by and the errors they see."""

from __future__ import annotations

import pytest

from lessonreel.video.pricing import PriceTable
from lessonreel.video.types import ErrorKind, ProviderError, VideoRequest

TABLE = PriceTable.default()
model_spec = TABLE.model_spec
validate_request = TABLE.validate_request
estimate_cost = TABLE.estimate_cost
cheapest = TABLE.cheapest


def test_sora_prices_per_second_match_the_published_table() -> None:
    assert model_spec("openai", "sora-2").rate("1280x720") == pytest.approx(0.10)
    pro = model_spec("openai", "sora-2-pro")
    assert pro.rate("720x1280") == pytest.approx(0.30)
    assert pro.rate("1792x1024") == pytest.approx(0.50)
    assert pro.rate("1920x1080") == pytest.approx(0.70)


def test_a_twelve_second_pro_clip_costs_three_sixty() -> None:
    req = VideoRequest(prompt="x", model="sora-2-pro", size="1280x720", seconds=12)
    assert estimate_cost("openai", req) == pytest.approx(3.60)


@pytest.mark.parametrize(
    ("model", "size", "seconds", "fragment"),
    [
        ("sora-3", "1280x720", 4, "unknown model 'sora-3'"),
        ("sora-2", "1280x720", 5, "allowed: 4, 8, 12"),
        ("sora-2", "1920x1080", 4, "allowed: 1280x720, 720x1280"),
    ],
)
def test_illegal_requests_say_what_is_allowed(
    model: str, size: str, seconds: int, fragment: str
) -> None:
    req = VideoRequest(prompt="x", model=model, size=size, seconds=seconds)
    with pytest.raises(ProviderError) as info:
        validate_request("openai", req)
    assert info.value.error.kind is ErrorKind.INVALID_REQUEST
    assert fragment in str(info.value)


def test_azure_only_takes_720p() -> None:
    req = VideoRequest(prompt="x", model="sora-2", size="1792x1024", seconds=4)
    with pytest.raises(ProviderError):
        validate_request("azure", req)


def test_draft_setting_is_the_cheapest_legal_clip() -> None:
    spec, size, seconds = cheapest("openai")
    assert (spec.model, seconds) == ("sora-2", 4)
    assert spec.cost(seconds, size) == pytest.approx(0.40)
