from services.subscriptions.app import build

build().serve()
