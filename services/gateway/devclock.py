"""Move every service's clock forward through the gateway (dev only):
`make advance-clock DAYS=5` or `python -m services.gateway.devclock --days 5`."""

from __future__ import annotations

import argparse
import json
import os

import httpx

from services.gateway.auth import issue_token
from services.gateway.config import GatewaySettings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--days", type=int, default=1)
    parser.add_argument("--gateway", default=os.environ.get("GATEWAY_URL", "http://127.0.0.1:8000"))
    args = parser.parse_args()
    token = issue_token(
        GatewaySettings(), subject="alice@acme.example", csn="5100000001", roles=["primary_admin"]
    )
    resp = httpx.post(
        f"{args.gateway}/v1/dev/clock/advance",
        json={"days": args.days},
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    if resp.status_code != 200:
        raise SystemExit(f"clock not moved ({resp.status_code}): {resp.text}")
    state = resp.json()
    print(f"every service's clock now reads {state[0]['now']}")
    print(json.dumps(state, indent=2))


if __name__ == "__main__":
    main()
