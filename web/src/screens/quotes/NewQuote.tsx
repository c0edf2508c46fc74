import { Alert, Anchor, Button, Card, Group, List, Stack, Text } from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, useNavigate, useSearchParams } from "react-router";
import { api, unwrap } from "../../api/client";
import { EmptyState, ErrorAlert, LoadingRows, Money, PageHeader } from "../../components/common";
import { RecipientsInput } from "./RecipientsInput";

/** A self-service renewal quote from a selection (R-QUO-4): one group per quote. */
export default function NewQuote() {
  const { t } = useTranslation();
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const ids = (params.get("ids") ?? "").split(",").filter(Boolean).slice(0, 100);
  const [recipients, setRecipients] = useState<string[]>([]);
  const groups = useQuery({
    queryKey: ["quote-groups", ids],
    enabled: ids.length > 0,
    queryFn: async () => unwrap(await api.POST("/v1/quotes/renewal-groups", { body: { subscription_ids: ids } })),
  });
  const create = useMutation({
    mutationFn: async (subscriptionIds: string[]) =>
      unwrap(await api.POST("/v1/quotes", { body: { subscription_ids: subscriptionIds, recipients, new_credit_line: false } })),
    onSuccess: (q) => {
      void queryClient.invalidateQueries({ queryKey: ["quotes"] });
      navigate(`/quotes/${q.id}`);
    },
  });
  return (
    <>
      <PageHeader title={t("quotes.new")} />
      {ids.length === 0 ? (
        <EmptyState title={t("renewals.nothingSelected")} hint={<>{t("quotes.nothingSelectedHint")} <Anchor component={Link} to="/subscriptions">{t("nav.subscriptions")}</Anchor></>} />
      ) : (
        <Stack>
          <ErrorAlert error={groups.error ?? create.error} />
          {groups.isPending && <LoadingRows rows={3} />}
          {groups.data && (
            <>
              <RecipientsInput value={recipients} onChange={setRecipients} />
              {groups.data.groups.map((g) => (
                <Card withBorder key={g.subscriptions.map((s) => s.subscription_id).join()} data-testid="quote-group">
                  <Group justify="space-between" align="flex-start">
                    <div>
                      <Text fw={600}>{t("renewals.group", { csn: g.csn, currency: g.currency, method: t(`purchaseMethods.${g.purchase_method}` as "purchaseMethods.quote", { defaultValue: g.purchase_method }) })}</Text>
                      <List size="sm">
                        {g.subscriptions.map((s) => (
                          <List.Item key={s.subscription_id}>
                            {s.product_name} ({s.subscription_id}) · {t("summary.card.seats", { count: s.seats, n: String(s.seats) })} · <Money amount={s.renewal_amount} currency={g.currency} />
                          </List.Item>
                        ))}
                      </List>
                    </div>
                    <Button loading={create.isPending} onClick={() => create.mutate(g.subscriptions.map((s) => s.subscription_id))}>
                      {t("quotes.create")}
                    </Button>
                  </Group>
                </Card>
              ))}
              {groups.data.ineligible.length > 0 && (
                <Alert color="orange" title={t("renewals.ineligible", { count: groups.data.ineligible.length })}>
                  <List size="sm">
                    {groups.data.ineligible.map((o) => (
                      <List.Item key={o.subscription_id}><strong>{o.subscription_id}</strong>: {o.reason}</List.Item>
                    ))}
                  </List>
                </Alert>
              )}
            </>
          )}
        </Stack>
      )}
    </>
  );
}
