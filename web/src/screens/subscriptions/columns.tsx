import { Anchor, Checkbox, Group, UnstyledButton } from "@mantine/core";
import { createColumnHelper } from "@tanstack/react-table";
import { useMemo } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import type { Outcome, Subscription } from "../../api/client";
import { DateText, Money, StatusBadge } from "../../components/common";
import { OutcomeBadge } from "./BulkOutcomes";
import { RenewalMode } from "./RenewalMode";
import type { SubscriptionFilters } from "./filters";

const column = createColumnHelper<Subscription>();

function SortHeader({ label, field, sort, onSort }: { label: string; field: string; sort: string; onSort: (field: string) => void }) {
  const { t } = useTranslation();
  const current = sort.replace(/^-/, "") === field;
  const desc = sort.startsWith("-");
  return (
    <UnstyledButton
      onClick={() => onSort(field)}
      aria-label={t("subscriptions.sortBy", { column: label })}
      style={{ fontWeight: 700, whiteSpace: "nowrap" }}
    >
      {label} {current ? (desc ? "▼" : "▲") : ""}
    </UnstyledButton>
  );
}

interface ColumnInputs {
  filters: SubscriptionFilters;
  selected: Set<string>;
  pageIds: string[];
  outcomes: Map<string, Outcome>;
  toggle: (id: string) => void;
  togglePage: () => void;
  toggleSort: (field: string) => void;
}

/** Every R-SUB-1 column; rebuilt only when what the cells show changes (sort, selection,
 * outcomes, the page's rows, the language; the callbacks are stable), so typing a search re-renders nothing here. */
export function useSubscriptionColumns({ filters, selected, pageIds, outcomes, toggle, togglePage, toggleSort }: ColumnInputs) {
  const { t } = useTranslation();
  const sort = filters.sort;
  return useMemo(() => {
    const allOnPage = pageIds.length > 0 && pageIds.every((id) => selected.has(id));
    const sortHeader = (label: string, field: string) => (
      <SortHeader label={label} field={field} sort={sort} onSort={toggleSort} />
    );
    return [
      column.display({
        id: "select",
        header: () => (
          <Checkbox aria-label={t("bulk.selectPage")} checked={allOnPage} indeterminate={!allOnPage && pageIds.some((id) => selected.has(id))} onChange={togglePage} />
        ),
        cell: ({ row }) => (
          <Checkbox
            aria-label={t("bulk.selectRow", { id: row.original.id })}
            checked={selected.has(row.original.id)}
            onChange={() => toggle(row.original.id)}
            onClick={(e) => e.stopPropagation()}
          />
        ),
      }),
      column.accessor("id", {
        header: () => sortHeader(t("subscriptions.col.id"), "id"),
        cell: (c) => (
          <Anchor component={Link} to={`/subscriptions/${c.getValue()}`} onClick={(e) => e.stopPropagation()} size="sm" className="nowrap">
            {c.getValue()}
          </Anchor>
        ),
      }),
      column.accessor("product_name", { header: () => sortHeader(t("subscriptions.col.product"), "product") }),
      column.accessor((s) => s.team_name ?? s.team_id, { id: "team", header: () => t("subscriptions.col.team") }),
      column.accessor("seats", { header: () => sortHeader(t("subscriptions.col.seats"), "seats") }),
      column.accessor("term", { header: () => t("subscriptions.col.term"), cell: (c) => t(`terms.${c.getValue()}` as "terms.annual", { defaultValue: c.getValue() }) }),
      column.display({ id: "renewal", header: () => t("subscriptions.col.renewal"), cell: ({ row }) => <RenewalMode sub={row.original} /> }),
      column.accessor((s) => s.payment_method_label ?? "—", { id: "method", header: () => t("subscriptions.col.paymentMethod"), cell: (c) => <span className="nowrap">{c.getValue()}</span> }),
      column.accessor("start_date", { header: () => sortHeader(t("subscriptions.col.start"), "start_date"), cell: (c) => <DateText value={c.getValue()} /> }),
      column.accessor("renewal_date", { header: () => sortHeader(t("subscriptions.col.renewalDate"), "renewal_date"), cell: (c) => <DateText value={c.getValue()} /> }),
      column.accessor("status", {
        header: () => sortHeader(t("subscriptions.col.status"), "status"),
        cell: ({ row }) => (
          <Group gap={4} wrap="nowrap">
            <StatusBadge status={row.original.status} />
            {row.original.payment_error && <StatusBadge status="payment_error" />}
          </Group>
        ),
      }),
      column.accessor("purchase_method", { header: () => t("subscriptions.col.purchaseMethod"), cell: (c) => t(`purchaseMethods.${c.getValue()}` as "purchaseMethods.quote", { defaultValue: c.getValue() }) }),
      column.accessor((s) => (s.renewal_amount == null ? null : s), {
        id: "amount",
        header: () => t("subscriptions.col.renewalAmount"),
        cell: ({ row }) => (row.original.renewal_amount == null ? "—" : <Money amount={row.original.renewal_amount} currency={row.original.currency} />),
      }),
      column.accessor("contract_id", { header: () => t("subscriptions.col.contract"), cell: (c) => c.getValue() ?? "—" }),
      column.accessor("csn", { header: () => t("subscriptions.col.csn") }),
      column.accessor("currency", { header: () => t("subscriptions.col.currency") }),
      column.accessor("partner_csn", { header: () => t("subscriptions.col.partner"), cell: (c) => c.getValue() ?? "—" }),
      column.display({ id: "outcome", header: () => t("bulk.outcomeColumn"), cell: ({ row }) => <OutcomeBadge outcome={outcomes.get(row.original.id)} /> }),
    ];
  }, [t, sort, selected, pageIds, outcomes, toggle, togglePage, toggleSort]);
}
