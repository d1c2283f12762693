"""``kettle openapi``: print or write the app's OpenAPI document (no server needed).

The CLI group adds it with ``cli.add_command(openapi_command)``.
"""

from __future__ import annotations

import json

import click


@click.command("openapi")
@click.option("--output", "-o", type=click.Path(dir_okay=False, writable=True),
              help="Write the document to this file instead of printing it.")
@click.option("--indent", type=int, default=2, show_default=True, help="JSON indentation.")
@click.pass_context
def openapi_command(ctx: click.Context, output: str | None, indent: int) -> None:
    """Print the app's OpenAPI 3.1 document as JSON."""
    from ..cli import ScriptInfo
    from . import build_spec

    app = ctx.ensure_object(ScriptInfo).load_app()
    text = json.dumps(build_spec(app), indent=indent or None, ensure_ascii=False)
    if output is None:
        click.echo(text)
        return
    with open(output, "w", encoding="utf-8") as file:
        file.write(text + "\n")
    click.echo(f"Wrote {output}", err=True)
