"""Build a provider from its configured name.

Each provider is one entry in :data:`REGISTRY` (a builder function plus the environment variables
it needs), so adding a provider is one function and one line. Keys come from arguments or the
environment at call time, never at import.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import httpx

from lessonreel.video.providers.base import VideoProvider
from lessonreel.video.types import ProviderError

if TYPE_CHECKING:
    from lessonreel.video.emulator.config import EmulatorConfig

OPENAI_BASE_URL = "https://api.openai.com/v1"
EMULATOR_BASE_URL = "http://emulator/v1"
AZURE_CREATE_RPM = 2.0


@dataclass(frozen=True)
class ProviderArgs:
    """What the caller passed to :func:`make_provider`, handed to a builder."""

    base_url: str | None
    api_key: str | None
    transport: httpx.AsyncBaseTransport | None
    emulator_config: EmulatorConfig | None
    options: dict[str, Any]


Builder = Callable[[ProviderArgs], VideoProvider]


@dataclass(frozen=True)
class ProviderEntry:
    """A registered provider: how to build it and which env vars it needs (key first)."""

    build: Builder
    env: tuple[str, ...] = ()
    description: str = ""


def require(value: str | None, env_var: str, provider: str, what: str = "API key") -> str:
    """Return ``value`` or the env var's value; a clear error naming the variable otherwise."""
    found = value or os.environ.get(env_var, "").strip() or None
    if not found:
        raise ProviderError.invalid(
            f"no {what} for provider {provider!r}: set {env_var} (or pass it explicitly)",
            code="missing_config",
        )
    return found


def _local(args: ProviderArgs) -> VideoProvider:
    """In-process emulator (no port) by default; with ``base_url``, a running emulator server."""
    from lessonreel.video.providers.openai import OpenAIVideoProvider

    transport = args.transport
    options = dict(args.options)
    if transport is None and args.base_url is None:
        from lessonreel.video.emulator.app import create_app

        app = create_app(args.emulator_config)
        transport = httpx.ASGITransport(app=app)
        options.setdefault("on_close", app.state.store.aclose)
    return OpenAIVideoProvider(
        name="local",
        base_url=args.base_url or EMULATOR_BASE_URL,
        api_key=args.api_key or "lessonreel-local",
        pricing_provider="local",
        transport=transport,
        **options,
    )


def _openai(args: ProviderArgs) -> VideoProvider:
    from lessonreel.video.providers.openai import OpenAIVideoProvider

    key = require(args.api_key, "OPENAI_API_KEY", "openai")
    base_url = args.base_url or os.environ.get("OPENAI_BASE_URL", "").strip() or OPENAI_BASE_URL
    return OpenAIVideoProvider(
        name="openai",
        base_url=base_url,
        api_key=key,
        pricing_provider="openai",
        key_env="OPENAI_API_KEY",
        transport=args.transport,
        **args.options,
    )


def azure_base_url(endpoint: str) -> str:
    """Turn a resource endpoint (``https://{resource}.openai.azure.com``) into the v1 base URL.

    A URL that already has a path (``.../openai/v1``, a gateway) is kept as given.
    """
    endpoint = endpoint.strip().rstrip("/")
    path = httpx.URL(endpoint).path.rstrip("/")
    if path == "":
        return endpoint + "/openai/v1"
    if path.endswith("/openai"):
        return endpoint + "/v1"
    return endpoint


def _azure(args: ProviderArgs) -> VideoProvider:
    from lessonreel.video.providers.openai import OpenAIVideoProvider

    key = require(args.api_key, "AZURE_OPENAI_API_KEY", "azure")
    endpoint = args.base_url or require(None, "AZURE_OPENAI_ENDPOINT", "azure", "endpoint")
    options = dict(args.options)
    deployment = options.pop("deployment", None) or os.environ.get("AZURE_OPENAI_DEPLOYMENT")
    model_map = dict(options.pop("model_map", None) or {})
    if deployment:
        model_map.setdefault("sora-2", deployment)
    options.setdefault("create_rpm", AZURE_CREATE_RPM)
    return OpenAIVideoProvider(
        name="azure",
        base_url=azure_base_url(endpoint),
        api_key=key,
        auth_header="api-key",
        pricing_provider="azure",
        key_env="AZURE_OPENAI_API_KEY",
        model_map=model_map,
        transport=args.transport,
        **options,
    )


def _openrouter(args: ProviderArgs) -> VideoProvider:
    from lessonreel.video.providers.openrouter import OpenRouterVideoProvider
    from lessonreel.video.providers.openrouter_wire import DEFAULT_BASE_URL, KEY_ENV

    key = require(args.api_key, KEY_ENV, "openrouter")
    base_url = args.base_url or os.environ.get("OPENROUTER_BASE_URL", "").strip()
    return OpenRouterVideoProvider(
        api_key=key,
        base_url=base_url or DEFAULT_BASE_URL,
        transport=args.transport,
        **args.options,
    )


def _veo(args: ProviderArgs) -> VideoProvider:
    from lessonreel.video.providers import veo

    options = dict(args.options)
    token = options.pop("access_token", None) or os.environ.get(veo.TOKEN_ENV, "").strip()
    express_key = args.api_key or os.environ.get(veo.API_KEY_ENV, "").strip()
    express_key = express_key or os.environ.get("GOOGLE_API_KEY", "").strip()
    if not token and not express_key:
        raise ProviderError.invalid(
            f"no credentials for provider 'veo': set {veo.TOKEN_ENV} and {veo.PROJECT_ENV} "
            f"(OAuth, e.g. `gcloud auth print-access-token`) or {veo.API_KEY_ENV} (express mode)",
            code="missing_config",
        )
    project = options.pop("project", None) or os.environ.get(veo.PROJECT_ENV, "").strip()
    if token and not project:
        project = require(None, veo.PROJECT_ENV, "veo", "project")
    location = options.pop("location", None) or os.environ.get(veo.LOCATION_ENV, "").strip()
    storage = options.pop("storage_uri", None) or os.environ.get(veo.STORAGE_ENV, "").strip()
    return veo.VeoVideoProvider(
        project=project or None,
        location=location or veo.DEFAULT_LOCATION,
        access_token=token or None,
        api_key=None if token else express_key,
        base_url=args.base_url,
        storage_uri=storage or None,
        transport=args.transport,
        **options,
    )


REGISTRY: dict[str, ProviderEntry] = {
    "local": ProviderEntry(_local, (), "in-process emulator of the Sora-shaped API ($0)"),
    "openai": ProviderEntry(_openai, ("OPENAI_API_KEY",), "OpenAI /v1/videos (Sora 2)"),
    "azure": ProviderEntry(
        _azure,
        ("AZURE_OPENAI_API_KEY", "AZURE_OPENAI_ENDPOINT"),
        "Azure OpenAI v1 /openai/v1/videos (api-key header, deployment as model)",
    ),
    "openrouter": ProviderEntry(
        _openrouter,
        ("OPENROUTER_API_KEY",),
        "OpenRouter /api/v1/videos (Veo 3.1, Kling, Seedance, Wan, Hailuo; signed webhooks)",
    ),
    "veo": ProviderEntry(
        _veo,
        ("GOOGLE_CLOUD_ACCESS_TOKEN", "GOOGLE_CLOUD_PROJECT"),
        "Veo 3.1 on Vertex AI (OAuth token + project [+ GOOGLE_CLOUD_LOCATION, VEO_STORAGE_URI],"
        " or VEO_API_KEY in express mode)",
    ),
}


def provider_names() -> list[str]:
    """Names accepted by :func:`make_provider`."""
    return list(REGISTRY)


def _entry(name: str) -> ProviderEntry:
    try:
        return REGISTRY[name]
    except KeyError:
        raise ProviderError.invalid(
            f"unknown provider {name!r}; known: {', '.join(provider_names())}",
            code="unknown_provider",
        ) from None


def required_env(name: str) -> list[str]:
    """Environment variables the provider needs when no explicit key/URL is passed."""
    return list(_entry(name).env)


def make_provider(
    name: str,
    *,
    base_url: str | None = None,
    api_key: str | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
    emulator_config: EmulatorConfig | None = None,
    **options: Any,
) -> VideoProvider:
    """Build the named provider; options (rpm, max_retries, ...) go to its constructor."""
    entry = _entry(name)
    args = ProviderArgs(base_url, api_key, transport, emulator_config, dict(options))
    return entry.build(args)
