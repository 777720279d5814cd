"""The `extract` command line: the only place errors become one-line messages and exit codes."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from contract.safety import WorkbookRefused
from extract.errors import ExtractError
from schemas import SchemaNotFound

F = TypeVar("F", bound=Callable[..., Any])

# Each command lives in its own module under extract/commands, imported only when it runs:
# `extract run` never pays for pandas, and the CLI answers at once.
COMMAND_MODULES = ("run", "inspect", "schemas", "score", "export", "assign", "providers", "review")

USER_ERRORS = (ExtractError, SchemaNotFound, WorkbookRefused)


class Cli(click.Group):
    """Loads each command's module on first use; turns the project's typed errors into one
    clear line and exit code 1."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMAND_MODULES)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMAND_MODULES:
            return None
        command: click.Command = importlib.import_module(f"extract.commands.{cmd_name}").command
        return command

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except USER_ERRORS as error:
            raise click.ClickException(str(error)) from error
        except OSError as error:  # an output path that cannot be made or written
            where = f"{error.filename}: " if error.filename else ""
            raise click.ClickException(f"{where}{error.strerror or error}") from error


def workbook_option(function: F) -> F:
    """``--workbook``, shared by every command that reads or writes the contract."""
    return click.option(
        "--workbook",
        type=click.Path(dir_okay=False, path_type=Path),
        default=Path("contract.xlsx"),
        show_default=True,
        help="The contract workbook; its run store (.db) lives beside it.",
    )(function)


@click.group(cls=Cli, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="pdf-extract")
def cli() -> None:
    """Extract cited, checked data from PDFs into a shared workbook, and score it."""


def main() -> None:
    cli(prog_name="extract")
