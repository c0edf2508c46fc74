"""Print a development bearer token for a demo user: `make token` or
`python -m services.gateway.token --subject bea@acme.example`."""

from __future__ import annotations

import argparse

from services.gateway.auth import issue_token
from services.gateway.config import GatewaySettings
from shared.demo import demo_users


def main() -> None:
    users = demo_users()
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--subject", default="alice@acme.example", choices=sorted(users))
    args = parser.parse_args()
    settings = GatewaySettings()
    if settings.environment == "prod":
        raise SystemExit("dev tokens are not issued in prod")
    user = users[args.subject]
    token = issue_token(
        settings,
        subject=args.subject,
        csn=user["csn"],
        roles=user["roles"],
        partner_csn=user.get("partner_csn"),
    )
    print(token)


if __name__ == "__main__":
    main()
