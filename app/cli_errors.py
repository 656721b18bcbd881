"""Expected failures told in a few lines: what failed, which variable is involved, the fix.

A chat server that cannot be reached or refuses the key is a situation, not a bug: the user
gets the variable to change and ``--director offline``; ``--debug`` (``LESSONREEL_DEBUG=1``)
shows the traceback instead.
"""

from __future__ import annotations

import os

from lessonreel.app.cli_common import clean

DEBUG_ENV = "LESSONREEL_DEBUG"


def debug_enabled() -> bool:
    """True when ``--debug`` was given or ``LESSONREEL_DEBUG`` is set to a true value."""
    return os.environ.get(DEBUG_ENV, "").strip().lower() in {"1", "true", "yes", "on"}


def _status_error(exc: BaseException) -> tuple[int | None, str]:
    """The HTTP status and error code of an OpenAI-client error (None: no response)."""
    status = getattr(exc, "status_code", None)
    code = getattr(exc, "code", None) or ""
    body = getattr(exc, "body", None)
    if not code and isinstance(body, dict):
        inner = body.get("error", body)
        code = (inner.get("code") or inner.get("type") or "") if isinstance(inner, dict) else ""
    return (status if isinstance(status, int) else None), str(code)


def _chat_cause(exc: BaseException) -> BaseException | None:
    """The OpenAI-client error behind ``exc`` (walks ``__cause__``/``__context__``)."""
    import openai

    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, openai.APIError):
            return current
        current = current.__cause__ or current.__context__
    return None


def chat_failure_lines(
    exc: BaseException,
    *,
    role: str = "director",
    model: str | None = None,
    base_url: str | None = None,
    run_id: str | None = None,
) -> list[str]:
    """At most six lines for a failed LLM agent call: what, which variable, the fix."""
    import openai

    from lessonreel.agents.models import chat_source, model_name

    key_var, server = chat_source(base_url)
    where = server or "the default OpenAI endpoint"
    name = model_name(role, model)
    cause = _chat_cause(exc)
    status, code = _status_error(cause) if cause is not None else (None, "")
    if isinstance(cause, openai.APIConnectionError):
        what = f"cannot reach the chat server at {where}"
        involved = f"it is used because {key_var} is set; check the server address"
    elif status == 401:
        what = f"the chat server at {where} refused the key (401 unauthorized)"
        involved = f"the key comes from {key_var}"
    elif status == 403:
        what = f"the key may not use model {name!r} at {where} (403 forbidden)"
        involved = f"the key comes from {key_var}; the model from LESSONREEL_{role.upper()}_MODEL"
    elif status == 404:
        what = f"the chat server at {where} does not know model {name!r} (404)"
        involved = (
            f"set LESSONREEL_{role.upper()}_MODEL (or LESSONREEL_LLM_MODEL) to a model it has"
        )
    elif status == 429 and "quota" in code:
        what = f"the chat account behind {key_var} is out of quota (429 {code})"
        involved = "add credit to the account, or use another key"
    elif status == 429:
        what = f"the chat server at {where} is rate limiting (429)"
        involved = "wait a minute and try again"
    elif status is not None:
        what = f"the chat server at {where} answered {status}"
        involved = f"it is used because {key_var} is set"
    else:
        what = clean(str(exc))[:300]
        involved = f"it is used because {key_var} is set"
    lines = [
        f"error: the LLM {role} failed: {clean(what)}",
        f"  {involved}.",
        f"  fix: use the offline {role}: --{role} offline (or LESSONREEL_{role.upper()}=offline)",
    ]
    if run_id is not None:
        lines.append(
            f"  the run is kept: lessonreel resume {run_id} --{role} offline (or after the fix)"
        )
    lines.append("  --debug shows the traceback.")
    return lines
