"""E-mails from Jinja2 templates (R-NOTE-5): one file per kind and language,
`templates/<lang>/<kind>.j2`, with a `subject`, a `text` and an `html` block. The text blocks
are rendered without escaping, the HTML block with it (two environments, one file)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from shared.money import Money

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


@dataclass(frozen=True)
class RenderedMail:
    subject: str
    text: str
    html: str


def money(amount: int, currency: str, language: str = "en") -> str:
    """1,234.56 EUR in English, 1 234,56 EUR in French."""
    figure = Money(amount, currency).text(grouping=True)
    if language == "fr":
        figure = figure.replace(",", "\u202f").replace(".", ",")
    return f"{figure} {currency}"


def day(value: date | datetime | str, language: str = "en") -> str:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if isinstance(value, datetime):
        value = value.date()
    return value.strftime("%d/%m/%Y") if language == "fr" else value.isoformat()


def _environment(autoescape: bool) -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=autoescape,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["money"] = money
    env.filters["day"] = day
    return env


_TEXT = _environment(autoescape=False)
_HTML = _environment(autoescape=True)


def _block(env: Environment, name: str, block: str, context: dict[str, Any]) -> str:
    template = env.get_template(name)
    return "".join(template.blocks[block](template.new_context(context))).strip()


def render(kind: str, language: str, context: dict[str, Any]) -> RenderedMail:
    name = f"{language}/{kind}.j2"
    context = {**context, "lang": language}
    return RenderedMail(
        subject=" ".join(_block(_TEXT, name, "subject", context).split()),
        text=_block(_TEXT, name, "text", context) + "\n",
        html=_block(_HTML, name, "html", context) + "\n",
    )
