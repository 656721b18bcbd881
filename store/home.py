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


def _home(home: Path | None, *, create: bool = True) -> Path:
    if home is None:
        return lessonreel_home(create=create)
    home = Path(home)
    if create:
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
    path = _home(home, create=create) / RUNS_DIR
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


RUN_ID_MAX = 40
"""Longest run id we make: it fits a terminal column and is easy to read aloud or type."""
RUN_SLUG_MAX = 24
"""Characters of the lesson's name in a run id (a few words; the id stays near 33)."""


def new_run_id(title: str) -> str:
    """Make a readable run id of at most 40 characters: ``photosynthesis-7f3a2c1d``.

    Four random bytes: a school scheduling hundreds of runs of one lesson must not get two runs
    sharing a folder. Runs are ordered by the ledger's ``created_at``, not by their id.
    """
    suffix = secrets.token_hex(4)
    slug = slugify(title, max_len=200)
    if len(slug) > RUN_SLUG_MAX:  # whole words only: photosynthesis-how, not photosynthesis-how-p
        cut = slug[: RUN_SLUG_MAX + 1].rsplit("-", 1)[0]
        slug = cut if len(cut) <= RUN_SLUG_MAX else slug[:RUN_SLUG_MAX]
    return f"{slug}-{suffix}"


def match_run_id(wanted: str, known: list[str]) -> str:
    """Resolve ``wanted`` against ``known`` ids (newest first): ``last``, an exact id, a prefix.

    Raises LookupError with a one-line message when nothing or more than one run matches.
    """
    if wanted == "last":
        if not known:
            raise LookupError("no runs yet — start one with: lessonreel make LESSON")
        return known[0]
    if wanted in known:
        return wanted
    hits = [k for k in known if k.startswith(wanted)]
    if len(hits) == 1:
        return hits[0]
    if not hits:
        raise LookupError(f"no run {wanted!r} — see `lessonreel runs` for run ids")
    shown = ", ".join(hits[:3]) + (", …" if len(hits) > 3 else "")
    raise LookupError(f"{wanted!r} matches {len(hits)} runs ({shown}) — give more of the id")
