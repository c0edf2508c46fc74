"""What an operator sees of a process: JSON logs (`logging`), Prometheus metrics (`metrics`) and
OpenTelemetry traces (`tracing`). docs/operations.md explains each of them."""
