"""Inspection and service commands: runs, show, providers, webhooks."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from lessonreel.app.cli_common import JsonOpt, fail, plain, run_or_fail, say


def runs(limit: Annotated[int, typer.Option(min=1, help="How many runs to list.")] = 20) -> None:
    """List recent runs, newest first."""
    from rich.console import Console
    from rich.table import Table

    from lessonreel.store.ledger import Ledger

    with Ledger.open() as ledger:
        rows = ledger.list_runs(limit)
    if not rows:
        typer.echo("No runs yet — start one with: lessonreel make LESSON")
        return
    from rich import box

    table = Table(title="lessonreel runs", box=box.SIMPLE_HEAD, pad_edge=False)
    table.add_column("run id", no_wrap=True, min_width=max(len(str(r["run_id"])) for r in rows))
    table.add_column("title", overflow="fold", min_width=10)
    table.add_column("status", overflow="fold")
    table.add_column("engine", no_wrap=True)
    table.add_column("provider/model", overflow="fold")
    table.add_column("spent", justify="right", no_wrap=True)
    for r in rows:
        table.add_row(
            plain(r["run_id"]),
            plain(r.get("title") or ""),
            plain(status_of(r)),
            plain(r.get("engine") or "local"),
            plain(f"{r.get('provider')}/{r.get('model')}"),
            f"${float(r.get('spent_usd') or 0):.2f}",
        )
    Console().print(table)


def status_of(run: dict[str, object]) -> str:
    """The run's status as a user reads it ("awaiting review" for a paused storyboard)."""
    return str(run.get("status") or "")


def show(
    run_id: Annotated[
        str, typer.Argument(metavar="RUN", help="Run id, a unique prefix of it, or `last`.")
    ],
    as_json: JsonOpt = False,
) -> None:
    """Show a run: its shots, outcomes, cost and where its files are."""
    from rich.console import Console
    from rich.table import Table

    from lessonreel.store.ledger import Ledger

    run = run_or_fail(run_id)
    run_id = str(run["run_id"])
    report_path = Path(str(run.get("out_dir") or "")) / "report.json"
    report = (
        json.loads(report_path.read_text()) if run.get("out_dir") and report_path.exists() else None
    )
    if as_json:
        typer.echo(json.dumps({"run": run, "report": report}, indent=2, default=str))
        return
    console = Console()
    say(console, f"{run.get('title')} · {run_id} · {status_of(run)}")
    if status_of(run) == "awaiting review":
        say(console, f"  approve it: lessonreel resume {run_id} --approve")
        say(console, f"  review it in a terminal: lessonreel resume {run_id}")
    with Ledger.open() as ledger:
        shots = ledger.shots(run_id)
    table = Table()
    for col in ("#", "status", "attempts", "rewrites", "cost", "detail"):
        table.add_column(col)
    for s in shots:
        table.add_row(
            str(s["idx"] + 1),
            plain(s.get("status")),
            str(s.get("attempts") or 0),
            str(s.get("rewrites") or 0),
            f"${float(s.get('cost_usd') or 0):.2f}",
            plain(s.get("error") or s.get("clip_path") or ""),
        )
    console.print(table)
    if report is not None:
        from lessonreel.app.cli_view import files_table

        for label, path in files_table(report):
            say(console, f"{label:>15}: {path}")


def providers() -> None:
    """List providers and models: legal durations and sizes, $/s, and the key each needs."""
    from rich.console import Console
    from rich.table import Table

    from lessonreel.video.pricing import PriceTable
    from lessonreel.video.providers.factory import provider_names, required_env

    names = provider_names()
    table = Table(title="Video providers")
    for col in ("provider", "model", "seconds", "sizes", "$/s", "needs"):
        table.add_column(col, overflow="fold")
    for spec in PriceTable.default().specs():
        if spec.provider not in names:
            continue
        rates = sorted(set(spec.price_per_second.values()))
        rate = f"{rates[0]:.2f}" if len(rates) == 1 else f"{rates[0]:.2f}–{rates[-1]:.2f}"
        if spec.priced_per_token:
            rate += " (per token: estimate)"
        elif "UNVERIFIED" in spec.notes or "placeholder" in spec.notes:
            rate += " (unverified)"
        table.add_row(
            spec.provider,
            spec.model,
            ", ".join(str(s) for s in spec.seconds),
            ", ".join(spec.sizes),
            rate,
            ", ".join(required_env(spec.provider)) or "nothing (free, offline)",
        )
    console = Console()
    console.print(table)
    console.print(
        "OpenAI's own Sora endpoint was retired on 2026-09-24: `openai` serves compatible "
        "gateways (OPENAI_BASE_URL). Live video: openrouter, veo or azure."
    )


def webhooks(
    host: Annotated[str, typer.Option(help="Interface to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8787,
    provider: Annotated[
        str | None,
        typer.Option(
            help="Provider whose signature scheme to verify (openrouter: its own; others: "
            "Standard Webhooks) and name to file events under (default: the sender's)."
        ),
    ] = None,
    secret_env: Annotated[
        str, typer.Option(help="Environment variable holding the signing secret (whsec_… or raw).")
    ] = "LESSONREEL_WEBHOOK_SECRET",
    read_timeout: Annotated[
        float, typer.Option(min=0.1, help="Seconds a sender gets to deliver a whole body.")
    ] = 10.0,
) -> None:
    """Receive signed provider webhooks and write them into the ledger for running jobs."""
    import os

    secret = os.environ.get(secret_env, "").strip()
    if not secret:
        raise fail(f"set {secret_env} to the webhook signing secret")
    from lessonreel.app.webhook_sink import serve_receiver

    typer.echo(f"lessonreel webhooks: http://{host}:{port}/ → ledger")
    serve_receiver(secret, host=host, port=port, provider=provider, read_timeout=read_timeout)
