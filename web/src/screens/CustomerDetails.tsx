import { Alert, Button, Card, Group, SimpleGrid, Stack, Text, TextInput } from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { api, unwrap, type Customer } from "../api/client";
import { useCan } from "../auth/useSession";
import { ErrorAlert, LoadingRows, PageHeader, notify } from "../components/common";

type Draft = { company_name: string; line1: string; line2: string; postal_code: string; city: string; region: string; country: string; tax_id: string };

function draftOf(c: Customer): Draft {
  const a = c.billing_address;
  return { company_name: c.company_name, line1: a.line1, line2: a.line2 ?? "", postal_code: a.postal_code ?? "", city: a.city, region: a.region ?? "", country: a.country, tax_id: c.tax_id ?? "" };
}

export default function CustomerDetails() {
  const { t } = useTranslation();
  const can = useCan();
  const editable = can("customer.update");
  const queryClient = useQueryClient();
  const customer = useQuery({ queryKey: ["customer"], queryFn: async () => unwrap(await api.GET("/v1/customer")) });
  const [draft, setDraft] = useState<Draft | null>(null);
  const save = useMutation({
    mutationFn: async (d: Draft) =>
      unwrap(
        await api.PUT("/v1/customer", {
          body: {
            company_name: d.company_name,
            tax_id: d.tax_id || null,
            billing_address: { line1: d.line1, line2: d.line2 || null, postal_code: d.postal_code || null, city: d.city, region: d.region || null, country: d.country.toUpperCase() },
          },
        }),
      ),
    onSuccess: (c) => {
      queryClient.setQueryData(["customer"], c);
      setDraft(null);
      notify(t("customer.saved"), "green");
    },
  });
  if (customer.isPending) return <LoadingRows rows={6} />;
  if (!customer.data) return <ErrorAlert error={customer.error} />;
  const c = customer.data;
  const d = draft ?? draftOf(c);
  const field = (key: keyof Draft, label: string, required = false) => (
    <TextInput label={label} value={d[key]} required={required} readOnly={!editable} onChange={(e) => setDraft({ ...d, [key]: e.currentTarget.value })} />
  );
  return (
    <>
      <PageHeader title={t("nav.customer")} />
      <Alert color="blue" variant="outline" mb="md">{t("customer.futureOnly")}</Alert>
      <Card withBorder>
        <Stack>
          <Text size="sm">{t("subscriptions.col.csn")}: {c.csn} · {t("customer.netTerms", { days: c.net_terms_days })} · {t("customer.tax", { name: c.tax.name, rate: c.tax.rate })}</Text>
          {field("company_name", t("customer.company"), true)}
          <SimpleGrid cols={{ base: 1, sm: 2 }}>
            {field("line1", t("customer.line1"), true)}
            {field("line2", t("customer.line2"))}
            {field("postal_code", t("customer.postalCode"))}
            {field("city", t("customer.city"), true)}
            {field("region", t("customer.region"))}
            {field("country", t("customer.country"), true)}
          </SimpleGrid>
          {field("tax_id", t("customer.taxId"))}
          <ErrorAlert error={save.error} />
          {editable ? (
            <Group>
              <Button disabled={!draft} loading={save.isPending} onClick={() => draft && save.mutate(draft)}>{t("common.save")}</Button>
              {draft && <Button variant="default" onClick={() => setDraft(null)}>{t("common.cancel")}</Button>}
            </Group>
          ) : (
            <Text size="sm" c="dimmed">{t("customer.readOnly")}</Text>
          )}
        </Stack>
      </Card>
    </>
  );
}
