from services.quotes.app import build

build().serve()
