import uvicorn

from services.gateway.app import create_app
from services.gateway.config import GatewaySettings
from shared.observability.logging import configure_logging

settings = GatewaySettings()
# httpx is kept at WARNING there: it logs every forwarded URL at INFO, query strings included, and
# a fuzzed `offset` that happens to be a Luhn-valid 13-19 digit number would sit in the log.
configure_logging("gateway", level=settings.log_level, environment=settings.environment)
uvicorn.run(
    create_app(settings),
    host=settings.http_host,
    port=settings.http_port,
    log_level="warning",
    access_log=False,
    log_config=None,  # uvicorn logs through configure_logging's handler
)
