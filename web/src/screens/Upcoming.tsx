import { Card, Group, SegmentedControl, Skeleton, Table, Text } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { lazy, Suspense } from "react";
import { useTranslation } from "react-i18next";
import { useSearchParams } from "react-router";
import { api, unwrap } from "../api/client";
import { DateText, EmptyState, ErrorAlert, LoadingRows, Money, PageHeader, StatusBadge } from "../components/common";

const UpcomingChart = lazy(() => import("../components/charts").then((m) => ({ default: m.UpcomingChart })));

export default function Upcoming() {
  const { t } = useTranslation();
  const [params, setParams] = useSearchParams();
  const days = params.get("days") === "90" ? 90 : 30;
  const schedule = params.get("schedule") === "scheduled" || params.get("schedule") === "unscheduled" ? params.get("schedule")! : "all";
  const set = (change: Record<string, string>) => {
    const next = new URLSearchParams(params);
    Object.entries(change).forEach(([k, v]) => (v ? next.set(k, v) : next.delete(k)));
    setParams(next);
  };
  const chart = useQuery({
    queryKey: ["upcoming-chart", days],
    queryFn: async () => unwrap(await api.GET("/v1/upcoming-payments/chart", { params: { query: { days, bucket: "week" } } })),
  });
  const items = useQuery({
    queryKey: ["upcoming", days, schedule],
    queryFn: async () =>
      unwrap(await api.GET("/v1/upcoming-payments", { params: { query: { days, limit: 100, ...(schedule === "all" ? {} : { schedule: schedule as "scheduled" }) } } })),
  });
  return (
    <>
      <PageHeader title={t("nav.upcoming")}>
        <SegmentedControl aria-label={t("upcoming.period")} value={String(days)} onChange={(v) => set({ days: v === "30" ? "" : v })} data={[{ value: "30", label: t("upcoming.days", { count: 30 }) }, { value: "90", label: t("upcoming.days", { count: 90 }) }]} />
      </PageHeader>
      <Card withBorder mb="md" data-testid="upcoming-chart">
        <ErrorAlert error={chart.error} />
        {chart.isPending ? <Skeleton h={220} /> : chart.data && (
          <Suspense fallback={<Skeleton h={220} />}>
            <UpcomingChart chart={chart.data} />
          </Suspense>
        )}
      </Card>
      <Group mb="sm">
        <SegmentedControl aria-label={t("upcoming.schedule")} value={schedule} onChange={(v) => set({ schedule: v === "all" ? "" : v })} data={["all", "scheduled", "unscheduled"].map((s) => ({ value: s, label: t(`upcoming.schedules.${s}` as "upcoming.schedules.all") }))} />
        {items.data?.note && <Text size="xs" c="dimmed">{items.data.note}</Text>}
      </Group>
      <ErrorAlert error={items.error} />
      {items.isPending ? (
        <LoadingRows />
      ) : !items.data?.items.length ? (
        <EmptyState title={t("upcoming.nothing")} hint={t("upcoming.nothingHint")} />
      ) : (
        <Table.ScrollContainer minWidth={800}>
          <Table striped fz="sm" data-testid="upcoming-table">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t("upcoming.date")}</Table.Th>
                <Table.Th>{t("invoices.description")}</Table.Th>
                <Table.Th>{t("upcoming.schedule")}</Table.Th>
                <Table.Th>{t("subscriptions.col.status")}</Table.Th>
                <Table.Th ta="right">{t("renewals.amount")}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {items.data.items.map((p, i) => (
                <Table.Tr key={`${p.date}-${p.kind}-${p.invoice_id ?? p.subscription_ids.join()}-${i}`}>
                  <Table.Td><DateText value={p.date} /></Table.Td>
                  <Table.Td>{p.description}</Table.Td>
                  <Table.Td>{t(`upcoming.schedules.${p.schedule}` as "upcoming.schedules.all", { defaultValue: p.schedule })}</Table.Td>
                  <Table.Td><StatusBadge status={p.status} /></Table.Td>
                  <Table.Td ta="right"><Money amount={p.amount} currency={p.currency} />{!p.tax_included && <Text span size="xs" c="dimmed"> {t("upcoming.beforeTax")}</Text>}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
    </>
  );
}
