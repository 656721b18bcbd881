"""Agents: ingest, director, safety screen and sanitizer, each with LLM and offline implementations."""
