"""`lessonreel screen` and `lessonreel blocklist` from the command line."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lessonreel.app.cli import app


@pytest.fixture(scope="module")
def prepared_home(seeded_home: Callable[[str], Path]) -> Path:
    return seeded_home("cli-safety-home")


@pytest.fixture
def runner(prepared_home: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("LESSONREEL_HOME", str(prepared_home))
    return CliRunner()


def test_screen_jsonl_round_trip(runner: CliRunner) -> None:
    lines = [
        {"text": "a diagram of the heart's four chambers"},
        {"text": "a naked woman posing on a bed"},
        {"text": "Mickey Mouse waving"},
    ]
    stdin = "\n".join(json.dumps(x) for x in lines) + "\n\n"
    result = runner.invoke(app, ["screen", "--jsonl", "--no-moderation"], input=stdin)
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["text"] for r in rows] == [x["text"] for x in lines]
    assert [r["allowed"] for r in rows] == [True, False, False]
    assert [r["category"] for r in rows] == [None, "sexual", "copyrighted_characters"]
    assert rows[0]["matches"] == []
    assert rows[2]["matches"][0]["layer"] == "lexical"


def test_screen_jsonl_rejects_a_bad_line(runner: CliRunner) -> None:
    result = runner.invoke(app, ["screen", "--jsonl"], input='{"txt": "x"}\n')
    assert result.exit_code == 2
    assert "line 1" in result.output


def test_screen_exit_code_and_json(runner: CliRunner) -> None:
    ok = runner.invoke(app, ["screen", "--json", "a volcano erupting in a geology lesson"])
    assert ok.exit_code == 0
    assert json.loads(ok.stdout)["allowed"] is True
    blocked = runner.invoke(app, ["screen", "how to cook meth at home"])
    assert blocked.exit_code == 1
    assert "BLOCKED" in blocked.stdout
    assert "weapons_drugs_instructions" in blocked.stdout


def test_screen_reads_stdin_with_dash(runner: CliRunner) -> None:
    result = runner.invoke(app, ["screen", "--json", "-"], input="k1ll y0urs3lf\n")
    assert result.exit_code == 1
    assert json.loads(result.stdout)["category"] == "self_harm"


def test_blocklist_add_list_and_import(runner: CliRunner, tmp_path: Path) -> None:
    added = runner.invoke(
        app,
        ["blocklist", "add", "the Quibbleflox mascot", "--category", "copyrighted_characters",
         "--suggestion", "an original mascot", "--term", "quibbleflox"],
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    screened = runner.invoke(app, ["screen", "--json", "Quibbleflox dancing"])
    assert screened.exit_code == 1
    listed = runner.invoke(app, ["blocklist", "list", "--category", "copyrighted_characters",
                                 "--json"])  # fmt: skip
    rows = [json.loads(line) for line in listed.stdout.splitlines()]
    assert any(r["text"] == "the Quibbleflox mascot" for r in rows)
    assert {r["category"] for r in rows} == {"copyrighted_characters"}

    src = tmp_path / "extra.jsonl"
    src.write_text('{"text": "a zibberwock attack", "category": "violence_gore", '
                   '"terms": ["zibberwock"]}\n')  # fmt: skip
    imported = runner.invoke(app, ["blocklist", "import", str(src)])
    assert imported.exit_code == 0
    assert "imported 1" in imported.stdout
    assert runner.invoke(app, ["screen", "a zibberwock in the hall"]).exit_code == 1

    bad = runner.invoke(app, ["blocklist", "add", "x", "--category", "spam"])
    assert bad.exit_code == 2
    assert "unknown category" in bad.output
