-- Executed once by the postgres image's entrypoint, only when the data
-- directory is empty (first start of the pgdata volume). One database per
-- service; the services create their tables themselves (Alembic at start-up).
-- To re-run: `docker compose -f deploy/compose.yaml down -v`.
CREATE DATABASE subscriptions;
CREATE DATABASE quotes;
CREATE DATABASE invoicing;
CREATE DATABASE payments;
CREATE DATABASE notifications;
