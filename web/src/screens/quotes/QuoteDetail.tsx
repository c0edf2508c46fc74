import { Alert, Button, Card, Group, Select, SimpleGrid, Stack, Table, Text, Title } from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, useParams } from "react-router";
import { api, unwrap, type Quote } from "../../api/client";
import { useCan } from "../../auth/useSession";
import { DateText, ErrorAlert, LoadingRows, Money, PageHeader, StatusBadge, notify } from "../../components/common";
import { QuoteLinesEditor } from "./QuoteLinesEditor";
import { RecipientsInput } from "./RecipientsInput";

export default function QuoteDetail() {
  const { id = "" } = useParams();
  const { t } = useTranslation();
  const can = useCan();
  const queryClient = useQueryClient();
  const quote = useQuery({
    queryKey: ["quote", id],
    queryFn: async () => unwrap(await api.GET("/v1/quotes/{quote_id}", { params: { path: { quote_id: id } } })),
  });
  const methods = useQuery({
    queryKey: ["payment-methods"],
    enabled: can("quotes.accept"),
    queryFn: async () => unwrap(await api.GET("/v1/payment-methods", { params: { query: { limit: 100 } } })),
  });
  const [recipients, setRecipients] = useState<string[] | null>(null);
  const [method, setMethod] = useState<string | null>(null);
  const updated = (q: Quote, message: string) => {
    queryClient.setQueryData(["quote", id], q);
    void queryClient.invalidateQueries({ queryKey: ["quotes"] });
    notify(message);
  };
  const partner = can("quotes.partner"); // the partner's own routes (R-QUO-3)
  const path = { params: { path: { quote_id: id } } };
  const save = useMutation({
    mutationFn: async () => {
      const body = { recipients: recipients ?? [], new_credit_line: false };
      return unwrap(partner ? await api.PATCH("/v1/partner/quotes/{quote_id}", { ...path, body }) : await api.PATCH("/v1/quotes/{quote_id}", { ...path, body }));
    },
    onSuccess: (q) => {
      setRecipients(null);
      updated(q, t("quotes.saved"));
    },
  });
  const send = useMutation({
    mutationFn: async () =>
      unwrap(partner ? await api.POST("/v1/partner/quotes/{quote_id}/send", path) : await api.POST("/v1/quotes/{quote_id}/send", path)),
    onSuccess: (q) => updated(q, t("quotes.sentDone")),
  });
  const cancel = useMutation({
    mutationFn: async () => unwrap(await api.POST("/v1/partner/quotes/{quote_id}/cancel", path)),
    onSuccess: (q) => updated(q, t("quotes.cancelled")),
  });
  const accept = useMutation({
    mutationFn: async () =>
      unwrap(await api.POST("/v1/quotes/{quote_id}/accept", { params: { path: { quote_id: id } }, body: { payment_method_id: method } })),
    onSuccess: (q) => {
      updated(q, t("quotes.acceptedDone"));
      for (const key of ["invoices", "orders", "dashboard"]) void queryClient.invalidateQueries({ queryKey: [key] });
    },
  });

  if (quote.isPending) return <LoadingRows rows={8} />;
  if (!quote.data) return <ErrorAlert error={quote.error} />;
  const q = quote.data;
  const draft = q.status === "draft";
  return (
    <>
      <PageHeader title={t("quotes.title", { number: q.number })}>
        <Button variant="default" component={Link} to="/quotes">{t("quotes.back")}</Button>
      </PageHeader>
      <SimpleGrid cols={{ base: 1, lg: 3 }} mb="md">
        <Card withBorder>
          <Text size="sm">{t("subscriptions.col.status")}: <span data-testid="quote-status"><StatusBadge status={q.status} /></span></Text>
          <Text size="sm">{t("quotes.origin")}: {t(`quotes.origins.${q.origin}` as "quotes.origins.all", { defaultValue: q.origin })}</Text>
          <Text size="sm">{t("quotes.expires")}: <DateText value={q.expires_on} /></Text>
          <Text size="sm">{t("quotes.validity", { days: q.validity_days })}</Text>
        </Card>
        <Card withBorder>
          <Text size="sm" fw={600}>{t("quotes.recipients")}</Text>
          <Text size="sm" data-testid="recipients">{q.recipients.length ? q.recipients.join(", ") : t("quotes.noRecipients")}</Text>
          {q.billing_address && (
            <Text size="xs" c="dimmed" mt={4}>{[q.billing_address.line1, q.billing_address.postal_code, q.billing_address.city, q.billing_address.country].filter(Boolean).join(", ")}</Text>
          )}
        </Card>
        <Card withBorder>
          <Text size="sm">{t("renewals.subtotal")}: <Money amount={q.subtotal} currency={q.currency} /></Text>
          {q.discount_total > 0 && <Text size="sm">{t("quotes.discount")}: −<Money amount={q.discount_total} currency={q.currency} /></Text>}
          <Text size="sm">{t("quotes.taxEstimate", { name: q.tax_name, rate: q.tax_rate })}: <Money amount={q.tax} currency={q.currency} /></Text>
          <Text fw={700} data-testid="quote-total">{t("renewals.total")}: <Money amount={q.total} currency={q.currency} /></Text>
        </Card>
      </SimpleGrid>
      <Table.ScrollContainer minWidth={800}>
        <Table fz="sm" data-testid="quote-lines">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t("subscriptions.col.product")}</Table.Th>
              <Table.Th>{t("quotes.kind")}</Table.Th>
              <Table.Th>{t("subscriptions.col.term")}</Table.Th>
              <Table.Th>{t("subscriptions.col.seats")}</Table.Th>
              <Table.Th ta="right">{t("quotes.unitPrice")}</Table.Th>
              <Table.Th>{t("quotes.promotions")}</Table.Th>
              <Table.Th ta="right">{t("renewals.amount")}</Table.Th>
              <Table.Th ta="right">{t("renewals.tax")}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {q.lines.map((l) => (
              <Table.Tr key={l.id}>
                <Table.Td>{l.product_name}{l.subscription_id ? ` (${l.subscription_id})` : ""}</Table.Td>
                <Table.Td>{t(`quotes.kinds.${l.kind}` as "quotes.kinds.renewal", { defaultValue: l.kind })}</Table.Td>
                <Table.Td>{t(`terms.${l.term}` as "terms.annual", { defaultValue: l.term })}</Table.Td>
                <Table.Td>{l.seats}</Table.Td>
                <Table.Td ta="right"><Money amount={l.unit_price} currency={q.currency} /></Table.Td>
                <Table.Td>
                  {l.promotions.length
                    ? l.promotions.map((p) => (
                        <div key={p.code} title={p.description}>
                          {p.code}: −<Money amount={p.amount} currency={q.currency} />
                        </div>
                      ))
                    : "—"}
                </Table.Td>
                <Table.Td ta="right"><Money amount={l.amount} currency={q.currency} /></Table.Td>
                <Table.Td ta="right"><Money amount={l.tax} currency={q.currency} /></Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      <Stack mt="md">
        {draft && can("quotes.create") && q.origin === "self_service" && q.lines.every((l) => l.kind === "renewal" && l.subscription_id) && (
          <QuoteLinesEditor key={q.lines.map((l) => `${l.id}:${l.seats}:${l.term}`).join()} quote={q} onSaved={(saved) => updated(saved, t("quotes.saved"))} />
        )}
        {draft && (can("quotes.create") || partner) && (
          <Card withBorder>
            <Title order={2} size="h5" mb="xs">{t("quotes.editAndSend")}</Title>
            <RecipientsInput value={recipients ?? q.recipients} onChange={setRecipients} partner={partner} />
            <Group mt="sm">
              <Button variant="default" disabled={recipients === null} loading={save.isPending} onClick={() => save.mutate()}>{t("common.save")}</Button>
              <Button disabled={recipients !== null || q.recipients.length === 0} loading={send.isPending} onClick={() => send.mutate()}>{t("quotes.send")}</Button>
            </Group>
            <ErrorAlert error={save.error ?? send.error} />
          </Card>
        )}
        {partner && (draft || q.status === "sent") && (
          <Group>
            <Button color="red" variant="light" loading={cancel.isPending} onClick={() => cancel.mutate()}>{t("quotes.cancel")}</Button>
            <ErrorAlert error={cancel.error} />
          </Group>
        )}
        {q.status === "sent" && can("quotes.accept") && (
          <Card withBorder>
            <Title order={2} size="h5" mb="xs">{t("quotes.acceptAndPay")}</Title>
            <Group align="flex-end">
              <Select label={t("paymentMethods.method")} data={(methods.data?.items ?? []).map((m) => ({ value: m.id, label: m.label }))} value={method} onChange={setMethod} w={280} clearable placeholder={t("renewals.invoiceOnTerms")} />
              <Button loading={accept.isPending} onClick={() => accept.mutate()}>{t("quotes.accept")}</Button>
            </Group>
            <ErrorAlert error={accept.error} />
          </Card>
        )}
        {q.status === "accepted" && (
          <Alert color="green" role="status" data-testid="quote-accepted">{t("quotes.acceptedHint")}</Alert>
        )}
      </Stack>
    </>
  );
}
