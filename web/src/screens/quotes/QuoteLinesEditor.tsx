import { Button, Card, Checkbox, Group, NumberInput, Select, Table, Text, Title } from "@mantine/core";
import { useMutation } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { api, unwrap, type Quote } from "../../api/client";
import { ErrorAlert } from "../../components/common";
import { TERMS } from "../subscriptions/filters";

type RenewalLine = { subscriptionId: string; product: string; seats: number; term: string; kept: boolean };

function fromQuote(q: Quote): RenewalLine[] {
  return q.lines.map((l) => ({ subscriptionId: l.subscription_id ?? "", product: l.product_name, seats: l.seats, term: l.term, kept: true }));
}

/** R-QUO-4: check term and quantities, untick what to leave out, on a draft renewal quote.
 * The server re-prices the lines (promotions, tax) and refuses what a self-service quote may not
 * do (adding seats, R-QUO-6) with a message shown here as it is. */
export function QuoteLinesEditor({ quote, onSaved }: { quote: Quote; onSaved: (q: Quote) => void }) {
  const { t } = useTranslation();
  const [lines, setLines] = useState<RenewalLine[]>(() => fromQuote(quote));
  const changed = JSON.stringify(lines) !== JSON.stringify(fromQuote(quote));
  const kept = lines.filter((l) => l.kept);
  const edit = (i: number, change: Partial<RenewalLine>) => setLines((ls) => ls.map((l, j) => (j === i ? { ...l, ...change } : l)));
  const save = useMutation({
    mutationFn: async () =>
      unwrap(
        await api.PATCH("/v1/quotes/{quote_id}", {
          params: { path: { quote_id: quote.id } },
          body: {
            lines: kept.map((l) => ({ kind: "renewal" as const, purchase_option: "standard" as const, subscription_id: l.subscriptionId, seats: l.seats, term: l.term as (typeof TERMS)[number] })),
            new_credit_line: false,
          },
        }),
      ),
    onSuccess: (q) => {
      setLines(fromQuote(q));
      onSaved(q);
    },
  });
  return (
    <Card withBorder data-testid="quote-lines-editor">
      <Title order={2} size="h5" mb="xs">{t("quotes.editLines")}</Title>
      <Text size="sm" c="dimmed" mb="xs">{t("quotes.editLinesHint")}</Text>
      <Table fz="sm">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>{t("quotes.keep")}</Table.Th>
            <Table.Th>{t("subscriptions.col.product")}</Table.Th>
            <Table.Th>{t("subscriptions.col.term")}</Table.Th>
            <Table.Th>{t("subscriptions.col.seats")}</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {lines.map((l, i) => (
            <Table.Tr key={l.subscriptionId}>
              <Table.Td>
                <Checkbox aria-label={t("quotes.keepLine", { id: l.subscriptionId })} checked={l.kept} onChange={(e) => edit(i, { kept: e.currentTarget.checked })} />
              </Table.Td>
              <Table.Td>{l.product} ({l.subscriptionId})</Table.Td>
              <Table.Td>
                <Select
                  aria-label={t("quotes.termOf", { id: l.subscriptionId })}
                  data={TERMS.map((term) => ({ value: term, label: t(`terms.${term}`) }))}
                  value={l.term}
                  onChange={(term) => term && edit(i, { term })}
                  allowDeselect={false}
                  disabled={!l.kept}
                  w={150}
                />
              </Table.Td>
              <Table.Td>
                <NumberInput
                  aria-label={t("quotes.seatsOf", { id: l.subscriptionId })}
                  value={l.seats}
                  min={1}
                  max={100000}
                  allowDecimal={false}
                  onChange={(v) => typeof v === "number" && v >= 1 && edit(i, { seats: v })}
                  disabled={!l.kept}
                  w={110}
                />
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      <Group mt="sm">
        <Button variant="default" disabled={!changed || kept.length === 0} loading={save.isPending} onClick={() => save.mutate()}>
          {t("quotes.saveLines")}
        </Button>
        {kept.length === 0 && <Text size="sm" c="orange">{t("quotes.keepOne")}</Text>}
      </Group>
      <ErrorAlert error={save.error} />
    </Card>
  );
}
