from services.invoicing.app import build

build().serve()
