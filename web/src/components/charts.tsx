// The two charts (recharts through @mantine/charts), in their own chunk: loaded after the data.
import "@mantine/charts/styles.css";
import { BarChart } from "@mantine/charts";
import { Stack, Text } from "@mantine/core";
import { useTranslation } from "react-i18next";
import type { Schemas } from "../api/client";
import { formatDate, formatMonth, formatMoney } from "../lib/format";

/** Upcoming payments: stacked bars per period, auto-renew / manual / payment error, one chart per currency. */
export function UpcomingChart({ chart }: { chart: Schemas["ChartOut"] }) {
  const { t, i18n } = useTranslation();
  const lng = i18n.language;
  if (!chart.series.length) return <Text c="dimmed">{t("upcoming.nothing")}</Text>;
  return (
    <Stack>
      {chart.series.map((s) => {
        const money = (v: number) => formatMoney(v, s.currency, lng);
        const data = s.bars.map((b) => ({
          period: formatDate(b.start, lng),
          auto_renew: b.auto_renew,
          manual: b.manual,
          payment_error: b.payment_error,
        }));
        return (
          <figure key={s.currency} style={{ margin: 0 }} data-testid={`chart-${s.currency}`}>
            <Text component="figcaption" size="sm" fw={600} mb={4}>
              {t("upcoming.chartCaption", {
                currency: s.currency,
                auto: money(s.totals.auto_renew),
                manual: money(s.totals.manual),
                error: money(s.totals.payment_error),
              })}
            </Text>
            <BarChart
              h={220}
              data={data}
              dataKey="period"
              type="stacked"
              withLegend
              valueFormatter={money}
              series={[
                { name: "auto_renew", label: t("status.auto_renew"), color: "teal.7" },
                { name: "manual", label: t("status.manual"), color: "orange.7" },
                { name: "payment_error", label: t("status.payment_error"), color: "red.8" },
              ]}
            />
          </figure>
        );
      })}
    </Stack>
  );
}

/** Spending: the last five months and the current one, due / payment errors / paid, per currency. */
export function SpendingChart({ spending }: { spending: Schemas["SpendingOut"] }) {
  const { t, i18n } = useTranslation();
  const lng = i18n.language;
  const currencies = [...new Set(spending.months.flatMap((m) => m.totals.map((x) => x.currency)))];
  if (!currencies.length) return <Text c="dimmed">{t("summary.noSpending")}</Text>;
  return (
    <Stack>
      {currencies.map((currency) => {
        const money = (v: number) => formatMoney(v, currency, lng);
        const data = spending.months.map((m) => {
          const x = m.totals.find((tt) => tt.currency === currency);
          return {
            month: formatMonth(m.month, lng),
            due: x?.payments_due ?? 0,
            errors: x?.payment_errors ?? 0,
            paid: x?.payments_made ?? 0,
          };
        });
        return (
          <figure key={currency} style={{ margin: 0 }} data-testid={`spending-${currency}`}>
            <Text component="figcaption" size="sm" fw={600} mb={4}>
              {t("summary.spendingCaption", { currency })}
            </Text>
            <BarChart
              h={220}
              data={data}
              dataKey="month"
              withLegend
              valueFormatter={money}
              series={[
                { name: "due", label: t("summary.due"), color: "blue.8" },
                { name: "errors", label: t("status.payment_error"), color: "red.8" },
                { name: "paid", label: t("status.paid"), color: "teal.7" },
              ]}
            />
          </figure>
        );
      })}
    </Stack>
  );
}

export default { UpcomingChart, SpendingChart };
