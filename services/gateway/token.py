"""Print a development bearer token for a demo user: `make token` or
`python -m services.gateway.token --subject bea@acme.example`."""

from __future__ import annotations

import argparse

from services.gateway.auth import issue_token
from services.gateway.config import GatewaySettings
from shared.demo import demo_accounts


def main() -> None:
    users = {
        u["subject"]: (a["csn"], u["roles"], u.get("partner_csn"))
        for a in demo_accounts()
        for u in a["users"]
    }
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--subject", default="alice@acme.example", choices=sorted(users))
    args = parser.parse_args()
    settings = GatewaySettings()
    if settings.environment == "prod":
        raise SystemExit("dev tokens are not issued in prod")
    csn, roles, partner_csn = users[args.subject]
    print(
        issue_token(settings, subject=args.subject, csn=csn, roles=roles, partner_csn=partner_csn)
    )


if __name__ == "__main__":
    main()
