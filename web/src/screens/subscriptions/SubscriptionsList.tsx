import { Button, Group, Modal, Pagination, Paper, Select, Stack, Text } from "@mantine/core";
import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useCallback, useMemo, useState } from "react";
import { useTranslation } from "react-i18next";
import { useNavigate, useSearchParams } from "react-router";
import { api, download, unwrap, type BulkResult, type Outcome } from "../../api/client";
import { useCan } from "../../auth/useSession";
import { EmptyState, ErrorAlert, LoadingRows, PageHeader, notify } from "../../components/common";
import { OutcomeSummary, outcomesById } from "./BulkOutcomes";
import { useSubscriptionColumns } from "./columns";
import { FiltersBar } from "./FiltersBar";
import { SubscriptionsTable } from "./SubscriptionsTable";
import {
  activeFilterCount,
  DEFAULT_FILTERS,
  PAGE_SIZES,
  parseFilters,
  toQuery,
  toSearchParams,
  withChange,
  type SubscriptionFilters,
} from "./filters";

export const MAX_SELECTION = 100;


export default function SubscriptionsList() {
  const { t } = useTranslation();
  const can = useCan();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [params, setParams] = useSearchParams();
  // A plain user sees no billing data, so cannot filter by it either (R-ROLE-1; the API refuses).
  const billing = can("payment_methods.read");
  const filters = useMemo(() => {
    const f = parseFilters(params);
    return billing ? f : { ...f, paymentError: null };
  }, [params, billing]);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [outcomes, setOutcomes] = useState<Map<string, Outcome>>(new Map());
  const [lastResult, setLastResult] = useState<BulkResult | null>(null);
  const [linkOpen, setLinkOpen] = useState(false);
  const [linkMethod, setLinkMethod] = useState<string | null>(null);

  // From the URL as it is when the change happens (never a state captured by an older render).
  const update = useCallback(
    (change: Partial<SubscriptionFilters>) => setParams((prev) => toSearchParams(withChange(parseFilters(prev), change))),
    [setParams],
  );
  const toggleSort = useCallback(
    (field: string) =>
      setParams((prev) => {
        const f = parseFilters(prev);
        const sort = f.sort === field ? `-${field}` : field;
        return toSearchParams(withChange(f, { sort }));
      }),
    [setParams],
  );
  const clearFilters = useCallback(
    () => setParams((prev) => {
      const f = parseFilters(prev);
      return toSearchParams({ ...DEFAULT_FILTERS, sort: f.sort, pageSize: f.pageSize });
    }),
    [setParams],
  );

  const list = useQuery({
    queryKey: ["subscriptions", toQuery(filters)],
    placeholderData: keepPreviousData,
    // A newer search cancels this one's request (TanStack Query aborts the signal).
    queryFn: async ({ signal }) =>
      unwrap(await api.GET("/v1/subscriptions", { params: { query: toQuery(filters) as never }, signal })),
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

  const rows = useMemo(() => list.data?.items ?? [], [list.data]);
  const total = list.data?.total ?? 0;
  const toggle = useCallback(
    (id: string) =>
      setSelected((s) => {
        const next = new Set(s);
        if (next.has(id)) next.delete(id);
        else if (next.size < MAX_SELECTION) next.add(id);
        else notify(t("bulk.tooMany", { max: MAX_SELECTION }), "orange");
        return next;
      }),
    [t],
  );
  const pageIds = useMemo(() => rows.map((r) => r.id), [rows]);
  const togglePage = useCallback(
    () =>
      setSelected((s) => {
        const next = new Set(s);
        if (pageIds.length > 0 && pageIds.every((id) => next.has(id))) pageIds.forEach((id) => next.delete(id));
        else for (const id of pageIds) if (next.size < MAX_SELECTION) next.add(id);
        return next;
      }),
    [pageIds],
  );

  const columns = useSubscriptionColumns({ filters, selected, pageIds, outcomes, toggle, togglePage, toggleSort });
  const pages = Math.max(1, Math.ceil(total / filters.pageSize));
  const canBulk = can("subscriptions.auto_renew");

  return (
    <>
      <PageHeader title={t("nav.subscriptions")}>
        <Text size="sm" c="dimmed" data-testid="total">
          {t("subscriptions.total", { count: total })}
        </Text>
      </PageHeader>
      <FiltersBar filters={filters} update={update} onClear={clearFilters} billing={billing} />

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
        <SubscriptionsTable rows={rows} columns={columns} busy={list.isFetching} />
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
