import { Alert, Button, Card, Group, NumberInput, Select, SimpleGrid, Stack, Table, Text, Title } from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, useParams } from "react-router";
import { api, download, unwrap } from "../../api/client";
import { useCan } from "../../auth/useSession";
import { DateText, ErrorAlert, LoadingRows, Money, PageHeader, StatusBadge, notify } from "../../components/common";
import { minorDigits } from "../../lib/format";

export default function InvoiceDetail() {
  const { id = "" } = useParams();
  const { t } = useTranslation();
  const can = useCan();
  const queryClient = useQueryClient();
  const invoice = useQuery({
    queryKey: ["invoice", id],
    queryFn: async () => unwrap(await api.GET("/v1/invoices/{invoice_id}", { params: { path: { invoice_id: id } } })),
    // A payment in progress settles through the payments service: look again until it has.
    refetchInterval: (q) => (q.state.data?.payment_requests.some((r) => r.status === "pending") ? 1000 : false),
  });
  const payable = !!invoice.data && invoice.data.amount_due > 0 && invoice.data.status !== "cancelled";
  const methods = useQuery({
    queryKey: ["payment-methods"],
    enabled: payable && can("invoices.pay"),
    queryFn: async () => unwrap(await api.GET("/v1/payment-methods", { params: { query: { limit: 100 } } })),
  });
  const credits = useQuery({
    queryKey: ["credit-notes", "available"],
    enabled: payable && can("credit_notes.apply"),
    queryFn: async () => unwrap(await api.GET("/v1/credit-notes", { params: { query: { available: true, limit: 100 } } })),
  });
  const [method, setMethod] = useState<string | null>(null);
  const [amount, setAmount] = useState<number | string>("");
  const refresh = () => {
    for (const key of ["invoice", "invoices", "dashboard", "credit-notes"]) void queryClient.invalidateQueries({ queryKey: [key] });
  };
  const pay = useMutation({
    mutationFn: async () => {
      const inv = invoice.data!;
      const minor = typeof amount === "number" ? Math.round(amount * 10 ** minorDigits(inv.currency)) : null;
      return unwrap(
        await api.POST("/v1/invoices/{invoice_id}/payments", {
          params: { path: { invoice_id: id } },
          body: { payment_method_id: method!, ...(minor ? { amount: minor } : {}) },
        }),
      );
    },
    onSuccess: () => {
      notify(t("invoices.paymentRequested"), "blue");
      setAmount("");
      refresh();
    },
  });
  const apply = useMutation({
    mutationFn: async ({ noteId, value }: { noteId: string; value: number }) =>
      unwrap(await api.POST("/v1/credit-notes/{credit_note_id}/applications", { params: { path: { credit_note_id: noteId } }, body: { allocations: [{ invoice_id: id, amount: value }] } })),
    onSuccess: () => {
      notify(t("invoices.creditApplied"), "green");
      refresh();
    },
  });

  if (invoice.isPending) return <LoadingRows rows={8} />;
  if (!invoice.data) return <ErrorAlert error={invoice.error} />;
  const inv = invoice.data;
  const pending = inv.payment_requests.filter((r) => r.status === "pending");
  return (
    <>
      <PageHeader title={t("invoices.title", { number: inv.number })}>
        <Button variant="default" component={Link} to="/invoices">{t("invoices.back")}</Button>
        <Button variant="default" onClick={() => void download(`/v1/invoices/${inv.id}/pdf`, `${inv.number}.pdf`)}>{t("invoices.pdf")}</Button>
      </PageHeader>
      {inv.last_payment_error && inv.status !== "paid" && (
        <Alert color="red" mb="sm" role="alert">{t("invoices.lastError", { error: t(`paymentErrors.${inv.last_payment_error}` as "paymentErrors.card_declined", { defaultValue: inv.last_payment_error }) })}</Alert>
      )}
      <SimpleGrid cols={{ base: 1, md: 3 }} mb="md">
        <Card withBorder>
          <Text size="sm">{t("subscriptions.col.status")}: <span data-testid="invoice-status"><StatusBadge status={inv.status} /></span></Text>
          <Text size="sm">{t("invoices.issued")}: <DateText value={inv.issue_date} /></Text>
          <Text size="sm">{t("invoices.due")}: <DateText value={inv.due_date} /></Text>
          {inv.paid_at && <Text size="sm">{t("invoices.paidAt")}: <DateText value={inv.paid_at} /></Text>}
        </Card>
        <Card withBorder>
          <Text size="sm" fw={600}>{t("invoices.billTo")}</Text>
          <Text size="sm" style={{ whiteSpace: "pre-line" }}>{inv.bill_to}</Text>
        </Card>
        <Card withBorder>
          <Text size="sm">{t("renewals.subtotal")}: <Money amount={inv.subtotal} currency={inv.currency} /></Text>
          <Text size="sm">{inv.tax_name}: <Money amount={inv.tax} currency={inv.currency} /></Text>
          <Text size="sm" fw={700}>{t("renewals.total")}: <Money amount={inv.total} currency={inv.currency} /></Text>
          <Text size="sm">{t("invoices.paid")}: <Money amount={inv.amount_paid} currency={inv.currency} /> · {t("invoices.credited")}: <Money amount={inv.amount_credited} currency={inv.currency} /></Text>
          <Text size="sm" fw={700} data-testid="amount-due">{t("invoices.amountDue")}: <Money amount={inv.amount_due} currency={inv.currency} /></Text>
        </Card>
      </SimpleGrid>
      <Table.ScrollContainer minWidth={700}>
        <Table fz="sm" mb="md">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t("invoices.description")}</Table.Th>
              <Table.Th>{t("quotes.quantity")}</Table.Th>
              <Table.Th ta="right">{t("quotes.unitPrice")}</Table.Th>
              <Table.Th>{t("invoices.taxRate")}</Table.Th>
              <Table.Th ta="right">{t("renewals.tax")}</Table.Th>
              <Table.Th ta="right">{t("renewals.amount")}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {inv.lines.map((l) => (
              <Table.Tr key={l.position}>
                <Table.Td>{l.description}</Table.Td>
                <Table.Td>{l.quantity}</Table.Td>
                <Table.Td ta="right"><Money amount={l.unit_amount} currency={inv.currency} /></Table.Td>
                <Table.Td>{l.tax_rate}</Table.Td>
                <Table.Td ta="right"><Money amount={l.tax_amount} currency={inv.currency} /></Table.Td>
                <Table.Td ta="right"><Money amount={l.amount} currency={inv.currency} /></Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      <Stack>
        {pending.length > 0 && (
          <Alert color="blue" role="status" data-testid="payment-pending">{t("invoices.pending")}</Alert>
        )}
        {inv.payment_requests.filter((r) => r.status === "failed").slice(-1).map((r) => (
          <Alert key={r.id} color="red" role="alert">{t("invoices.requestFailed", { reason: r.failure_reason ?? "—" })}</Alert>
        ))}
        {payable && can("invoices.pay") && (
          <Card withBorder>
            <Title order={2} size="h5" mb="xs">{t("invoices.pay")}</Title>
            <Group align="flex-end">
              <Select label={t("paymentMethods.method")} data={(methods.data?.items ?? []).map((m) => ({ value: m.id, label: m.label }))} value={method} onChange={setMethod} w={280} />
              <NumberInput
                hideControls
                label={t("invoices.amountOptional", { currency: inv.currency })}
                description={t("invoices.amountHint")}
                min={0}
                decimalScale={minorDigits(inv.currency)}
                value={amount}
                onChange={setAmount}
                w={220}
              />
              <Button disabled={!method} loading={pay.isPending} onClick={() => pay.mutate()}>{t("invoices.payButton")}</Button>
            </Group>
            <ErrorAlert error={pay.error} />
          </Card>
        )}
        {payable && can("credit_notes.apply") && (credits.data?.items.filter((c) => c.currency === inv.currency && c.balance > 0).length ?? 0) > 0 && (
          <Card withBorder data-testid="available-credits">
            <Title order={2} size="h5" mb="xs">{t("invoices.availableCredits")}</Title>
            {credits.data!.items.filter((c) => c.currency === inv.currency && c.balance > 0).map((c) => (
              <Group key={c.id} justify="space-between">
                <Text size="sm">{c.number} · {c.reason} · <Money amount={c.balance} currency={c.currency} /></Text>
                <Button size="xs" loading={apply.isPending} onClick={() => apply.mutate({ noteId: c.id, value: Math.min(c.balance, inv.amount_due) })}>
                  {t("invoices.applyCredit", { amount: "" })}
                </Button>
              </Group>
            ))}
            <ErrorAlert error={apply.error} />
          </Card>
        )}
      </Stack>
    </>
  );
}
