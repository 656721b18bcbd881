"""Agents: ingest, director, safety screen and sanitizer (LLM and offline implementations)."""
