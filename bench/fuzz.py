"""Property-based fuzzing of the public API with schemathesis: requests generated from the
gateway's own OpenAPI document (valid and invalid ones), through the gateway to the real
services, counted by status; any 5xx is a failure and is printed as a curl command.

    uv run python -m bench.fuzz                      # own stack, 100 examples per operation
    uv run python -m bench.fuzz --examples 20
    uv run python -m bench.fuzz --gateway http://127.0.0.1:8000   # a running `make run`

Most requests carry a valid token of a fuzzing account (every role, no data of anyone else:
what they create stays there); the rest carry no token, a garbage one, an expired one or one
for another audience. The dev clock routes are left out (they would move every service's
time)."""

from __future__ import annotations

import argparse
import re
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import jwt
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.errors import HypothesisException
from schemathesis import GenerationMode

from services.gateway.auth import issue_token
from services.gateway.config import GatewaySettings
from shared.principal import Role

FUZZ_ACCOUNT = "5199999991"
PATH_PARAM = re.compile(r"\{\w+\}")


def auth_headers() -> list[dict[str, str]]:
    """What a request may carry; the valid token is listed several times (weighting)."""
    gs = GatewaySettings(environment="test")
    every_role = issue_token(
        gs, subject="fuzz@fuzz.example", csn=FUZZ_ACCOUNT, roles=[r.value for r in Role],
        partner_csn="7799999991",
    )  # fmt: skip
    plain_user = issue_token(gs, subject="fuzz-user@fuzz.example", csn=FUZZ_ACCOUNT, roles=["user"])
    expired = issue_token(gs, subject="f", csn=FUZZ_ACCOUNT, roles=["buyer"], ttl_seconds=-3600)
    other_audience = jwt.encode(
        {"sub": "f", "csn": FUZZ_ACCOUNT, "aud": "another-app", "iss": gs.jwt_issuer,
         "exp": int(time.time()) + 600},
        gs.hs256_secret or "",
        algorithm="HS256",
    )  # fmt: skip
    valid = {"Authorization": f"Bearer {every_role}"}
    return [
        *[valid] * 6,
        {"Authorization": f"Bearer {plain_user}"},
        {},
        {"Authorization": "Bearer not-a-jwt"},
        {"Authorization": f"Bearer {expired}"},
        {"Authorization": f"Bearer {other_audience}"},
    ]


def hostile_bodies() -> list[bytes]:
    """Bodies no generator makes but an attacker would: nesting far past any document (the
    parsers recurse), and a card number in a free-text field (R-PAY-1)."""
    deep_arrays = [("[" * n + "]" * n).encode() for n in (33, 600, 100_000)]
    deep_objects = ('{"a":' * 5_000 + "1" + "}" * 5_000).encode()
    card_in_text = b'{"reason": "4242 4242 4242 4242", "company_name": "x"}'
    endless_escapes = b'"' + b'\\"' * 300_000  # backtracking bait for a whole-string pattern
    return [*deep_arrays, deep_objects, card_in_text, endless_escapes]


def send_hostile_bodies(base_url: str, document: dict[str, Any], report: FuzzReport) -> None:
    valid = auth_headers()[0]
    for path, item in document.get("paths", {}).items():
        if path.startswith("/v1/dev/"):
            continue
        concrete = PATH_PARAM.sub("fuzz-id", path)
        for method in ("post", "put", "patch"):
            if method not in item:
                continue
            for body in hostile_bodies():
                response = httpx.request(
                    method.upper(),
                    f"{base_url}{concrete}",
                    content=body,
                    headers={**valid, "content-type": "application/json"},
                    timeout=30,
                )
                report.record(
                    response.status_code, f"{method.upper()} {concrete} ({len(body)} bytes)"
                )


@dataclass
class FuzzReport:
    requests: int = 0
    by_status: Counter[int] = field(default_factory=Counter)
    server_errors: list[str] = field(default_factory=list)
    skipped_operations: list[str] = field(default_factory=list)

    def record(self, status: int, reproduce: str) -> None:
        self.requests += 1
        self.by_status[status] += 1
        if status >= 500:
            self.server_errors.append(f"{status}: {reproduce}")

    def summary(self) -> str:
        classes = Counter(f"{s // 100}xx" for s in self.by_status.elements())
        return (
            f"{self.requests} generated requests, {len(self.server_errors)} answered 5xx; "
            + ", ".join(f"{k} {v}" for k, v in sorted(classes.items()))
        )


def fuzz(base_url: str, examples: int) -> FuzzReport:
    document: dict[str, Any] = httpx.get(f"{base_url}/openapi.json", timeout=30).json()
    schema = schemathesis.openapi.from_dict(document)
    report = FuzzReport()
    session = requests.Session()
    auths = auth_headers()
    for result in schema.get_all_operations():
        operation = result.ok()
        if operation.path.startswith("/v1/dev/"):
            continue
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @settings(
                max_examples=examples,
                deadline=None,
                database=None,
                suppress_health_check=list(HealthCheck),
            )
            @given(case=operation.as_strategy(mode), auth=st.sampled_from(auths))
            def call(case: Any, auth: dict[str, str]) -> None:
                headers = {
                    k: v for k, v in (case.headers or {}).items() if k.lower() != "authorization"
                }
                case.headers = {**headers, **auth}
                response = case.call(base_url=base_url, session=session, timeout=30)
                report.record(response.status_code, case.as_curl_command())

            try:
                call()
            except HypothesisException as exc:  # e.g. no invalid request exists for it
                report.skipped_operations.append(f"{operation.label} ({mode.value}): {exc!r}")
            except Exception as exc:  # schemathesis refusing to generate for this operation
                if "Unsatisfiable" not in type(exc).__name__ and "Generation" not in repr(exc):
                    raise
                report.skipped_operations.append(f"{operation.label} ({mode.value}): {exc!r}")
    send_hostile_bodies(base_url, document, report)
    return report


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--examples", type=int, default=100, help="per operation and mode mix")
    parser.add_argument("--gateway", help="fuzz a running gateway instead of starting a stack")
    args = parser.parse_args()
    if args.gateway:
        report = fuzz(args.gateway.rstrip("/"), args.examples)
    else:
        from shared.infra.kafka import kafka_broker
        from shared.infra.postgres import test_databases
        from shared.infra.stack import SERVICE_NAMES, Stack, settings_under_test

        work = Path(tempfile.mkdtemp(prefix="bench-fuzz-"))
        with (
            kafka_broker(log_path=work / "broker.log") as bootstrap,
            test_databases(list(SERVICE_NAMES), work / "sqlite") as urls,
        ):
            stack = Stack(
                bootstrap_servers=bootstrap,
                database_urls=urls,
                log_dir=work / "logs",
                env={**settings_under_test(work / "ledger.db"), "LOAD_DEMO_DATA": "true",
                     "LOG_LEVEL": "WARNING"},
            ).start()  # fmt: skip
            try:
                t0 = time.perf_counter()
                report = fuzz(stack.url("gateway"), args.examples)
                print(f"fuzzing took {time.perf_counter() - t0:.1f}s (logs in {work / 'logs'})")
            finally:
                stack.stop()
    print(report.summary())
    print("by status: " + ", ".join(f"{s} {n}" for s, n in sorted(report.by_status.items())))
    for skipped in report.skipped_operations:
        print(f"not fuzzed: {skipped}")
    for error in report.server_errors[:20]:
        print(f"SERVER ERROR {error}")
    if report.server_errors:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
