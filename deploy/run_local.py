"""`make run`: the broker, the four services and the gateway on SQLite, with demo data.
Ctrl-C stops every process."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from services.gateway.auth import issue_token  # noqa: E402
from services.gateway.config import GatewaySettings  # noqa: E402
from shared.demo import demo_accounts  # noqa: E402
from shared.infra.kafka import kafka_broker, preferred_port  # noqa: E402
from shared.infra.stack import DEFAULT_PORTS, SERVICE_NAMES, Stack  # noqa: E402


def main() -> None:
    var = ROOT / "var"
    var.mkdir(exist_ok=True)
    stop = {"now": False}
    # Ctrl-C reaches us twice (terminal group + `uv run` forwarding it): a flag, not an exception,
    # so that a second signal cannot cut the clean-up short.
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.update(now=True))
    # The embedded broker listens on 9092, Kafka's usual port, when it is free: other systems
    # consume our topics there (the banner says where it ended up).
    broker_port = preferred_port(int(os.environ.get("MAKE_RUN_KAFKA_PORT", "9092")))
    with kafka_broker(log_path=var / "broker.log", port=broker_port) as bootstrap:
        stack = Stack(
            bootstrap_servers=bootstrap,
            database_urls={
                s: os.environ.get(f"{s.upper()}_DATABASE_URL", f"sqlite+aiosqlite:///{var}/{s}.db")
                for s in SERVICE_NAMES
            },
            log_dir=var / "logs",
            mail_dir=var / "mail",
            ports=dict(DEFAULT_PORTS),
            env={
                "ENVIRONMENT": "dev",
                "LOAD_DEMO_DATA": "true",
                "DEV_CLOCK_ENABLED": "true",
                # Moving the dev clock runs every job at once: these periods are a fallback.
                "RENEWAL_SWEEP_SECONDS": "10",
                "AUTOMATIC_QUOTES_SECONDS": "10",
                "NOTICE_SWEEP_SECONDS": "10",
                "SANDBOX_LEDGER_PATH": str(var / "sandbox-psp-ledger.db"),
            },
        )
        try:
            stack.start()  # a signal during start-up is honoured right after
            settings = GatewaySettings()
            print(f"\nBilling & Orders is up (logs in {var / 'logs'}):")
            print(f"  web app       {stack.url('gateway')}/   (sign in as a demo user below)")
            print(f"  gateway       {stack.url('gateway')}   API docs: {stack.url('gateway')}/docs")
            for s in SERVICE_NAMES:
                print(f"  {s:<14}{stack.url(s)}")
            print(f"  Kafka broker  {bootstrap}   (topics: KAFKA_BOOTSTRAP_SERVERS={bootstrap})")
            print(
                f"  metrics       {stack.url('gateway')}/metrics and /metrics of each service "
                "(Prometheus; internal network only, docs/operations.md)\n"
                "                dashboard and alerts: deploy/observability/ "
                "(compose --profile observability)"
            )
            print(
                f"\nE-mails: a local SMTP sink ({stack.env['SMTP_URL']}) keeps every message the "
                f"notifications service sends\n  as an .eml file in {var / 'mail'}/ "
                "(open one in a mail client, or: ls var/mail; cat var/mail/<file>.eml)"
            )
            print("\nDemo users (token: make token SUBJECT=<user>):")
            for account in demo_accounts():
                for u in account["users"]:
                    print(
                        f"  {u['subject']:<28} {account['company_name']:<22} {','.join(u['roles'])}"
                    )
            token = issue_token(
                settings, subject="alice@acme.example", csn="5100000001", roles=["primary_admin"]
            )
            print(f"\nToken for alice@acme.example:\n  {token}\n")
            print(
                "Watch a renewal: make advance-clock DAYS=5, then list subscriptions and invoices."
            )
            print("Ctrl-C stops everything.")
            while not stop["now"]:
                for name, proc in stack.processes.items():
                    if proc.poll() is not None:
                        print(f"{name} exited ({proc.returncode}); see {var / 'logs' / name}.log")
                        stop["now"] = True
                time.sleep(0.5)
        finally:
            for sig in (signal.SIGINT, signal.SIGTERM):
                signal.signal(sig, signal.SIG_IGN)
            print("\nstopping…", flush=True)
            stack.stop()
            print("stopped.", flush=True)


if __name__ == "__main__":
    try:
        main()
    except subprocess.SubprocessError as exc:
        sys.exit(str(exc))
