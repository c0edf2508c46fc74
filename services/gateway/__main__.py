import logging

import uvicorn

from services.gateway.app import create_app
from services.gateway.config import GatewaySettings

settings = GatewaySettings()
logging.basicConfig(
    level=settings.log_level, format="%(asctime)s gateway %(levelname)s %(name)s: %(message)s"
)
# httpx logs every forwarded URL at INFO, query strings included: a fuzzed `offset` that happens
# to be a Luhn-valid 13-19 digit number then sits in the log (tests/audit, R-PAY-1).
logging.getLogger("httpx").setLevel(logging.WARNING)
uvicorn.run(
    create_app(settings),
    host=settings.http_host,
    port=settings.http_port,
    log_level="warning",
    access_log=False,
)
