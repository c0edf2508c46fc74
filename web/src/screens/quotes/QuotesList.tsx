import { Anchor, Button, SegmentedControl, Table } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { Link, useSearchParams } from "react-router";
import { api, unwrap } from "../../api/client";
import { useCan } from "../../auth/useSession";
import { DateText, EmptyState, ErrorAlert, LoadingRows, Money, PageHeader, StatusBadge } from "../../components/common";

const ORIGINS = ["all", "self_service", "partner", "automatic"] as const;

export default function QuotesList() {
  const { t } = useTranslation();
  const can = useCan();
  const [params, setParams] = useSearchParams();
  const origin = (ORIGINS as readonly string[]).includes(params.get("origin") ?? "") ? params.get("origin")! : "all";
  const quotes = useQuery({
    queryKey: ["quotes", origin],
    queryFn: async () =>
      unwrap(await api.GET("/v1/quotes", { params: { query: { limit: 100, ...(origin === "all" ? {} : { origin: origin as "partner" }) } } })),
  });
  return (
    <>
      <PageHeader title={t("nav.quotes")}>
        {can("quotes.partner") && <Button component={Link} to="/quotes/partner-new">{t("quotes.partnerNew")}</Button>}
      </PageHeader>
      <SegmentedControl
        mb="sm"
        aria-label={t("quotes.origin")}
        value={origin}
        onChange={(v) => setParams(v === "all" ? {} : { origin: v })}
        data={ORIGINS.map((o) => ({ value: o, label: t(`quotes.origins.${o}`) }))}
      />
      <ErrorAlert error={quotes.error} />
      {quotes.isPending ? (
        <LoadingRows />
      ) : !quotes.data?.items.length ? (
        <EmptyState title={t("quotes.empty")} hint={t("quotes.emptyHint")} />
      ) : (
        <Table.ScrollContainer minWidth={800}>
          <Table striped highlightOnHover fz="sm" data-testid="quotes-table">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t("quotes.number")}</Table.Th>
                <Table.Th>{t("quotes.origin")}</Table.Th>
                <Table.Th>{t("subscriptions.col.status")}</Table.Th>
                <Table.Th>{t("quotes.lines")}</Table.Th>
                <Table.Th>{t("quotes.expires")}</Table.Th>
                <Table.Th ta="right">{t("renewals.total")}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {quotes.data.items.map((q) => (
                <Table.Tr key={q.id}>
                  <Table.Td><Anchor component={Link} to={`/quotes/${q.id}`} size="sm">{q.number}</Anchor></Table.Td>
                  <Table.Td>{t(`quotes.origins.${q.origin}` as "quotes.origins.all", { defaultValue: q.origin })}</Table.Td>
                  <Table.Td><StatusBadge status={q.status} /></Table.Td>
                  <Table.Td>{q.lines.map((l) => l.product_name).join(", ")}</Table.Td>
                  <Table.Td><DateText value={q.expires_on} /></Table.Td>
                  <Table.Td ta="right"><Money amount={q.total} currency={q.currency} /></Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
    </>
  );
}
