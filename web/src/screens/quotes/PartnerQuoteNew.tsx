import { Button, Card, NumberInput, Stack, TagsInput, Text } from "@mantine/core";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { useNavigate } from "react-router";
import { api, unwrap } from "../../api/client";
import { ErrorAlert, PageHeader } from "../../components/common";
import { RecipientsInput } from "./RecipientsInput";

/** A partner drafts a renewal quote for its customer's subscriptions (R-QUO-3): the server
 * checks that they are the customer's, of one renewal group, with this partner of record. */
export default function PartnerQuoteNew() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [ids, setIds] = useState<string[]>([]);
  const [recipients, setRecipients] = useState<string[]>([]);
  const [validity, setValidity] = useState<number | string>(30);
  const create = useMutation({
    mutationFn: async () =>
      unwrap(
        await api.POST("/v1/partner/quotes", {
          body: { subscription_ids: ids, recipients, validity_days: typeof validity === "number" ? validity : null, new_credit_line: false },
        }),
      ),
    onSuccess: (q) => {
      void queryClient.invalidateQueries({ queryKey: ["quotes"] });
      navigate(`/quotes/${q.id}`);
    },
  });
  return (
    <>
      <PageHeader title={t("quotes.partnerNew")} />
      <Card withBorder maw={640}>
        <Stack>
          <Text size="sm" c="dimmed">{t("quotes.partnerNewHint")}</Text>
          <TagsInput label={t("quotes.subscriptionIds")} value={ids} onChange={setIds} maxTags={100} splitChars={[",", " ", ";"]} placeholder="sub-…" />
          <RecipientsInput value={recipients} onChange={setRecipients} partner />
          <NumberInput label={t("quotes.validityDays")} min={1} max={90} allowDecimal={false} value={validity} onChange={setValidity} w={200} />
          <Button disabled={ids.length === 0} loading={create.isPending} onClick={() => create.mutate()} w="fit-content">
            {t("quotes.create")}
          </Button>
          <ErrorAlert error={create.error} />
        </Stack>
      </Card>
    </>
  );
}
