"""Storage: the job ledger (SQLite), the safety blocklist (Chroma) and assets on disk."""
