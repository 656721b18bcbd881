"""How a run command ends: where everything went, and expected failures as a few lines.

Exit codes: 0 done, 1 failed, 2 bad input, 3 stopped by the budget or a quota.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import typer

from lessonreel.app.cli_common import EXIT_BAD_INPUT, fail, stderr_console


def finish_run(result: Any, *, as_json: bool) -> None:
    """Print where everything went (or the JSON report) and exit with the run's code."""
    from lessonreel.app.cli_common import say
    from lessonreel.app.cli_view import files_table
    from lessonreel.app.results import narration_text, silent_by_accident, summary_line

    console = stderr_console()
    if result.report is None:
        if result.review is not None:
            rid = result.run_id
            say(console, f"Run {rid} is awaiting review of its storyboard.")
            say(console, f"  approve it as it is: lessonreel resume {rid} --approve")
            say(console, f"  review it in a terminal: lessonreel resume {rid}")
        raise typer.Exit(result.exit_code)
    report = result.report.model_dump(mode="json")
    if as_json:
        typer.echo(json.dumps(report, indent=2))
    say(console, summary_line(result.report))
    for gap in result.report.gaps:
        say(console, f"  shot {gap.index + 1}: {gap.outcome} — {gap.reason}")
    if silent_by_accident(result.report.narration):
        say(console, narration_text(result.report.narration))
    for label, path in files_table(report):
        say(console, f"{label:>15}: {path}")
    say(console, f"{'Run id':>15}: {result.run_id}")
    raise typer.Exit(result.exit_code)


def execute_run(coro: Any, ctx: Any) -> Any:
    """Run a run coroutine; expected failures become a few lines (exit 1 or 2), no traceback."""
    from lessonreel.agents.director import DirectorError
    from lessonreel.agents.ingest import LessonInputError
    from lessonreel.agents.models import ChatConfigError
    from lessonreel.app.api import RunStoppedError
    from lessonreel.app.cli_errors import chat_failure_lines, debug_enabled
    from lessonreel.app.out_guard import OutputDirError
    from lessonreel.graph.runner import RunNotFoundError
    from lessonreel.store.lease import LeaseHeldError
    from lessonreel.video.types import ErrorKind, ProviderError

    try:
        return asyncio.run(coro)
    except LeaseHeldError as exc:
        raise fail(str(exc), 1) from None
    except (LessonInputError, OutputDirError, ChatConfigError) as exc:
        raise fail(str(exc)) from None
    except RunNotFoundError as exc:
        raise fail(str(exc.args[0])) from None
    except ProviderError as exc:
        code = EXIT_BAD_INPUT if exc.error.kind is ErrorKind.INVALID_REQUEST else 1
        raise fail(exc.error.message, code) from None
    except (DirectorError, RunStoppedError) as exc:
        if debug_enabled():
            raise
        run_id = exc.run_id if isinstance(exc, RunStoppedError) else None
        for line in chat_failure_lines(
            exc, model=ctx.director_model, base_url=ctx.chat_base_url, run_id=run_id
        ):
            typer.echo(line, err=True)
        raise typer.Exit(1) from None
    except Exception as exc:
        problem = disk_problem_line(exc)
        if problem is None:
            raise
        raise fail(problem, 1) from None


def disk_problem_line(exc: Exception) -> str | None:
    """A full disk or read-only home behind ``exc``, in one line (store/diskspace.py)."""
    from lessonreel.store.diskspace import disk_problem
    from lessonreel.store.home import lessonreel_home

    found = disk_problem(exc, lessonreel_home(create=False))
    return found.message() if found is not None else None
