import logging

import uvicorn

from services.gateway.app import create_app
from services.gateway.config import GatewaySettings

settings = GatewaySettings()
logging.basicConfig(
    level=settings.log_level, format="%(asctime)s gateway %(levelname)s %(name)s: %(message)s"
)
uvicorn.run(
    create_app(settings),
    host=settings.http_host,
    port=settings.http_port,
    log_level="warning",
    access_log=False,
)
