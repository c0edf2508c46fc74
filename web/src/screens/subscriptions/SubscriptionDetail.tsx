import { Alert, Anchor, Button, Card, Group, Modal, NumberInput, Select, SimpleGrid, Stack, Switch, Table, Text, Title } from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { Link, useNavigate, useParams } from "react-router";
import { api, download, unwrap, type Subscription } from "../../api/client";
import { useCan } from "../../auth/useSession";
import { DateText, ErrorAlert, LoadingRows, Money, PageHeader, StatusBadge, notify } from "../../components/common";
import { OutcomeBadge } from "./BulkOutcomes";
import { RenewalMode } from "./RenewalMode";
import { TERMS } from "./filters";

function Field({ label, children }: { label: string; children: ReactNode }) {
  return (
    <Table.Tr>
      <Table.Th scope="row" w={220}>{label}</Table.Th>
      <Table.Td>{children}</Table.Td>
    </Table.Tr>
  );
}

function ActionCard({ title, children }: { title: string; children: ReactNode }) {
  return (
    <Card withBorder padding="md">
      <Title order={2} size="h5" mb="xs">{title}</Title>
      {children}
    </Card>
  );
}

export default function SubscriptionDetail() {
  const { id = "" } = useParams();
  const { t } = useTranslation();
  const can = useCan();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const sub = useQuery({
    queryKey: ["subscription", id],
    queryFn: async () => unwrap(await api.GET("/v1/subscriptions/{subscription_id}", { params: { path: { subscription_id: id } } })),
  });
  const methods = useQuery({
    queryKey: ["payment-methods"],
    enabled: can("subscriptions.link_payment_method"),
    queryFn: async () => unwrap(await api.GET("/v1/payment-methods", { params: { query: { limit: 100 } } })),
  });
  const refresh = (updated?: Subscription) => {
    if (updated) queryClient.setQueryData(["subscription", id], updated);
    void queryClient.invalidateQueries({ queryKey: ["subscription", id] });
    void queryClient.invalidateQueries({ queryKey: ["subscriptions"] });
    void queryClient.invalidateQueries({ queryKey: ["dashboard"] });
  };
  const done = (message: string) => notify(message);

  const autoRenew = useMutation({
    mutationFn: async (on: boolean) =>
      unwrap(await api.PUT("/v1/subscriptions/{subscription_id}/auto-renew", { params: { path: { subscription_id: id } }, body: { auto_renew: on } })),
    onSuccess: (s) => {
      refresh(s);
      done(s.auto_renew ? t("detail.autoRenewOnDone") : t("detail.autoRenewOffDone"));
    },
  });
  const [term, setTerm] = useState<string | null>(null);
  const changeTerm = useMutation({
    mutationFn: async (next: string) =>
      unwrap(await api.PUT("/v1/subscriptions/{subscription_id}/term", { params: { path: { subscription_id: id } }, body: { term: next as "annual" } })),
    onSuccess: (s) => {
      refresh(s);
      done(t("detail.termDone", { term: t(`terms.${s.term_at_renewal}` as "terms.annual", { defaultValue: s.term_at_renewal }) }));
    },
  });
  const [seats, setSeats] = useState<number | string>("");
  const preview = useMutation({
    mutationFn: async (n: number) =>
      unwrap(await api.POST("/v1/subscriptions/{subscription_id}/seats/preview", { params: { path: { subscription_id: id } }, body: { seats: n } })),
  });
  const applySeats = useMutation({
    mutationFn: async (n: number) =>
      unwrap(await api.POST("/v1/subscriptions/{subscription_id}/seats", { params: { path: { subscription_id: id } }, body: { seats: n } })),
    onSuccess: (r) => {
      preview.reset();
      refresh();
      done(r.change === "added" ? t("detail.seatsAdded", { seats: r.seats }) : t("detail.seatsReduced", { seats: r.seats }));
    },
  });
  const [method, setMethod] = useState<string | null>(null);
  const link = useMutation({
    mutationFn: async (methodId: string) =>
      unwrap(
        await api.POST("/v1/payment-methods/{method_id}/subscriptions", {
          params: { path: { method_id: methodId } },
          body: { subscription_ids: [id] },
        }),
      ),
    onSuccess: () => refresh(),
  });
  const exportCsv = useMutation({
    mutationFn: async () => download(`/v1/subscriptions/${encodeURIComponent(id)}/export.csv`, `${id}.csv`),
  });

  if (sub.isPending) return <LoadingRows rows={10} />;
  if (sub.error || !sub.data) return <ErrorAlert error={sub.error} />;
  const s = sub.data;
  const live = s.status === "active";

  return (
    <>
      <PageHeader title={`${s.product_name} · ${s.id}`}>
        <Button variant="default" component={Link} to="/subscriptions">{t("detail.back")}</Button>
        {can("subscriptions.export") && (
          <Button variant="default" loading={exportCsv.isPending} onClick={() => exportCsv.mutate()}>{t("bulk.exportCsv")}</Button>
        )}
        {can("subscriptions.renew") && live && (
          <Button onClick={() => navigate(`/renewals?ids=${s.id}`)}>{t("detail.renew")}</Button>
        )}
        {can("quotes.create") && live && (
          <Button variant="default" onClick={() => navigate(`/quotes/new?ids=${s.id}`)}>{t("bulk.requestQuote")}</Button>
        )}
      </PageHeader>
      <ErrorAlert error={exportCsv.error} />
      {s.payment_error && (
        <Alert color="red" mb="sm" title={t("detail.paymentErrorTitle")} role="alert">
          {t(`paymentErrors.${s.payment_error}` as "paymentErrors.card_declined", { defaultValue: s.payment_error })} — {t("detail.paymentErrorHint")}
        </Alert>
      )}
      <SimpleGrid cols={{ base: 1, lg: 2 }} spacing="md">
        <Card withBorder padding="md">
          <Table verticalSpacing={4} fz="sm" data-testid="subscription-fields">
            <Table.Tbody>
              <Field label={t("subscriptions.col.status")}><StatusBadge status={s.status} /></Field>
              <Field label={t("subscriptions.col.team")}>{s.team_name ?? s.team_id}</Field>
              <Field label={t("subscriptions.col.seats")}>
                <span data-testid="seats">{s.seats}</span>
                {s.seats_at_renewal !== s.seats && <Text span size="xs" c="dimmed"> · {t("detail.seatsAtRenewal", { seats: s.seats_at_renewal })}</Text>}
              </Field>
              <Field label={t("subscriptions.col.term")}>
                {t(`terms.${s.term}` as "terms.annual", { defaultValue: s.term })}
                {s.term_at_renewal && s.term_at_renewal !== s.term && (
                  <Text span size="xs" c="dimmed" data-testid="term-at-renewal"> · {t("detail.termAtRenewal", { term: t(`terms.${s.term_at_renewal}` as "terms.annual", { defaultValue: s.term_at_renewal }) })}</Text>
                )}
              </Field>
              <Field label={t("subscriptions.col.renewal")}><span data-testid="renewal-mode"><RenewalMode sub={s} /></span></Field>
              <Field label={t("subscriptions.col.paymentMethod")}><span data-testid="payment-method">{s.payment_method_label ?? "—"}</span></Field>
              <Field label={t("subscriptions.col.start")}><DateText value={s.start_date} /></Field>
              <Field label={t("subscriptions.col.renewalDate")}><DateText value={s.renewal_date} /> ({t("summary.daysLeft", { count: s.days_to_renewal })})</Field>
              {s.renewal_amount != null && (
                <Field label={t("subscriptions.col.renewalAmount")}><Money amount={s.renewal_amount} currency={s.currency} /> {t("detail.beforeTax")}</Field>
              )}
              <Field label={t("subscriptions.col.purchaseMethod")}>{t(`purchaseMethods.${s.purchase_method}` as "purchaseMethods.quote", { defaultValue: s.purchase_method })}</Field>
              <Field label={t("subscriptions.col.contract")}>{s.contract_id ?? "—"}</Field>
              <Field label={t("subscriptions.col.csn")}>{s.csn}</Field>
              <Field label={t("subscriptions.col.currency")}>{s.currency}</Field>
              <Field label={t("subscriptions.col.partner")}>{s.partner_csn ?? "—"}</Field>
              {s.assigned_to && <Field label={t("detail.assignedTo")}>{s.assigned_to}</Field>}
            </Table.Tbody>
          </Table>
        </Card>
        <Stack>
          {can("subscriptions.auto_renew") && (
            <ActionCard title={t("subscriptions.autoRenew")}>
              <Switch
                label={s.auto_renew ? t("common.on") : t("common.off")}
                checked={s.auto_renew}
                disabled={autoRenew.isPending}
                onChange={(e) => autoRenew.mutate(e.currentTarget.checked)}
                data-testid="auto-renew-switch"
              />
              <Text size="xs" c="dimmed" mt={4}>{t("detail.autoRenewHint")}</Text>
              <ErrorAlert error={autoRenew.error} />
            </ActionCard>
          )}
          {can("subscriptions.seats") && live && (
            <ActionCard title={t("detail.seatsTitle")}>
              <Group align="flex-end">
                <NumberInput hideControls label={t("detail.newSeats")} min={1} max={100000} value={seats} onChange={setSeats} w={160} />
                <Button disabled={typeof seats !== "number" || seats === s.seats} loading={preview.isPending} onClick={() => typeof seats === "number" && preview.mutate(seats)}>
                  {t("detail.previewSeats")}
                </Button>
              </Group>
              <ErrorAlert error={preview.error} />
            </ActionCard>
          )}
          {can("subscriptions.change_term") && live && (
            <ActionCard title={t("detail.termTitle")}>
              <Group align="flex-end">
                <Select label={t("detail.termAtNextRenewal")} data={TERMS.map((x) => ({ value: x, label: t(`terms.${x}`) }))} value={term ?? s.term_at_renewal} onChange={setTerm} w={200} allowDeselect={false} />
                <Button disabled={!term || term === s.term_at_renewal} loading={changeTerm.isPending} onClick={() => term && changeTerm.mutate(term)}>
                  {t("detail.changeTerm")}
                </Button>
              </Group>
              <Text size="xs" c="dimmed" mt={4}>{t("detail.termHint")}</Text>
              <ErrorAlert error={changeTerm.error} />
            </ActionCard>
          )}
          {can("subscriptions.link_payment_method") && (
            <ActionCard title={t("subscriptions.col.paymentMethod")}>
              <Group align="flex-end">
                <Select label={t("paymentMethods.method")} data={(methods.data?.items ?? []).map((m) => ({ value: m.id, label: m.label }))} value={method ?? s.payment_method_id} onChange={setMethod} w={260} allowDeselect={false} />
                <Button disabled={!method || method === s.payment_method_id} loading={link.isPending} onClick={() => method && link.mutate(method)}>
                  {t("bulk.link")}
                </Button>
              </Group>
              {link.data && link.data.results[0]?.outcome !== "changed" && <OutcomeBadge outcome={link.data.results[0]} />}
              <ErrorAlert error={link.error} />
              <Anchor component={Link} to="/payment-methods" size="xs">{t("detail.manageMethods")}</Anchor>
            </ActionCard>
          )}
        </Stack>
      </SimpleGrid>

      <Modal closeButtonProps={{ "aria-label": t("common.close") }} opened={!!preview.data} onClose={() => preview.reset()} title={t("detail.confirmSeats")}>
        {preview.data && (
          <Stack>
            <Text data-testid="seats-preview">
              {preview.data.change === "added"
                ? t("detail.previewAdded", { from: preview.data.previous_seats, to: preview.data.seats })
                : t("detail.previewReduced", { from: preview.data.previous_seats, to: preview.data.seats })}
            </Text>
            {preview.data.prorated_amount != null && (
              <Text fw={700} data-testid="prorated">
                {t("detail.prorated")} <Money amount={preview.data.prorated_amount} currency={preview.data.currency} />
              </Text>
            )}
            <Text size="xs" c="dimmed">{preview.data.change === "added" ? t("detail.proratedHint") : t("detail.reduceHint")}</Text>
            <ErrorAlert error={applySeats.error} />
            <Group justify="flex-end">
              <Button variant="default" onClick={() => preview.reset()}>{t("common.cancel")}</Button>
              <Button loading={applySeats.isPending} onClick={() => applySeats.mutate(preview.data.seats)}>{t("common.confirm")}</Button>
            </Group>
          </Stack>
        )}
      </Modal>
    </>
  );
}
