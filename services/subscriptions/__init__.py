"""The subscriptions service, read top-down (STYLE.md):

- domain/: pure rules. model.py (the Subscription aggregate), cart.py (renewal carts),
  rules.py (windows, limits, and the criteria "due", "expired", "unanswered" that the sweeps'
  SQL is compiled from), refusals.py, values.py, views.py (projections, catalogue),
  events.py (what aggregates record; the mixin is shared/aggregate.py), criteria.py.
- service_layer/: use cases as `(cmd, uow)` (commands.py): sweeps.py, event_handlers.py,
  changes.py (auto-renew, payment method, term, seats), carts.py, views.py (reads);
  messages.py builds every published event; uow.py writes what aggregates recorded.
- adapters/: tables, repository, criteria to SQL.
- entrypoints/: one HTTP module per resource (api.py lists them), schemas.py, deps.py,
  consumers.py (Kafka).
"""
