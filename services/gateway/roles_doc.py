"""Writes docs/roles.md from the policy table (`uv run python -m services.gateway.roles_doc`);
a unit test fails when the document and the table disagree."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

from services.gateway import policy
from services.gateway.policy import POLICY, Action
from shared.principal import Role

DOC = Path(__file__).resolve().parents[2] / "docs" / "roles.md"


def _notes() -> dict[str, str]:
    """The one-line comment next to each entry of the table (its R-rule, its caveat)."""
    source = inspect.getsource(policy)
    return dict(re.findall(r"Action\.(\w+):[^#\n]*#\s*(.+)", source))


def render() -> str:
    roles = list(Role)
    notes = _notes()
    lines = [
        "# Who may do what (R-ROLE-1..4)",
        "",
        "Generated from `services/gateway/policy.py` by "
        "`uv run python -m services.gateway.roles_doc`; do not edit by hand.",
        "",
        "The gateway checks the action of every route against this table (403 `forbidden`",
        "otherwise). The owning service then scopes every object to the caller's account:",
        "another account's object is 404 (`<object>_not_found`), never 403.",
        "",
        "| action | " + " | ".join(f"`{r.value}`" for r in roles) + " | note |",
        "|---|" + "---|" * len(roles) + "---|",
    ]
    for action in Action:
        marks = " | ".join("yes" if r in POLICY[action] else "" for r in roles)
        lines.append(f"| `{action.value}` | {marks} | {notes.get(action.name, '')} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    DOC.write_text(render())
    print(f"wrote {DOC}")
