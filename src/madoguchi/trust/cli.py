"""`madoguchi trust …`: the checks from the command line (DESIGN.md contract)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Literal

import click
import orjson


@click.group()
def trust() -> None:
    """Check whether a URL, domain, address, number or mail is a brand's official one."""


_LANGUAGE = click.option(
    "--lang",
    "language",
    type=click.Choice(["ja", "en"]),
    default="ja",
    show_default=True,
    help="Language of the reasons.",
)


@trust.command("check")
@_LANGUAGE
def check(language: Literal["ja", "en"]) -> None:
    """Read one item per line on standard input (URL, e-mail address, phone number or domain); write one JSON
    object per line."""
    from madoguchi.trust.checker import TrustChecker, not_utf8

    checker = TrustChecker()
    out = sys.stdout
    # Exactly one answer per line, blank or unreadable ones included, so answers pair with the input by position.
    for number, raw in enumerate(sys.stdin.buffer, start=1):
        line = raw.rstrip(b"\r\n")
        try:
            item = line.decode("utf-8")
        except UnicodeDecodeError as exc:
            result = not_utf8(line, number, exc)
        else:
            result = checker.check(item.strip())
        out.write(orjson.dumps(result.contract(language)).decode() + "\n")
        out.flush()


@trust.command("check-email")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path, allow_dash=True))
@_LANGUAGE
def check_email(files: tuple[Path, ...], language: Literal["ja", "en"]) -> None:
    """Check whole mails (.eml files, or - for standard input); write one JSON object per mail."""
    from madoguchi.trust.checker import TrustChecker
    from madoguchi.trust.mail import MAX_MAIL_BYTES

    checker = TrustChecker()
    failed = False
    for path in files:
        try:
            if str(path) == "-":
                data = sys.stdin.buffer.read(MAX_MAIL_BYTES + 1)
            else:
                with path.open("rb") as handle:
                    data = handle.read(MAX_MAIL_BYTES + 1)
        except OSError as exc:
            click.echo(f"Error: cannot read {path}: {exc.strerror}", err=True)
            failed = True
            continue
        result = checker.check_mail(data, name=str(path))
        click.echo(orjson.dumps(result.contract(language)).decode())
    if failed:
        sys.exit(1)
