"""Where Temporal is and how to reach it: address, namespace, TLS/API key, queues, UI links.

Everything comes from ``LESSONREEL_TEMPORAL_*`` variables (the ``worker`` command's options
override them), so the batch client and every worker are configured the same way. Provider keys
are not here: each worker reads them from its own environment, and they never enter a workflow
input or its history.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

DEFAULT_ADDRESS = "127.0.0.1:7233"
CONTROL_QUEUE = "lessonreel"
"""Lesson workflows, and the prepare/assemble activities (ingest, storyboard, stitching)."""

SHOT_QUEUE_PREFIX = "lessonreel-"
DEFAULT_HEARTBEAT_SECONDS = 30.0


def shot_queue(provider: str) -> str:
    """The task queue of one provider's shot activities (its rate limit is set on it)."""
    return f"{SHOT_QUEUE_PREFIX}{provider}"


def _env(name: str) -> str | None:
    value = os.environ.get(f"LESSONREEL_TEMPORAL_{name}")
    return value if value else None


@dataclass(frozen=True)
class TemporalSettings:
    """How to connect to Temporal (a dev server, self-hosted, or Temporal Cloud)."""

    address: str = DEFAULT_ADDRESS
    namespace: str = "default"
    api_key: str | None = None
    """Temporal Cloud API key (implies TLS); never logged."""
    tls: bool = False
    tls_cert: str | None = None
    """Client certificate (PEM file) for mTLS to Temporal Cloud or a self-hosted cluster."""
    tls_key: str | None = None
    ui: str | None = None
    """Base URL of the Temporal web UI; default the dev server's (address port + 1000)."""
    heartbeat_seconds: float = DEFAULT_HEARTBEAT_SECONDS
    """A shot activity silent this long is presumed dead and retried on another worker."""

    @classmethod
    def from_env(cls, **overrides: Any) -> TemporalSettings:
        """Read ``LESSONREEL_TEMPORAL_*``; non-None ``overrides`` win."""
        heartbeat = _env("HEARTBEAT_SECONDS")
        values: dict[str, Any] = {
            "address": _env("ADDRESS") or DEFAULT_ADDRESS,
            "namespace": _env("NAMESPACE") or "default",
            "api_key": _env("API_KEY"),
            "tls": (_env("TLS") or "").lower() in {"1", "true", "yes", "on"},
            "tls_cert": _env("TLS_CERT"),
            "tls_key": _env("TLS_KEY"),
            "ui": _env("UI"),
            "heartbeat_seconds": float(heartbeat) if heartbeat else DEFAULT_HEARTBEAT_SECONDS,
        }
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)

    def ui_base(self) -> str:
        """The web UI's root: set explicitly, Temporal Cloud's, or the dev server's."""
        if self.ui:
            return self.ui.rstrip("/")
        if self.address.endswith(".tmprl.cloud:7233") or self.api_key:
            return "https://cloud.temporal.io"
        host, _, port = self.address.rpartition(":")
        return f"http://{host or '127.0.0.1'}:{int(port or 7233) + 1000}"

    def workflow_link(self, workflow_id: str) -> str:
        """The UI page of one lesson's workflow (its id is the run id)."""
        return f"{self.ui_base()}/namespaces/{self.namespace}/workflows/{workflow_id}"


def check_reachable(settings: TemporalSettings, timeout: float = 5.0) -> None:
    """Raise ConnectionError naming the address when nothing answers there.

    Checked before the SDK's runtime starts: a failed SDK connect aborts at interpreter exit.
    """
    import socket

    host, _, port = settings.address.rpartition(":")
    try:
        with socket.create_connection((host or "127.0.0.1", int(port or 7233)), timeout=timeout):
            return
    except (OSError, ValueError) as exc:
        raise ConnectionError(
            f"no Temporal at {settings.address} ({exc.__class__.__name__}) — start one "
            "(`temporal server start-dev`) or set LESSONREEL_TEMPORAL_ADDRESS"
        ) from None


async def connect(settings: TemporalSettings) -> Any:
    """Open a Temporal client; a missing ``temporalio`` names the extra to install."""
    try:
        from temporalio.client import Client, TLSConfig
    except ImportError:  # pragma: no cover - the extra is installed in dev
        raise RuntimeError(
            "the temporal engine needs the extra: pip install 'lessonreel[temporal]'"
        ) from None
    return await Client.connect(
        settings.address,
        namespace=settings.namespace,
        api_key=settings.api_key,
        tls=_tls(settings, TLSConfig),
    )


def _tls(settings: TemporalSettings, tls_config: Any) -> Any:
    """Client-certificate TLS (mTLS), plain TLS (API key, ``--tls``), or none."""
    if settings.tls_cert and settings.tls_key:
        with open(settings.tls_cert, "rb") as cert, open(settings.tls_key, "rb") as key:
            return tls_config(client_cert=cert.read(), client_private_key=key.read())
    return bool(settings.tls or settings.api_key)
