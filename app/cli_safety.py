"""Safety commands: ``screen`` and ``blocklist`` (heavy imports stay inside the commands)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

blocklist_app = typer.Typer(help="List and extend the safety blocklist.", no_args_is_help=True)


def _verdict_row(text: str, verdict: Any) -> dict[str, Any]:
    row: dict[str, Any] = {"text": text}
    row.update(verdict.model_dump(mode="json", exclude={"rewrites"}))
    return row


def screen(
    text: Annotated[str | None, typer.Argument(help="Prompt to screen, or '-' for stdin.")] = None,
    jsonl: Annotated[
        bool, typer.Option("--jsonl", help='Read {"text": ...} lines on stdin, write verdicts.')
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON verdict.")] = False,
    no_moderation: Annotated[
        bool, typer.Option("--no-moderation", help="Skip the OpenAI moderation second opinion.")
    ] = False,
) -> None:
    """Screen a prompt against the safety blocklist; exit 1 when blocked."""
    from lessonreel.agents.safety import Screen

    if not jsonl and text is None:
        raise typer.BadParameter("give TEXT, '-' for stdin, or --jsonl")
    scr = Screen.open(moderation=False if no_moderation else None)
    if jsonl:
        for n, line in enumerate(sys.stdin, 1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
                prompt = item["text"] if isinstance(item, dict) else str(item)
            except (json.JSONDecodeError, KeyError) as exc:
                typer.echo(f"line {n}: expected a JSON object with 'text' ({exc})", err=True)
                raise typer.Exit(2) from exc
            row = _verdict_row(prompt, scr.screen(prompt))
            sys.stdout.write(json.dumps(row, ensure_ascii=False) + "\n")
            sys.stdout.flush()
        return
    prompt = sys.stdin.read() if text == "-" else str(text)
    verdict = scr.screen(prompt)
    if as_json:
        typer.echo(json.dumps(_verdict_row(prompt, verdict), ensure_ascii=False))
    else:
        _print_verdict(prompt, verdict)
    raise typer.Exit(0 if verdict.allowed else 1)


def _print_verdict(prompt: str, verdict: Any) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    if verdict.allowed:
        console.print("[bold green]ALLOWED[/]")
    else:
        console.print(f"[bold red]BLOCKED[/] [red]{verdict.category}[/]")
    if verdict.matches:
        table = Table("layer", "category", "entry", "distance", "score", "words", "suggestion")
        for m in verdict.matches:
            table.add_row(
                m.layer,
                m.category,
                m.entry or "",
                "" if m.distance is None else f"{m.distance:.3f}",
                "" if m.score is None else f"{m.score:.2f}",
                ", ".join(m.words),
                m.suggestion or "",
            )
        console.print(table)
    for r in verdict.reasons:
        console.print(f"- {r}", markup=False)


@blocklist_app.command("list")
def blocklist_list(
    category: Annotated[str | None, typer.Option(help="Only this category.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="JSONL output.")] = False,
) -> None:
    """List blocklist entries."""
    from lessonreel.store.blocklist import Blocklist

    entries = Blocklist.open().list(category)
    if as_json:
        for e in entries:
            typer.echo(e.model_dump_json())
        return
    from rich.console import Console
    from rich.table import Table

    table = Table("id", "category", "severity", "text", "suggestion")
    for e in entries:
        table.add_row(e.id, e.category, e.severity, e.text, e.suggestion)
    Console().print(table)
    typer.echo(f"{len(entries)} entries")


@blocklist_app.command("add")
def blocklist_add(
    text: Annotated[str, typer.Argument(help="The concept to block, as a short phrase.")],
    category: Annotated[str, typer.Option(help="Blocklist category.")],
    suggestion: Annotated[str, typer.Option(help="Neutral rephrasing for the sanitizer.")] = "",
    severity: Annotated[str, typer.Option(help="low, medium or high.")] = "medium",
    term: Annotated[
        list[str] | None, typer.Option("--term", help="Lexical term that blocks on its own.")
    ] = None,
) -> None:
    """Add (or update) one entry."""
    from pydantic import ValidationError

    from lessonreel.store.blocklist import BlockEntry, Blocklist, user_entry_id

    try:
        entry = BlockEntry(
            id=user_entry_id(text, category),
            text=text,
            category=category,
            severity=severity,
            suggestion=suggestion,
            terms=term or [],
        )
    except ValidationError as exc:
        typer.echo(f"invalid entry: {exc.errors()[0]['msg']}", err=True)
        raise typer.Exit(2) from exc
    Blocklist.open().add([entry])
    typer.echo(f"added {entry.id}")


@blocklist_app.command("import")
def blocklist_import(
    path: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="JSONL of entries.")],
) -> None:
    """Import entries from a JSONL file (text, category, optional id/severity/suggestion/terms)."""
    from lessonreel.store.blocklist import Blocklist, load_entries_file

    try:
        entries = load_entries_file(path)
    except ValueError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from exc
    n = Blocklist.open().add(entries)
    typer.echo(f"imported {n} entries")
