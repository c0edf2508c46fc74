import { Anchor, Button, Group, Table } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import { api, download, unwrap } from "../api/client";
import { DateText, EmptyState, ErrorAlert, LoadingRows, Money, PageHeader, StatusBadge } from "../components/common";
import { formatDateTime } from "../lib/format";

export default function Orders() {
  const { t, i18n } = useTranslation();
  const orders = useQuery({
    queryKey: ["orders"],
    queryFn: async () => unwrap(await api.GET("/v1/orders", { params: { query: { limit: 100 } } })),
  });
  return (
    <>
      <PageHeader title={t("nav.orders")} />
      <ErrorAlert error={orders.error} />
      {orders.isPending ? (
        <LoadingRows />
      ) : !orders.data?.items.length ? (
        <EmptyState title={t("orders.empty")} hint={t("orders.emptyHint")} />
      ) : (
        <Table.ScrollContainer minWidth={900}>
          <Table striped fz="sm" data-testid="orders-table">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t("orders.number")}</Table.Th>
                <Table.Th>{t("orders.placed")}</Table.Th>
                <Table.Th>{t("orders.kind")}</Table.Th>
                <Table.Th>{t("subscriptions.col.status")}</Table.Th>
                <Table.Th ta="right">{t("renewals.total")}</Table.Th>
                <Table.Th>{t("orders.invoice")}</Table.Th>
                <Table.Th>{t("orders.documents")}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {orders.data.items.map((o) => (
                <Table.Tr key={o.id}>
                  <Table.Td>{o.number}</Table.Td>
                  <Table.Td>{formatDateTime(o.placed_at, i18n.language)}</Table.Td>
                  <Table.Td>{t(`orders.kinds.${o.kind}` as "orders.kinds.renewal", { defaultValue: o.kind })}</Table.Td>
                  <Table.Td><StatusBadge status={o.invoice.status} /></Table.Td>
                  <Table.Td ta="right"><Money amount={o.total} currency={o.currency} /></Table.Td>
                  <Table.Td>
                    <Anchor component={Link} to={`/invoices/${o.invoice.id}`} size="sm">{o.invoice.number}</Anchor> · <DateText value={o.invoice.due_date} />
                  </Table.Td>
                  <Table.Td>
                    <Group gap={4} wrap="nowrap">
                      <Button size="compact-xs" variant="subtle" onClick={() => void download(`/v1/orders/${o.id}/confirmation.pdf`, `${o.number}.pdf`)} aria-label={t("orders.confirmationOf", { number: o.number })}>
                        {t("orders.confirmation")}
                      </Button>
                      <Button size="compact-xs" variant="subtle" onClick={() => void download(`/v1/invoices/${o.invoice.id}/pdf`, `${o.invoice.number}.pdf`)} aria-label={t("orders.taxInvoiceOf", { number: o.invoice.number })}>
                        {t("orders.taxInvoice")}
                      </Button>
                    </Group>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
    </>
  );
}
