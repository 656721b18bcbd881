"""Where everything a user owns lives: the lessonreel home and its layout.

One function decides the home (``LESSONREEL_HOME``, else the platform data dir) so the CLI, the
notebook API, the webhook receiver and the tests all agree on it. Folders are created when a
path is asked for, never at import.
"""

from __future__ import annotations

import os
import re
import secrets
import unicodedata
from datetime import UTC, datetime
from pathlib import Path

import platformdirs

HOME_ENV = "LESSONREEL_HOME"
LEDGER_FILE = "lessonreel.db"
CHECKPOINTS_FILE = "checkpoints.db"
BLOCKLIST_DIR = "blocklist"
RUNS_DIR = "runs"
SHOTS_DIR = "shots"

_RUN_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$")


def lessonreel_home(*, create: bool = True) -> Path:
    """Return the home folder: ``$LESSONREEL_HOME``, else the platform data dir for lessonreel."""
    env = os.environ.get(HOME_ENV, "").strip()
    home = (
        Path(env).expanduser()
        if env
        else Path(platformdirs.user_data_dir("lessonreel", appauthor=False))
    )
    home = home.absolute()
    if create:
        home.mkdir(parents=True, exist_ok=True)
    return home


def _home(home: Path | None) -> Path:
    if home is None:
        return lessonreel_home()
    home = Path(home)
    home.mkdir(parents=True, exist_ok=True)
    return home


def ledger_path(home: Path | None = None) -> Path:
    """Return the job ledger database path (``lessonreel.db``)."""
    return _home(home) / LEDGER_FILE


def checkpoints_path(home: Path | None = None) -> Path:
    """Return the LangGraph SQLite checkpointer path (``checkpoints.db``)."""
    return _home(home) / CHECKPOINTS_FILE


def blocklist_dir(home: Path | None = None, *, create: bool = True) -> Path:
    """Return the Chroma blocklist folder (``blocklist/``)."""
    path = _home(home) / BLOCKLIST_DIR
    if create:
        path.mkdir(parents=True, exist_ok=True)
    return path


def runs_root(home: Path | None = None, *, create: bool = True) -> Path:
    """Return the folder holding one sub-folder per run (``runs/``)."""
    path = _home(home) / RUNS_DIR
    if create:
        path.mkdir(parents=True, exist_ok=True)
    return path


def check_run_id(run_id: str) -> str:
    """Return ``run_id`` if it is a safe folder name; raise ValueError otherwise.

    Run ids come from the command line (``lessonreel show RUN``), so a ``../`` or a path
    separator must never turn into a folder outside the home.
    """
    if not isinstance(run_id, str) or not _RUN_ID.match(run_id) or ".." in run_id:
        raise ValueError(
            f"invalid run id {run_id!r}: use letters, digits, '.', '_' or '-' "
            "(see `lessonreel runs` for existing ids)"
        )
    return run_id


def run_dir(run_id: str, home: Path | None = None, *, create: bool = True) -> Path:
    """``runs/<run_id>/`` under the home; with ``create`` it and its ``shots/`` are made."""
    path = runs_root(home, create=create) / check_run_id(run_id)
    if create:
        (path / SHOTS_DIR).mkdir(parents=True, exist_ok=True)
    return path


def shots_dir(run_id: str, home: Path | None = None, *, create: bool = True) -> Path:
    """``runs/<run_id>/shots/``, where clips, thumbnails and partial downloads land."""
    return run_dir(run_id, home, create=create) / SHOTS_DIR


def slugify(text: str, *, max_len: int = 40) -> str:
    """Make a lowercase ASCII slug (``"Photosynthesis 101!"`` → ``"photosynthesis-101"``)."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    slug = slug[:max_len].rstrip("-")
    return slug or "lesson"


def new_run_id(lesson_id: str, *, now: datetime | None = None) -> str:
    """Make a run id that sorts by creation time: ``20260131-142501-photosynthesis-3fa9c1d2``.

    Four random bytes: a school scheduling hundreds of runs of one lesson in the same second
    must not get two runs sharing a folder (three bytes collided in a 200-id test run).
    """
    stamp = (now or datetime.now(UTC)).astimezone(UTC).strftime("%Y%m%d-%H%M%S")
    return f"{stamp}-{slugify(lesson_id)}-{secrets.token_hex(4)}"
