"""Keep secrets out of the ledger.

API keys and webhook secrets live in the environment only; a key that leaks into a run's
options or a provider's echoed payload must never land in ``lessonreel.db``. Two policies:

- :func:`refuse_secrets` raises ``ValueError`` — used for values *we* write (run options, run
  and shot fields): a key there is a bug in the caller and should fail loudly.
- :func:`redact_secrets` replaces the secret with ``[REDACTED]`` — used for data *others* send
  (webhook payloads, provider error messages): the event must still be recorded.

A value counts as a secret when it matches a known key shape (``sk-…``, ``whsec_…``, ``AIza…``,
``ya29.…``, a JWT, a long bearer token), when it sits under a key-like field name
(``api_key``, ``authorization``, ``*secret*``, ``password``, ``token``), or when it contains the
current value of a key-like environment variable (``OPENAI_API_KEY``, ``*_SECRET``, …).
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from typing import Any

REDACTED = "[REDACTED]"

_PATTERNS = re.compile(
    "|".join(
        (
            r"\bsk-[A-Za-z0-9][A-Za-z0-9_\-]{19,}",
            r"\bwhsec_[A-Za-z0-9+/=]{16,}",
            r"\bAIza[0-9A-Za-z_\-]{30,}",
            r"\bya29\.[0-9A-Za-z_\-]{20,}",
            r"\beyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}",
            r"(?i:\bbearer\s+)[A-Za-z0-9._~+/\-]{20,}=*",
        )
    )
)
_SECRET_FIELD = re.compile(
    r"(?i)(api[_-]?key|secret|password|passwd|authorization|^(access_|auth_|id_|refresh_)?token$)"
)
_SECRET_ENV = re.compile(r"(?i)(API_KEY|SECRET|(^|_)TOKEN|PASSWORD)$")
_MIN_ENV_SECRET = 8


def _env_secrets() -> list[str]:
    """Return the values of key-like environment variables, read at call time."""
    return [
        value
        for name, value in os.environ.items()
        if _SECRET_ENV.search(name) and len(value.strip()) >= _MIN_ENV_SECRET
    ]


def _string_secret(text: str, env: list[str]) -> str | None:
    match = _PATTERNS.search(text)
    if match:
        return f"a value shaped like a credential ({match.group(0)[:4]}…)"
    for value in env:
        if value in text:
            return "the value of a key-like environment variable"
    return None


def find_secret(value: Any, *, field: str = "") -> str | None:
    """Describe the first secret-looking thing in ``value`` (never the secret), else None."""
    env = _env_secrets()
    return _find(value, field, env)


def _find(value: Any, field: str, env: list[str]) -> str | None:
    if isinstance(value, str):
        if field and value.strip() and _SECRET_FIELD.search(field):
            return f"a non-empty value under the field {field!r}"
        found = _string_secret(value, env)
        return f"{found} in {field!r}" if found and field else found
    if isinstance(value, Mapping):
        for key, item in value.items():
            found = _find(item, str(key), env)
            if found:
                return found
        return None
    if isinstance(value, list | tuple | set | frozenset):
        for item in value:
            found = _find(item, field, env)
            if found:
                return found
    return None


def refuse_secrets(value: Any, *, where: str, field: str = "") -> None:
    """Raise ValueError if ``value`` holds anything that looks like an API key or secret."""
    found = find_secret(value, field=field)
    if found:
        raise ValueError(
            f"refusing to store {found} in the ledger ({where}); "
            "keys belong in the environment, never in run options or state"
        )


def redact_secrets(value: Any, *, field: str = "") -> Any:
    """Return a copy of ``value`` with secret-looking strings replaced by ``[REDACTED]``."""
    return _redact(value, field, _env_secrets())


def _redact(value: Any, field: str, env: list[str]) -> Any:
    if isinstance(value, str):
        if field and value.strip() and _SECRET_FIELD.search(field):
            return REDACTED
        text = _PATTERNS.sub(REDACTED, value)
        for secret in env:
            text = text.replace(secret, REDACTED)
        return text
    if isinstance(value, Mapping):
        return {key: _redact(item, str(key), env) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_redact(item, field, env) for item in value]
    return value
