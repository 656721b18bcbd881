"""Reviewing a storyboard in a real terminal (a pty): readable, editable, and the prompt stays.

The run pauses with the storyboard as a table (shot, seconds, what we see, what is said). While
the question waits, nothing redraws the screen (the live progress is stopped), so the prompt
stays visible. "edit" opens a short YAML form in ``$EDITOR``; a mistake is shown and the editor
opens again with the error on top; the saved edit is what gets filmed.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

import pexpect
import pytest

EDITOR = r"""
import pathlib, sys
path = pathlib.Path(sys.argv[-1])
log = pathlib.Path(sys.argv[1])
seen = path.read_text(encoding="utf-8")
calls = log.read_text(encoding="utf-8").count("\n=====\n") if log.exists() else 0
log.write_text((log.read_text(encoding="utf-8") if log.exists() else "") + seen + "\n=====\n")
if calls == 0:
    path.write_text(seen.replace("seconds: 4", "seconds: 5", 1), encoding="utf-8")
else:
    fixed = seen.replace("seconds: 5", "seconds: 4")
    lines = fixed.splitlines()
    at = next(i for i, line in enumerate(lines) if line.strip().startswith("narration:"))
    lines[at] = '    narration: "Leaves catch sunlight and turn it into sugar."'
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
"""

REDRAW = re.compile(r"\x1b\[(?:\d*A|2K|\d*F)")


@pytest.mark.timeout(240)
def test_terminal_review_shows_a_table_keeps_the_prompt_and_films_the_validated_edit(
    lessonreel: Any, tmp_path: Path
) -> None:
    emulator = lessonreel.emulator({"latency": 0})
    editor = tmp_path / "editor.py"
    editor.write_text(EDITOR, encoding="utf-8")
    log = tmp_path / "editor.log"
    out = tmp_path / "out"
    argv = lessonreel.driver.cli(*lessonreel.driver.make_args(emulator.url, out, 2, "--review"))
    env = {
        **lessonreel.env,
        "EDITOR": f"{sys.executable} {editor} {log}",
        "COLUMNS": "100",
        "TERM": "xterm",
    }
    child = pexpect.spawn(
        argv[0], argv[1:], env=env, encoding="utf-8", timeout=180, dimensions=(40, 100)
    )
    try:
        child.expect("Approve this storyboard")
        table = child.before
        for header in ("shot", "seconds", "what we see", "what is said"):
            assert header in table
        # the prompt waits; nothing may redraw over it
        with pytest.raises(pexpect.TIMEOUT):
            child.expect(REDRAW, timeout=1.5)
        child.sendline("e")
        child.expect("Not saved")
        child.expect("Approve this storyboard")
        child.sendline("y")
        child.expect(pexpect.EOF)
    finally:
        child.close()
    assert child.exitstatus == 0, child.before
    first, second = log.read_text(encoding="utf-8").split("\n=====\n")[:2]
    assert first.startswith("# Storyboard")
    assert "narration:" in first
    assert len(first.splitlines()) < 40
    assert "# ! " in second
    assert "seconds must be one of 4" in second
    storyboard = json.loads((out / "storyboard.json").read_text(encoding="utf-8"))
    assert storyboard["shots"][0]["narration"] == "Leaves catch sunlight and turn it into sugar."
