"""examples/quickstart.ipynb runs top to bottom offline, and shows what a notebook user expects.

Executed with nbclient on a real kernel (the project's own Python), in a copy of ``examples/``:
the plan displays as a table with the estimate, rendering shows a progress display, and the
result carries a ``<video>`` that plays in JupyterLab and VS Code (an embedded data URL, never an
absolute filesystem path); plain reprs stay one line.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def outputs_of(cell: nbformat.NotebookNode, mime: str) -> list[str]:
    found = []
    for out in cell.get("outputs", []):
        data = out.get("data", {})
        if mime in data:
            found.append(str(data[mime]))
    return found


@pytest.mark.timeout(420)
def test_quickstart_notebook_plans_renders_and_plays_offline(tmp_path: Path) -> None:
    work = tmp_path / "examples"
    shutil.copytree(EXAMPLES / "lessons", work / "lessons")
    shutil.copy(EXAMPLES / "quickstart.ipynb", work / "quickstart.ipynb")
    nb = nbformat.read(work / "quickstart.ipynb", as_version=4)
    NotebookClient(
        nb, timeout=360, kernel_name="python3", resources={"metadata": {"path": str(work)}}
    ).execute()
    code = [c for c in nb.cells if c.cell_type == "code"]
    plan_html = " ".join(outputs_of(code[1], "text/html"))
    assert "<table" in plan_html
    assert "what is said" in plan_html
    assert "Estimate" in plan_html
    assert len(" ".join(outputs_of(code[1], "text/plain"))) < 200

    make_cell = code[2]
    htmls = outputs_of(make_cell, "text/html")
    assert any("<progress" in h for h in htmls), "no progress display while rendering"
    result_html = htmls[-1]
    assert '<video src="data:video/mp4;base64,' in result_html
    assert 'src="data:text/vtt;base64,' in result_html
    assert "delivered" in result_html
    assert len(" ".join(outputs_of(make_cell, "text/plain"))) < 300

    listing = " ".join(outputs_of(code[3], "text/plain"))
    assert "lesson.mp4" in listing
    assert (work / "quickstart-out" / "lesson.mp4").stat().st_size > 10_000
