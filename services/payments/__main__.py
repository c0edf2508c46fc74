from services.payments.app import build

build().serve()
