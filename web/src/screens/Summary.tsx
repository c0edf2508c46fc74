import { Alert, Anchor, Card, Group, List, SimpleGrid, Skeleton, Stack, Text, Title } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { lazy, Suspense } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import { api, unwrap, type Schemas } from "../api/client";
import { useCan } from "../auth/useSession";
import { DateText, EmptyState, ErrorAlert, LoadingRows, PageHeader } from "../components/common";
import { formatNumber } from "../lib/format";

const UpcomingChart = lazy(() => import("../components/charts").then((m) => ({ default: m.UpcomingChart })));
const SpendingChart = lazy(() => import("../components/charts").then((m) => ({ default: m.SpendingChart })));

interface ProductCard {
  product_code: string;
  product_name: string;
  subscriptions: number;
  contracts: number;
  seats: number;
  teams: number;
}
interface AlertItem {
  subscription_id: string;
  product_name: string;
  renewal_date: string;
  days_left: number;
  payment_error?: string;
}
interface Alerts {
  payment_errors?: AlertItem[];
  last_chance_to_renew?: AlertItem[];
  expiring_soon?: AlertItem[];
}

function Section({ title, children, testId }: { title: string; children: React.ReactNode; testId?: string }) {
  return (
    <Card withBorder padding="md" data-testid={testId}>
      <Title order={2} size="h4" mb="sm">
        {title}
      </Title>
      {children}
    </Card>
  );
}

function AlertList({ items, kind }: { items: AlertItem[]; kind: "payment_errors" | "last_chance_to_renew" | "expiring_soon" }) {
  const { t } = useTranslation();
  if (!items.length) return null;
  const color = kind === "payment_errors" ? "red" : kind === "last_chance_to_renew" ? "orange" : "yellow";
  return (
    <Alert color={color} title={t(`summary.alerts.${kind}`, { count: items.length })} data-testid={`alert-${kind}`}>
      <List size="sm" spacing={2}>
        {items.map((a) => (
          <List.Item key={a.subscription_id}>
            <Anchor component={Link} to={`/subscriptions/${a.subscription_id}`} size="sm">
              {a.product_name} ({a.subscription_id})
            </Anchor>{" "}
            — {kind === "payment_errors" && a.payment_error ? `${t(`paymentErrors.${a.payment_error}` as "paymentErrors.card_declined", { defaultValue: a.payment_error })} · ` : ""}
            {t("summary.renewsOn")} <DateText value={a.renewal_date} /> ({t("summary.daysLeft", { count: a.days_left })})
          </List.Item>
        ))}
      </List>
    </Alert>
  );
}

export default function Summary() {
  const { t, i18n } = useTranslation();
  const can = useCan();
  const dashboard = useQuery({
    queryKey: ["dashboard"],
    queryFn: async () => unwrap(await api.GET("/v1/dashboard")),
  });
  const chart = useQuery({
    queryKey: ["upcoming-chart", 30],
    enabled: can("payments.upcoming"),
    queryFn: async () => unwrap(await api.GET("/v1/upcoming-payments/chart", { params: { query: { days: 30, bucket: "week" } } })),
  });
  const d = dashboard.data;
  const cards = (d?.product_cards ?? null) as ProductCard[] | null;
  const alerts = (d?.alerts ?? null) as Alerts | null;
  const upcoming = d?.upcoming;
  const count = (page: unknown) => (page && typeof page === "object" && "total" in page ? Number((page as { total: number }).total) : null);
  const missing = (section: string) => (
    <Alert color="gray" variant="outline" data-testid="section-missing">
      {t("summary.missing", { section })}
    </Alert>
  );

  return (
    <>
      <PageHeader title={t("nav.summary")} />
      <ErrorAlert error={dashboard.error} />
      {dashboard.isPending && <LoadingRows rows={6} />}
      {d && (
        <Stack>
          {d.partial && (
            <Alert color="yellow" role="status" data-testid="partial">
              {t("summary.partial", { services: d.unavailable.join(", ") })}
            </Alert>
          )}
          {alerts && (
            <Stack gap="xs" data-testid="alerts">
              <AlertList items={alerts.payment_errors ?? []} kind="payment_errors" />
              <AlertList items={alerts.last_chance_to_renew ?? []} kind="last_chance_to_renew" />
              <AlertList items={alerts.expiring_soon ?? []} kind="expiring_soon" />
            </Stack>
          )}
          <Section title={t("summary.products")} testId="product-cards">
            {cards === null ? (
              missing(t("summary.products"))
            ) : cards.length === 0 ? (
              <EmptyState title={t("summary.noProducts")} hint={t("summary.noProductsHint")} />
            ) : (
              <SimpleGrid cols={{ base: 1, sm: 2, lg: 3 }}>
                {cards.map((c) => (
                  <Card key={c.product_code} withBorder padding="sm" data-testid="product-card">
                    <Text fw={600}>{c.product_name}</Text>
                    <Text size="sm">{t("summary.card.subscriptions", { count: c.subscriptions, n: formatNumber(c.subscriptions, i18n.language) })}</Text>
                    {c.contracts > 0 && <Text size="sm">{t("summary.card.contracts", { count: c.contracts })}</Text>}
                    <Text size="sm">{t("summary.card.seats", { count: c.seats, n: formatNumber(c.seats, i18n.language) })}</Text>
                    <Text size="sm">{t("summary.card.teams", { count: c.teams })}</Text>
                  </Card>
                ))}
              </SimpleGrid>
            )}
          </Section>
          {!d.not_shown.includes("quotes") && !d.not_shown.includes("invoices") && (
            <SimpleGrid cols={{ base: 1, sm: 2 }}>
              <Section title={t("summary.activeQuotes")} testId="active-quotes">
                {count(upcoming?.quotes) === null ? missing(t("summary.activeQuotes")) : (
                  <Group justify="space-between">
                    <Text size="xl" fw={700}>{count(upcoming?.quotes)}</Text>
                    <Anchor component={Link} to="/quotes">{t("summary.seeQuotes")}</Anchor>
                  </Group>
                )}
              </Section>
              <Section title={t("summary.unpaidInvoices")} testId="unpaid-invoices">
                {count(upcoming?.invoices) === null ? missing(t("summary.unpaidInvoices")) : (
                  <Group justify="space-between">
                    <Text size="xl" fw={700}>{count(upcoming?.invoices)}</Text>
                    <Anchor component={Link} to="/invoices?status=open">{t("summary.seeInvoices")}</Anchor>
                  </Group>
                )}
              </Section>
            </SimpleGrid>
          )}
          {can("payments.upcoming") && (
            <Section title={t("summary.upcoming30")} testId="upcoming-chart">
              <ErrorAlert error={chart.error} />
              {chart.isPending ? <Skeleton h={220} /> : chart.data && (
                <Suspense fallback={<Skeleton h={220} />}>
                  <UpcomingChart chart={chart.data} />
                </Suspense>
              )}
            </Section>
          )}
          {!d.not_shown.includes("spending") && (
            <Section title={t("summary.spending")} testId="spending">
              {d.spending ? (
                <Suspense fallback={<Skeleton h={220} />}>
                  <SpendingChart spending={d.spending as Schemas["SpendingOut"]} />
                </Suspense>
              ) : missing(t("summary.spending"))}
            </Section>
          )}
        </Stack>
      )}
    </>
  );
}
