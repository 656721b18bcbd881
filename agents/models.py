"""Chat-model factory for the LLM agents (director, sanitizer).

Environment, read only when `chat_model` is called (first match wins):

- ``LESSONREEL_LLM_BASE_URL`` + ``LESSONREEL_LLM_API_KEY`` (or ``OPENAI_API_KEY``): any
  OpenAI-compatible server (a LiteLLM proxy, vLLM, Ollama, ...), through ``ChatOpenAI``.
- ``OPENAI_API_KEY`` (optional ``OPENAI_BASE_URL``): OpenAI, through ``ChatOpenAI``.
- ``AZURE_OPENAI_API_KEY`` + ``AZURE_OPENAI_ENDPOINT`` (optional ``AZURE_OPENAI_API_VERSION``,
  default ``2024-10-21``): Azure OpenAI, through ``AzureChatOpenAI``; the model name is the
  deployment name.

Model name: the ``model`` argument, else ``LESSONREEL_<ROLE>_MODEL`` (e.g.
``LESSONREEL_DIRECTOR_MODEL``), else ``LESSONREEL_LLM_MODEL``, else ``gpt-4.1-mini``.
With no key configured the result is None and callers use their offline implementation.
"""

from __future__ import annotations

import os
from typing import Literal

from langchain_core.language_models import BaseChatModel
from pydantic import SecretStr

DEFAULT_MODEL = "gpt-4.1-mini"
DEFAULT_AZURE_API_VERSION = "2024-10-21"


def _env(name: str) -> str | None:
    value = os.environ.get(name, "").strip()
    return value or None


def model_name(role: str, model: str | None = None) -> str:
    """Return the model a role uses: argument, role env var, shared env var, default."""
    role_var = f"LESSONREEL_{role.upper().replace('-', '_')}_MODEL"
    return model or _env(role_var) or _env("LESSONREEL_LLM_MODEL") or DEFAULT_MODEL


def chat_model(
    role: str,
    *,
    model: str | None = None,
    base_url: str | None = None,
    api_key: str | None = None,
) -> BaseChatModel | None:
    """Build the chat model for ``role`` from arguments or env; None when no key is set."""
    name = model_name(role, model)
    base_url = base_url or _env("LESSONREEL_LLM_BASE_URL")
    if base_url:
        key = api_key or _env("LESSONREEL_LLM_API_KEY") or _env("OPENAI_API_KEY")
        if not key:
            return None
        return _openai(name, key, base_url)
    key = api_key or _env("OPENAI_API_KEY")
    if key:
        return _openai(name, key, _env("OPENAI_BASE_URL"))
    azure_key = _env("AZURE_OPENAI_API_KEY")
    endpoint = _env("AZURE_OPENAI_ENDPOINT")
    if azure_key and endpoint:
        from langchain_openai import AzureChatOpenAI

        return AzureChatOpenAI(
            azure_endpoint=endpoint,
            azure_deployment=name,
            api_key=SecretStr(azure_key),
            api_version=_env("AZURE_OPENAI_API_VERSION") or DEFAULT_AZURE_API_VERSION,
            timeout=120,
            max_retries=2,
        )
    return None


def _openai(name: str, key: str, base_url: str | None) -> BaseChatModel:
    from langchain_openai import ChatOpenAI

    return ChatOpenAI(
        model=name, api_key=SecretStr(key), base_url=base_url, timeout=120, max_retries=2
    )


AgentChoice = Literal["auto", "llm", "offline"]
AGENT_CHOICES: tuple[str, ...] = ("auto", "llm", "offline")


class ChatConfigError(ValueError):
    """``llm`` was asked for but no chat key is configured; the message names the variables."""


def choose_chat_model(
    role: str,
    choice: str,
    *,
    model: str | None = None,
    base_url: str | None = None,
) -> BaseChatModel | None:
    """The chat model an agent uses: ``offline`` → None, ``auto`` → LLM when a key is set.

    ``llm`` without a key raises :class:`ChatConfigError` rather than quietly going offline.
    """
    if choice not in AGENT_CHOICES:
        raise ChatConfigError(
            f"--{role} {choice!r}: choose one of {', '.join(AGENT_CHOICES)} "
            f"(LESSONREEL_{role.upper()})"
        )
    if choice == "offline":
        return None
    llm = chat_model(role, model=model, base_url=base_url)
    if llm is None and choice == "llm":
        raise ChatConfigError(
            f"--{role} llm needs a chat key: set OPENAI_API_KEY (or LESSONREEL_LLM_BASE_URL + "
            f"LESSONREEL_LLM_API_KEY, or AZURE_OPENAI_API_KEY + AZURE_OPENAI_ENDPOINT), "
            f"or use --{role} offline"
        )
    return llm


def chat_source(base_url: str | None = None) -> tuple[str, str | None]:
    """Which variable supplies the chat key, and the server it points at (None: the default).

    Failure messages name these, so a user knows what to change.
    """
    base = base_url or _env("LESSONREEL_LLM_BASE_URL")
    if base:
        key_var = "LESSONREEL_LLM_API_KEY" if _env("LESSONREEL_LLM_API_KEY") else "OPENAI_API_KEY"
        return key_var, base
    if _env("OPENAI_API_KEY"):
        return "OPENAI_API_KEY", _env("OPENAI_BASE_URL")
    return "AZURE_OPENAI_API_KEY", _env("AZURE_OPENAI_ENDPOINT")
