import {
  Anchor,
  Badge,
  Button,
  Checkbox,
  Group,
  Modal,
  MultiSelect,
  Pagination,
  Paper,
  Select,
  Stack,
  Table,
  Text,
  TextInput,
  UnstyledButton,
} from "@mantine/core";
import { useDebouncedCallback } from "@mantine/hooks";
import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { createColumnHelper, flexRender, getCoreRowModel, useReactTable } from "@tanstack/react-table";
import { useMemo, useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, useNavigate, useSearchParams } from "react-router";
import { api, download, unwrap, type BulkResult, type Outcome, type Subscription } from "../../api/client";
import { useCan } from "../../auth/useSession";
import { DateText, EmptyState, ErrorAlert, LoadingRows, Money, PageHeader, StatusBadge, notify, WHOLE_BADGE } from "../../components/common";
import { OutcomeBadge, OutcomeSummary, outcomesById } from "./BulkOutcomes";
import {
  activeFilterCount,
  DEFAULT_FILTERS,
  PAGE_SIZES,
  parseFilters,
  STATUSES,
  TERMS,
  toQuery,
  toSearchParams,
  withChange,
  type SubscriptionFilters,
} from "./filters";

export const MAX_SELECTION = 100;
const column = createColumnHelper<Subscription>();

export function RenewalMode({ sub }: { sub: Subscription }) {
  const { t } = useTranslation();
  return sub.renews_automatically ? (
    <Badge color="teal" variant="dot" radius="sm" tt="none" styles={WHOLE_BADGE}>{t("subscriptions.automatic")}</Badge>
  ) : (
    <Badge color="orange" variant="dot" radius="sm" tt="none" styles={WHOLE_BADGE}>{t("subscriptions.manual")}</Badge>
  );
}

function SortHeader({ label, field, filters, onSort }: { label: string; field: string; filters: SubscriptionFilters; onSort: (field: string) => void }) {
  const { t } = useTranslation();
  const current = filters.sort.replace(/^-/, "") === field;
  const desc = filters.sort.startsWith("-");
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

export default function SubscriptionsList() {
  const { t } = useTranslation();
  const can = useCan();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [params, setParams] = useSearchParams();
  const filters = useMemo(() => parseFilters(params), [params]);
  const [search, setSearch] = useState(filters.q);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [outcomes, setOutcomes] = useState<Map<string, Outcome>>(new Map());
  const [lastResult, setLastResult] = useState<BulkResult | null>(null);
  const [linkOpen, setLinkOpen] = useState(false);
  const [linkMethod, setLinkMethod] = useState<string | null>(null);

  // From the URL as it is when the change happens (never a state captured by an older render).
  const update = (change: Partial<SubscriptionFilters>) =>
    setParams((prev) => toSearchParams(withChange(parseFilters(prev), change)));
  const toggleSort = (field: string) =>
    setParams((prev) => {
      const f = parseFilters(prev);
      const sort = f.sort === field ? `-${field}` : field;
      return toSearchParams(withChange(f, { sort }));
    });
  const debouncedSearch = useDebouncedCallback((q: string) => update({ q: q.trim() }), 150);

  const list = useQuery({
    queryKey: ["subscriptions", toQuery(filters)],
    placeholderData: keepPreviousData,
    queryFn: async () =>
      unwrap(await api.GET("/v1/subscriptions", { params: { query: toQuery(filters) as never } })),
  });
  const methods = useQuery({
    queryKey: ["payment-methods"],
    enabled: linkOpen,
    queryFn: async () => unwrap(await api.GET("/v1/payment-methods", { params: { query: { limit: 100 } } })),
  });

  const afterBulk = (result: BulkResult) => {
    setOutcomes(outcomesById(result));
    setLastResult(result);
    void queryClient.invalidateQueries({ queryKey: ["subscriptions"] });
    void queryClient.invalidateQueries({ queryKey: ["dashboard"] });
  };
  const autoRenew = useMutation({
    mutationFn: async (on: boolean) =>
      unwrap(await api.POST("/v1/subscriptions/auto-renew", { body: { auto_renew: on, subscription_ids: [...selected] } })),
    onSuccess: afterBulk,
  });
  const link = useMutation({
    mutationFn: async (methodId: string) =>
      unwrap(
        await api.POST("/v1/payment-methods/{method_id}/subscriptions", {
          params: { path: { method_id: methodId } },
          body: { subscription_ids: [...selected] },
        }),
      ),
    onSuccess: (r) => {
      setLinkOpen(false);
      afterBulk(r);
    },
  });
  const exportCsv = useMutation({
    mutationFn: async () =>
      download(`/v1/subscriptions/export.csv?ids=${encodeURIComponent([...selected].join(","))}`, "subscriptions.csv"),
    onSuccess: () => notify(t("subscriptions.exported"), "green"),
  });

  const rows = list.data?.items ?? [];
  const total = list.data?.total ?? 0;
  const toggle = (id: string) =>
    setSelected((s) => {
      const next = new Set(s);
      if (next.has(id)) next.delete(id);
      else if (next.size < MAX_SELECTION) next.add(id);
      else notify(t("bulk.tooMany", { max: MAX_SELECTION }), "orange");
      return next;
    });
  const pageIds = rows.map((r) => r.id);
  const allOnPage = pageIds.length > 0 && pageIds.every((id) => selected.has(id));
  const togglePage = () =>
    setSelected((s) => {
      const next = new Set(s);
      if (allOnPage) pageIds.forEach((id) => next.delete(id));
      else for (const id of pageIds) if (next.size < MAX_SELECTION) next.add(id);
      return next;
    });

  const sortHeader = (label: string, field: string) => (
    <SortHeader label={label} field={field} filters={filters} onSort={toggleSort} />
  );
  const columns = [
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
  // TanStack Table: the rows, columns and cells; paging, sorting and filtering are the server's.
  const table = useReactTable({ data: rows, columns, getCoreRowModel: getCoreRowModel(), manualPagination: true, manualSorting: true, getRowId: (r) => r.id });
  const pages = Math.max(1, Math.ceil(total / filters.pageSize));
  const canBulk = can("subscriptions.auto_renew");

  return (
    <>
      <PageHeader title={t("nav.subscriptions")}>
        <Text size="sm" c="dimmed" data-testid="total">
          {t("subscriptions.total", { count: total })}
        </Text>
      </PageHeader>
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
          {activeFilterCount(filters) > 0 && (
            <Button
              variant="subtle"
              onClick={() => {
                setSearch("");
                setParams(toSearchParams({ ...DEFAULT_FILTERS, sort: filters.sort, pageSize: filters.pageSize }));
              }}
            >
              {t("subscriptions.clearFilters")}
            </Button>
          )}
        </Group>
      </Paper>

      {selected.size > 0 && (
        <Paper withBorder p="sm" mb="sm" bg="blue.0" data-testid="bulk-bar">
          <Group gap="xs" wrap="wrap">
            <Text size="sm" fw={600}>
              {t("bulk.selected", { count: selected.size, max: MAX_SELECTION })}
            </Text>
            {canBulk && (
              <>
                <Button size="xs" loading={autoRenew.isPending && autoRenew.variables} onClick={() => autoRenew.mutate(true)}>
                  {t("bulk.autoRenewOn")}
                </Button>
                <Button size="xs" loading={autoRenew.isPending && !autoRenew.variables} onClick={() => autoRenew.mutate(false)}>
                  {t("bulk.autoRenewOff")}
                </Button>
              </>
            )}
            {can("subscriptions.link_payment_method") && (
              <Button size="xs" variant="default" onClick={() => setLinkOpen(true)}>
                {t("bulk.linkMethod")}
              </Button>
            )}
            <Button size="xs" variant="default" loading={exportCsv.isPending} onClick={() => exportCsv.mutate()}>
              {t("bulk.exportCsv")}
            </Button>
            {can("subscriptions.renew") && (
              <Button size="xs" variant="default" onClick={() => navigate(`/renewals?ids=${[...selected].join(",")}`)}>
                {t("bulk.renew")}
              </Button>
            )}
            {can("quotes.create") && (
              <Button size="xs" variant="default" onClick={() => navigate(`/quotes/new?ids=${[...selected].join(",")}`)}>
                {t("bulk.requestQuote")}
              </Button>
            )}
            <Button size="xs" variant="subtle" onClick={() => setSelected(new Set())}>
              {t("bulk.clear")}
            </Button>
          </Group>
        </Paper>
      )}
      <Stack gap="xs" mb="xs">
        <ErrorAlert error={autoRenew.error ?? link.error ?? exportCsv.error} />
        {lastResult && <OutcomeSummary result={lastResult} onClose={() => setLastResult(null)} />}
        <ErrorAlert error={list.error} />
      </Stack>

      {list.isPending ? (
        <LoadingRows rows={10} />
      ) : rows.length === 0 ? (
        <EmptyState title={t("subscriptions.empty")} hint={activeFilterCount(filters) ? t("subscriptions.emptyFiltered") : t("subscriptions.emptyHint")} />
      ) : (
        <Table.ScrollContainer minWidth={1200}>
          <Table striped highlightOnHover verticalSpacing={6} fz="sm" aria-busy={list.isFetching} data-testid="subscriptions-table">
            <Table.Thead>
              {table.getHeaderGroups().map((hg) => (
                <Table.Tr key={hg.id}>
                  {hg.headers.map((h) => (
                    <Table.Th key={h.id} scope="col">{flexRender(h.column.columnDef.header, h.getContext())}</Table.Th>
                  ))}
                </Table.Tr>
              ))}
            </Table.Thead>
            <Table.Tbody>
              {table.getRowModel().rows.map((row) => (
                <Table.Tr key={row.id} data-id={row.id} style={{ cursor: "pointer" }} onClick={() => navigate(`/subscriptions/${row.id}`)}>
                  {row.getVisibleCells().map((cell) => (
                    <Table.Td key={cell.id}>{flexRender(cell.column.columnDef.cell, cell.getContext())}</Table.Td>
                  ))}
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      <Group justify="space-between" mt="sm">
        <Pagination total={pages} value={Math.min(filters.page, pages)} onChange={(page) => update({ page })} getControlProps={(c) => ({ "aria-label": t(`pagination.${c}`) })} />
        <Select
          aria-label={t("subscriptions.pageSize")}
          data={PAGE_SIZES.map((n) => ({ value: String(n), label: t("subscriptions.perPage", { count: n }) }))}
          value={String(filters.pageSize)}
          onChange={(v) => v && update({ pageSize: Number(v) })}
          w={140}
          allowDeselect={false}
        />
      </Group>

      <Modal closeButtonProps={{ "aria-label": t("common.close") }} opened={linkOpen} onClose={() => setLinkOpen(false)} title={t("bulk.linkMethod")}>
        <Stack>
          <Text size="sm">{t("bulk.linkHint", { count: selected.size })}</Text>
          <Select
            label={t("paymentMethods.method")}
            data={(methods.data?.items ?? []).map((m) => ({ value: m.id, label: m.label }))}
            value={linkMethod}
            onChange={setLinkMethod}
          />
          <ErrorAlert error={methods.error ?? link.error} />
          <Button disabled={!linkMethod} loading={link.isPending} onClick={() => linkMethod && link.mutate(linkMethod)}>
            {t("bulk.link")}
          </Button>
        </Stack>
      </Modal>
    </>
  );
}
