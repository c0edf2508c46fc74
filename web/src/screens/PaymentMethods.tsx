import { Alert, Badge, Button, Card, Checkbox, Group, Modal, MultiSelect, Select, Stack, Table, Text, TextInput } from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { api, unwrap, type PaymentMethod } from "../api/client";
import { useCan } from "../auth/useSession";
import { EmptyState, ErrorAlert, LoadingRows, PageHeader, notify } from "../components/common";
import { OutcomeSummary } from "./subscriptions/BulkOutcomes";

// The sandbox provider's own form hands back a token; no card number ever reaches our API.
const SANDBOX = [
  { token: "tok_visa", kind: "card", label: "Visa •••• 4242" },
  { token: "tok_mastercard", kind: "card", label: "Mastercard •••• 4444" },
  { token: "tok_amex", kind: "card", label: "American Express •••• 8431" },
  { token: "tok_chargeDeclined", kind: "card", label: "Visa •••• 0002 (declined)" },
  { token: "tok_paypal", kind: "wallet", label: "PayPal" },
  { token: "tok_bank_transfer", kind: "bank_transfer", label: "SEPA bank transfer" },
  { token: "tok_alipay", kind: "alipay", label: "Alipay" },
  { token: "tok_konbini", kind: "convenience_store", label: "Konbini" },
] as const;

function AddMethod({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const [token, setToken] = useState<string | null>(null);
  const [holder, setHolder] = useState("");
  const [makeDefault, setMakeDefault] = useState(false);
  const add = useMutation({
    mutationFn: async () => {
      const choice = SANDBOX.find((s) => s.token === token)!;
      return unwrap(await api.POST("/v1/payment-methods", { body: { kind: choice.kind, provider_token: choice.token, holder_name: holder, make_default: makeDefault } }));
    },
    onSuccess: (m) => {
      void queryClient.invalidateQueries({ queryKey: ["payment-methods"] });
      notify(t("paymentMethods.added", { label: m.label }), "green");
      setToken(null);
      setHolder("");
      onClose();
    },
  });
  return (
    <Modal closeButtonProps={{ "aria-label": t("common.close") }} opened={opened} onClose={onClose} title={t("paymentMethods.add")}>
      <Stack>
        <Alert color="blue" variant="outline">{t("paymentMethods.providerNote")}</Alert>
        <Select label={t("paymentMethods.sandboxInstrument")} data={SANDBOX.map((s) => ({ value: s.token, label: s.label }))} value={token} onChange={setToken} />
        <TextInput label={t("paymentMethods.holder")} value={holder} onChange={(e) => setHolder(e.currentTarget.value)} required />
        <Checkbox label={t("paymentMethods.makeDefault")} checked={makeDefault} onChange={(e) => setMakeDefault(e.currentTarget.checked)} />
        <ErrorAlert error={add.error} />
        <Button disabled={!token || !holder.trim()} loading={add.isPending} onClick={() => add.mutate()}>{t("paymentMethods.save")}</Button>
      </Stack>
    </Modal>
  );
}

function LinkSubscriptions({ method, onClose }: { method: PaymentMethod | null; onClose: () => void }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const [ids, setIds] = useState<string[]>([]);
  const subs = useQuery({
    queryKey: ["subscriptions", "for-linking"],
    enabled: !!method,
    queryFn: async () => unwrap(await api.GET("/v1/subscriptions", { params: { query: { limit: 100, status: ["active", "trial"] } } })),
  });
  const link = useMutation({
    mutationFn: async () =>
      unwrap(await api.POST("/v1/payment-methods/{method_id}/subscriptions", { params: { path: { method_id: method!.id } }, body: { subscription_ids: ids } })),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: ["subscriptions"] }),
  });
  return (
    <Modal closeButtonProps={{ "aria-label": t("common.close") }} opened={!!method} onClose={() => { link.reset(); setIds([]); onClose(); }} title={t("paymentMethods.linkTitle", { label: method?.label ?? "" })}>
      <Stack>
        <MultiSelect
          label={t("nav.subscriptions")}
          data={(subs.data?.items ?? []).map((s) => ({ value: s.id, label: `${s.product_name} (${s.id})` }))}
          value={ids}
          onChange={setIds}
          searchable
          maxValues={100}
        />
        <ErrorAlert error={subs.error ?? link.error} />
        {link.data && <OutcomeSummary result={link.data} />}
        {link.data?.results.filter((r) => r.outcome === "refused").map((r) => (
          <Text key={r.subscription_id} size="sm" c="red.9">{r.subscription_id}: {r.message}</Text>
        ))}
        <Button disabled={!ids.length} loading={link.isPending} onClick={() => link.mutate()}>{t("bulk.link")}</Button>
      </Stack>
    </Modal>
  );
}

export default function PaymentMethods() {
  const { t } = useTranslation();
  const can = useCan();
  const manage = can("payment_methods.manage");
  const queryClient = useQueryClient();
  const [adding, setAdding] = useState(false);
  const [linking, setLinking] = useState<PaymentMethod | null>(null);
  const methods = useQuery({
    queryKey: ["payment-methods"],
    queryFn: async () => unwrap(await api.GET("/v1/payment-methods", { params: { query: { limit: 100 } } })),
  });
  const refresh = () => void queryClient.invalidateQueries({ queryKey: ["payment-methods"] });
  const makeDefault = useMutation({
    mutationFn: async (id: string) => unwrap(await api.POST("/v1/payment-methods/{method_id}/default", { params: { path: { method_id: id } } })),
    onSuccess: refresh,
  });
  const remove = useMutation({
    mutationFn: async (id: string) => {
      const r = await api.DELETE("/v1/payment-methods/{method_id}", { params: { path: { method_id: id } } });
      return unwrap(r as { data?: unknown; error?: unknown; response: Response });
    },
    onSuccess: () => {
      refresh();
      notify(t("paymentMethods.deleted"), "green");
    },
  });
  return (
    <>
      <PageHeader title={t("nav.paymentMethods")}>
        {manage && <Button onClick={() => setAdding(true)}>{t("paymentMethods.add")}</Button>}
      </PageHeader>
      <Stack gap="xs" mb="sm">
        <ErrorAlert error={methods.error ?? makeDefault.error} />
        {remove.error && <ErrorAlert error={remove.error} title={t("paymentMethods.cannotDelete")} />}
      </Stack>
      {methods.isPending ? (
        <LoadingRows />
      ) : !methods.data?.items.length ? (
        <EmptyState title={t("paymentMethods.empty")} hint={t("paymentMethods.emptyHint")} />
      ) : (
        <Card withBorder p={0}>
          <Table.ScrollContainer minWidth={800}>
            <Table fz="sm" data-testid="methods-table">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t("paymentMethods.method")}</Table.Th>
                  <Table.Th>{t("paymentMethods.kind")}</Table.Th>
                  <Table.Th>{t("paymentMethods.holder")}</Table.Th>
                  <Table.Th>{t("paymentMethods.expires")}</Table.Th>
                  <Table.Th>{t("paymentMethods.renewal")}</Table.Th>
                  {manage && <Table.Th>{t("paymentMethods.actions")}</Table.Th>}
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {methods.data.items.map((m) => (
                  <Table.Tr key={m.id} data-id={m.id}>
                    <Table.Td>
                      <Group gap={6}>
                        {m.label}
                        {m.is_default && <Badge variant="dot" color="blue" radius="sm" tt="none">{t("paymentMethods.default")}</Badge>}
                        {!m.valid && <Badge variant="dot" color="red" radius="sm" tt="none">{t("paymentMethods.invalid")}</Badge>}
                      </Group>
                    </Table.Td>
                    <Table.Td>{t(`paymentMethods.kinds.${m.kind}` as "paymentMethods.kinds.card", { defaultValue: m.kind })}</Table.Td>
                    <Table.Td>{m.holder_name}</Table.Td>
                    <Table.Td>{m.exp_month && m.exp_year ? `${String(m.exp_month).padStart(2, "0")}/${m.exp_year}` : "—"}</Table.Td>
                    <Table.Td>{m.recurring ? t("paymentMethods.recurring") : t("paymentMethods.manualOnly")}</Table.Td>
                    {manage && (
                      <Table.Td>
                        <Group gap={4} wrap="nowrap">
                          {!m.is_default && (
                            <Button size="compact-xs" variant="default" loading={makeDefault.isPending && makeDefault.variables === m.id} onClick={() => makeDefault.mutate(m.id)}>
                              {t("paymentMethods.setDefault")}
                            </Button>
                          )}
                          <Button size="compact-xs" variant="default" onClick={() => setLinking(m)}>{t("paymentMethods.link")}</Button>
                          <Button
                            size="compact-xs"
                            variant="outline"
                            color="red"
                            loading={remove.isPending && remove.variables === m.id}
                            onClick={() => window.confirm(t("paymentMethods.confirmDelete", { label: m.label })) && remove.mutate(m.id)}
                          >
                            {t("paymentMethods.delete")}
                          </Button>
                        </Group>
                      </Table.Td>
                    )}
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        </Card>
      )}
      <AddMethod opened={adding} onClose={() => setAdding(false)} />
      <LinkSubscriptions method={linking} onClose={() => setLinking(null)} />
    </>
  );
}
