import { Button, Card, Checkbox, Group, NumberInput, Select, Text, TextInput, Title } from "@mantine/core";
import { useMutation } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { api, unwrap } from "../../api/client";
import { ErrorAlert, notify } from "../../components/common";
import { minorDigits } from "../../lib/format";

const CURRENCIES = ["EUR", "USD", "GBP", "JPY"];

/** A billing agent's correction (credit_notes.issue, vendor staff only). With an invoice: on an
 * open one the credit reduces what is due at once; on a paid one it stays as credit on the
 * account, or goes back to the card when "refund" is ticked. Without one: credit on the account
 * in the currency chosen. The server checks what is left to credit; its answer is shown as it is. */
export function IssueCreditNote({ onIssued }: { onIssued: () => void }) {
  const { t } = useTranslation();
  const [invoiceId, setInvoiceId] = useState("");
  const [currency, setCurrency] = useState<string | null>("EUR");
  const [reason, setReason] = useState("");
  const [amount, setAmount] = useState<number | string>("");
  const [refund, setRefund] = useState(false);
  const onInvoice = invoiceId.trim() !== "";
  const issue = useMutation({
    mutationFn: async () =>
      unwrap(
        await api.POST("/v1/credit-notes", {
          body: {
            invoice_id: onInvoice ? invoiceId.trim() : null,
            // Always sent: it says how many minor digits the amount has (JPY none), and the
            // server refuses it when it is not the invoice's currency.
            currency,
            reason: reason.trim(),
            amount: typeof amount === "number" && currency ? Math.round(amount * 10 ** minorDigits(currency)) : null,
            refund: onInvoice && refund,
          },
        }),
      ),
    onSuccess: (note) => {
      notify(t("creditNotes.issued", { number: note.number }), "green");
      setInvoiceId("");
      setReason("");
      setAmount("");
      setRefund(false);
      onIssued();
    },
  });
  const ready = reason.trim() !== "" && typeof amount === "number" && amount > 0 && !!currency;
  return (
    <Card withBorder mb="sm" data-testid="issue-credit-note">
      <Title order={2} size="h5" mb={4}>{t("creditNotes.issueTitle")}</Title>
      <Text size="sm" c="dimmed" mb="xs">{t("creditNotes.issueHint")}</Text>
      <Group align="flex-end">
        <TextInput label={t("creditNotes.invoiceId")} value={invoiceId} onChange={(e) => setInvoiceId(e.currentTarget.value)} maxLength={36} w={220} />
        <Select label={t("subscriptions.col.currency")} data={CURRENCIES} value={currency} onChange={setCurrency} allowDeselect={false} w={100} />
        <TextInput label={t("creditNotes.reason")} value={reason} onChange={(e) => setReason(e.currentTarget.value)} maxLength={300} w={260} />
        <NumberInput hideControls label={t("creditNotes.amount")} min={0} decimalScale={minorDigits(currency ?? "EUR")} value={amount} onChange={setAmount} w={160} />
        {onInvoice && <Checkbox label={t("creditNotes.refund")} checked={refund} onChange={(e) => setRefund(e.currentTarget.checked)} mb={8} />}
        <Button disabled={!ready} loading={issue.isPending} onClick={() => issue.mutate()}>
          {t("creditNotes.issue")}
        </Button>
      </Group>
      <ErrorAlert error={issue.error} />
    </Card>
  );
}
