import { Alert, Anchor, Button, Card, Group, List, Select, Stack, Table, Text, Title } from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, useSearchParams } from "react-router";
import { api, unwrap, type Cart } from "../api/client";
import { DateText, EmptyState, ErrorAlert, LoadingRows, Money, PageHeader } from "../components/common";

function CartView({ cart, onDone }: { cart: Cart; onDone: (c: Cart) => void }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const methods = useQuery({
    queryKey: ["payment-methods"],
    queryFn: async () => unwrap(await api.GET("/v1/payment-methods", { params: { query: { limit: 100 } } })),
  });
  const [method, setMethod] = useState<string | null>(cart.payment_method_id);
  const checkout = useMutation({
    mutationFn: async () =>
      unwrap(await api.POST("/v1/renewal-carts/{cart_id}/checkout", { params: { path: { cart_id: cart.id } }, body: { payment_method_id: method } })),
    onSuccess: (c) => {
      onDone(c);
      for (const key of ["subscriptions", "dashboard", "invoices", "orders"]) void queryClient.invalidateQueries({ queryKey: [key] });
    },
  });
  const ordered = cart.status === "ordered";
  return (
    <Card withBorder data-testid="cart">
      <Title order={2} size="h4" mb="sm">{t("renewals.cart")}</Title>
      <Table fz="sm" verticalSpacing={4}>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>{t("subscriptions.col.product")}</Table.Th>
            <Table.Th>{t("subscriptions.col.id")}</Table.Th>
            <Table.Th>{t("subscriptions.col.seats")}</Table.Th>
            <Table.Th>{t("renewals.period")}</Table.Th>
            <Table.Th ta="right">{t("renewals.amount")}</Table.Th>
            <Table.Th ta="right">{t("renewals.tax")}</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {cart.lines.map((l) => (
            <Table.Tr key={l.renewal_id}>
              <Table.Td>{l.product_name}</Table.Td>
              <Table.Td>{l.subscription_id}</Table.Td>
              <Table.Td>{l.seats}</Table.Td>
              <Table.Td><DateText value={l.period_start} /> – <DateText value={l.period_end} /></Table.Td>
              <Table.Td ta="right"><Money amount={l.amount} currency={cart.currency} /></Table.Td>
              <Table.Td ta="right"><Money amount={l.tax} currency={cart.currency} /></Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
        <Table.Tfoot>
          <Table.Tr><Table.Th colSpan={4}>{t("renewals.subtotal")}</Table.Th><Table.Td ta="right" colSpan={2}><Money amount={cart.subtotal} currency={cart.currency} /></Table.Td></Table.Tr>
          <Table.Tr><Table.Th colSpan={4}>{cart.tax_name}</Table.Th><Table.Td ta="right" colSpan={2}><Money amount={cart.tax} currency={cart.currency} /></Table.Td></Table.Tr>
          <Table.Tr><Table.Th colSpan={4}>{t("renewals.total")}</Table.Th><Table.Td ta="right" colSpan={2} fw={700} data-testid="cart-total"><Money amount={cart.total} currency={cart.currency} /></Table.Td></Table.Tr>
        </Table.Tfoot>
      </Table>
      {ordered ? (
        <Alert color="green" mt="sm" role="status" title={t("renewals.ordered")} data-testid="checkout-result">
          <Text size="sm">
            {cart.collection === "charge_automatically" || cart.collection === "automatic" ? t("renewals.charged") : t("renewals.invoiced")}
          </Text>
          <Group gap="md" mt={4}>
            <Anchor component={Link} to="/invoices">{t("renewals.seeInvoices")}</Anchor>
            <Anchor component={Link} to="/orders">{t("renewals.seeOrders")}</Anchor>
          </Group>
        </Alert>
      ) : (
        <Group align="flex-end" mt="sm">
          <Select
            label={t("paymentMethods.method")}
            data={(methods.data?.items ?? []).map((m) => ({ value: m.id, label: m.label }))}
            value={method}
            onChange={setMethod}
            w={280}
            clearable
            placeholder={t("renewals.invoiceOnTerms")}
          />
          <Button loading={checkout.isPending} onClick={() => checkout.mutate()}>{t("renewals.checkout")}</Button>
        </Group>
      )}
      <ErrorAlert error={checkout.error} />
    </Card>
  );
}

export default function Renewals() {
  const { t } = useTranslation();
  const [params] = useSearchParams();
  const ids = (params.get("ids") ?? "").split(",").filter(Boolean).slice(0, 100);
  const [cart, setCart] = useState<Cart | null>(null);
  const groups = useQuery({
    queryKey: ["renewal-groups", ids],
    enabled: ids.length > 0,
    queryFn: async () => unwrap(await api.POST("/v1/renewals/groups", { body: { subscription_ids: ids } })),
  });
  const open = useMutation({
    mutationFn: async (subscriptionIds: string[]) => unwrap(await api.POST("/v1/renewal-carts", { body: { subscription_ids: subscriptionIds } })),
    onSuccess: setCart,
  });

  return (
    <>
      <PageHeader title={t("nav.renewals")} />
      {ids.length === 0 ? (
        <EmptyState title={t("renewals.nothingSelected")} hint={<>{t("renewals.nothingSelectedHint")} <Anchor component={Link} to="/subscriptions">{t("nav.subscriptions")}</Anchor></>} />
      ) : (
        <Stack>
          <ErrorAlert error={groups.error ?? open.error} />
          {groups.isPending && <LoadingRows rows={4} />}
          {groups.data && !cart && (
            <>
              {groups.data.groups.length === 0 && <EmptyState title={t("renewals.noGroup")} />}
              {groups.data.groups.map((g) => (
                <Card withBorder key={`${g.csn}-${g.currency}-${g.purchase_method}`} data-testid="renewal-group">
                  <Group justify="space-between">
                    <div>
                      <Text fw={600}>{t("renewals.group", { csn: g.csn, currency: g.currency, method: t(`purchaseMethods.${g.purchase_method}` as "purchaseMethods.quote", { defaultValue: g.purchase_method }) })}</Text>
                      <Text size="sm">{g.subscription_ids.join(", ")}</Text>
                      <Text size="sm">{t("renewals.subtotal")}: <Money amount={g.subtotal} currency={g.currency} /></Text>
                    </div>
                    <Button loading={open.isPending} onClick={() => open.mutate(g.subscription_ids)}>{t("renewals.openCart")}</Button>
                  </Group>
                </Card>
              ))}
              {groups.data.ineligible.length > 0 && (
                <Alert color="orange" title={t("renewals.ineligible", { count: groups.data.ineligible.length })} data-testid="ineligible">
                  <List size="sm">
                    {groups.data.ineligible.map((o) => (
                      <List.Item key={o.subscription_id}>
                        <strong>{o.subscription_id}</strong>: {o.message ?? o.code}
                      </List.Item>
                    ))}
                  </List>
                </Alert>
              )}
            </>
          )}
          {cart && <CartView cart={cart} onDone={setCart} />}
        </Stack>
      )}
    </>
  );
}
