"""`extract providers`: the backends, what each reads from the environment, their defaults."""

from __future__ import annotations

import os

import click

from extract.backends.providers import PROVIDERS


@click.command("providers")
def command() -> None:
    """List the backends --backend and --fallback take, and the variables each reads."""
    for provider in PROVIDERS:
        click.echo(f"{provider.name}  (default model: {provider.default_model})")
        click.echo(f"    {provider.about}")
        for variable in provider.variables:
            names = [name.strip() for name in variable.name.split(",")]
            state = "set" if any(os.environ.get(name) for name in names) else "not set"
            click.echo(f"    {variable.name:<34} {state:<8} {variable.about}")
    click.echo("auto: anthropic when ANTHROPIC_API_KEY is set, else rules.")
