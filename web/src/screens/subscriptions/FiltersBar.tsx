import { Button, Group, MultiSelect, Paper, Select, TextInput } from "@mantine/core";
import { useDebouncedCallback } from "@mantine/hooks";
import { memo, useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { activeFilterCount, STATUSES, TERMS, type SubscriptionFilters } from "./filters";

// Short enough to stay inside the table's 300 ms budget (issue 12); a request still in flight
// when the next one starts is cancelled (the list query passes TanStack Query's AbortSignal).
export const SEARCH_DEBOUNCE_MS = 60;

interface Props {
  filters: SubscriptionFilters;
  update: (change: Partial<SubscriptionFilters>) => void;
  onClear: () => void;
  /** Whether the user sees billing data: a plain user gets no payment-error filter (R-ROLE-1). */
  billing: boolean;
}

/** The filters and the search box. The typed text is its own state, so a keystroke re-renders
 * this bar only, never the table; the URL (and so the query) follows after the debounce. */
export const FiltersBar = memo(function FiltersBar({ filters, update, onClear, billing }: Props) {
  const { t } = useTranslation();
  const [search, setSearch] = useState(filters.q);
  useEffect(() => setSearch((typed) => (typed.trim() === filters.q ? typed : filters.q)), [filters.q]);
  const debouncedSearch = useDebouncedCallback((q: string) => update({ q: q.trim() }), SEARCH_DEBOUNCE_MS);
  return (
    <Paper withBorder p="sm" mb="sm">
      <Group align="flex-end" wrap="wrap" gap="sm">
        <TextInput
          label={t("subscriptions.search")}
          placeholder={t("subscriptions.searchPlaceholder")}
          value={search}
          onChange={(e) => {
            setSearch(e.currentTarget.value);
            debouncedSearch(e.currentTarget.value);
          }}
          w={260}
        />
        <MultiSelect
          label={t("subscriptions.col.status")}
          data={STATUSES.map((s) => ({ value: s, label: t(`status.${s}`) }))}
          value={filters.status}
          onChange={(status) => update({ status })}
          w={220}
          clearable
        />
        <Select
          label={t("subscriptions.col.term")}
          data={TERMS.map((s) => ({ value: s, label: t(`terms.${s}`) }))}
          value={filters.term}
          onChange={(term) => update({ term })}
          clearable
          w={150}
        />
        <Select
          label={t("subscriptions.autoRenew")}
          data={[
            { value: "true", label: t("common.on") },
            { value: "false", label: t("common.off") },
          ]}
          value={filters.autoRenew}
          onChange={(v) => update({ autoRenew: v as SubscriptionFilters["autoRenew"] })}
          clearable
          w={130}
        />
        <Select
          label={t("subscriptions.col.currency")}
          data={["EUR", "USD", "JPY", "GBP"]}
          value={filters.currency}
          onChange={(currency) => update({ currency })}
          clearable
          w={110}
        />
        {billing && (
          <Select
            label={t("subscriptions.paymentError")}
            data={[
              { value: "true", label: t("common.yes") },
              { value: "false", label: t("common.no") },
            ]}
            value={filters.paymentError}
            onChange={(v) => update({ paymentError: v as SubscriptionFilters["paymentError"] })}
            clearable
            w={140}
          />
        )}
        {activeFilterCount(filters) > 0 && (
          <Button
            variant="subtle"
            onClick={() => {
              setSearch("");
              onClear();
            }}
          >
            {t("subscriptions.clearFilters")}
          </Button>
        )}
      </Group>
    </Paper>
  );
});
