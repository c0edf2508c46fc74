import { Anchor, Button, SegmentedControl, Table, Tabs, Text } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { Link, useSearchParams } from "react-router";
import { api, download, unwrap } from "../../api/client";
import { useCan } from "../../auth/useSession";
import { DateText, EmptyState, ErrorAlert, LoadingRows, Money, PageHeader, StatusBadge } from "../../components/common";
import { IssueCreditNote } from "./IssueCreditNote";

const STATUSES = ["all", "open", "overdue", "paid", "cancelled"] as const;

function useCreditNotes() {
  return useQuery({
    queryKey: ["credit-notes"],
    queryFn: async () => unwrap(await api.GET("/v1/credit-notes", { params: { query: { limit: 100 } } })),
  });
}

function CreditNotes() {
  const can = useCan();
  const notes = useCreditNotes();
  return (
    <>
      {can("credit_notes.issue") && <IssueCreditNote onIssued={() => void notes.refetch()} />}
      <CreditNotesTable notes={notes} />
    </>
  );
}

function CreditNotesTable({ notes }: { notes: ReturnType<typeof useCreditNotes> }) {
  const { t } = useTranslation();
  if (notes.isPending) return <LoadingRows />;
  if (notes.error) return <ErrorAlert error={notes.error} />;
  if (!notes.data.items.length) return <EmptyState title={t("invoices.noCreditNotes")} hint={t("invoices.noCreditNotesHint")} />;
  return (
    <Table striped fz="sm" data-testid="credit-notes-table">
      <Table.Thead>
        <Table.Tr>
          <Table.Th>{t("invoices.number")}</Table.Th>
          <Table.Th>{t("invoices.issued")}</Table.Th>
          <Table.Th>{t("invoices.reason")}</Table.Th>
          <Table.Th>{t("invoices.forInvoice")}</Table.Th>
          <Table.Th ta="right">{t("renewals.total")}</Table.Th>
          <Table.Th ta="right">{t("invoices.available")}</Table.Th>
          <Table.Th>PDF</Table.Th>
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {notes.data.items.map((n) => (
          <Table.Tr key={n.id}>
            <Table.Td>{n.number}</Table.Td>
            <Table.Td><DateText value={n.issue_date} /></Table.Td>
            <Table.Td>{n.reason}</Table.Td>
            <Table.Td>{n.invoice_id ? <Anchor component={Link} to={`/invoices/${n.invoice_id}`} size="sm">{n.invoice_number}</Anchor> : "—"}</Table.Td>
            <Table.Td ta="right"><Money amount={n.total} currency={n.currency} /></Table.Td>
            <Table.Td ta="right"><Money amount={n.balance} currency={n.currency} /></Table.Td>
            <Table.Td>
              <Button size="compact-xs" variant="subtle" onClick={() => void download(`/v1/credit-notes/${n.id}/pdf`, `${n.number}.pdf`)} aria-label={t("invoices.downloadPdf", { number: n.number })}>PDF</Button>
            </Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}

export default function InvoicesList() {
  const { t } = useTranslation();
  const [params, setParams] = useSearchParams();
  const can = useCan();
  const seesInvoices = can("invoices.read"); // a billing agent sees credit notes only
  const tab = params.get("tab") === "credit-notes" || !seesInvoices ? "credit-notes" : "invoices";
  const status = (STATUSES as readonly string[]).includes(params.get("status") ?? "") ? params.get("status")! : "all";
  const invoices = useQuery({
    queryKey: ["invoices", status],
    enabled: tab === "invoices" && seesInvoices,
    queryFn: async () =>
      unwrap(await api.GET("/v1/invoices", { params: { query: { limit: 100, ...(status === "all" ? {} : { status: status as "open" }) } } })),
  });
  return (
    <>
      <PageHeader title={t("nav.invoices")} />
      <Tabs value={tab} onChange={(v) => setParams(v === "credit-notes" ? { tab: v } : {})} keepMounted={false}>
        <Tabs.List mb="sm">
          {seesInvoices && <Tabs.Tab value="invoices">{t("invoices.invoices")}</Tabs.Tab>}
          <Tabs.Tab value="credit-notes">{t("invoices.creditNotes")}</Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="invoices">
          <SegmentedControl mb="sm" aria-label={t("subscriptions.col.status")} value={status} onChange={(v) => setParams(v === "all" ? {} : { status: v })} data={STATUSES.map((s) => ({ value: s, label: t(`invoices.statuses.${s}`) }))} />
          <ErrorAlert error={invoices.error} />
          {invoices.isPending ? (
            <LoadingRows />
          ) : !invoices.data?.items.length ? (
            <EmptyState title={t("invoices.empty")} hint={t("invoices.emptyHint")} />
          ) : (
            <Table.ScrollContainer minWidth={900}>
              <Table striped highlightOnHover fz="sm" data-testid="invoices-table">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>{t("invoices.number")}</Table.Th>
                    <Table.Th>{t("invoices.issued")}</Table.Th>
                    <Table.Th>{t("invoices.due")}</Table.Th>
                    <Table.Th>{t("subscriptions.col.status")}</Table.Th>
                    <Table.Th>{t("invoices.description")}</Table.Th>
                    <Table.Th ta="right">{t("renewals.total")}</Table.Th>
                    <Table.Th ta="right">{t("invoices.amountDue")}</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {invoices.data.items.map((i) => (
                    <Table.Tr key={i.id} data-id={i.id}>
                      <Table.Td><Anchor component={Link} to={`/invoices/${i.id}`} size="sm">{i.number}</Anchor></Table.Td>
                      <Table.Td><DateText value={i.issue_date} /></Table.Td>
                      <Table.Td><DateText value={i.due_date} /></Table.Td>
                      <Table.Td><StatusBadge status={i.status} /></Table.Td>
                      <Table.Td><Text size="sm" lineClamp={1}>{i.lines.map((l) => l.description).join(", ")}</Text></Table.Td>
                      <Table.Td ta="right"><Money amount={i.total} currency={i.currency} /></Table.Td>
                      <Table.Td ta="right"><Money amount={i.amount_due} currency={i.currency} /></Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
          )}
        </Tabs.Panel>
        <Tabs.Panel value="credit-notes">
          <CreditNotes />
        </Tabs.Panel>
      </Tabs>
    </>
  );
}
