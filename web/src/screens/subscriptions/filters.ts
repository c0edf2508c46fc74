// The subscriptions table's state lives in the URL (filters, search, sort, page), so that a
// link, a reload or the back button shows the same rows.

export const SORTS = ["renewal_date", "product", "seats", "status", "start_date", "id"] as const;
export const STATUSES = ["active", "trial", "expired", "cancelled"] as const;
export const TERMS = ["monthly", "annual", "three_year"] as const;
export const PAGE_SIZES = [25, 50, 100] as const;

export interface SubscriptionFilters {
  q: string;
  status: string[];
  term: string | null;
  autoRenew: "true" | "false" | null;
  currency: string | null;
  paymentError: "true" | "false" | null;
  expiringWithinDays: number | null;
  sort: string; // field, "-" prefix for descending
  page: number; // 1-based
  pageSize: number;
}

export const DEFAULT_FILTERS: SubscriptionFilters = {
  q: "",
  status: [],
  term: null,
  autoRenew: null,
  currency: null,
  paymentError: null,
  expiringWithinDays: null,
  sort: "renewal_date",
  page: 1,
  pageSize: 25,
};

function oneOf<T extends string>(value: string | null, allowed: readonly T[]): T | null {
  return value !== null && (allowed as readonly string[]).includes(value) ? (value as T) : null;
}

function positiveInt(value: string | null): number | null {
  if (value === null || !/^\d+$/.test(value)) return null;
  const n = Number(value);
  return n > 0 ? n : null;
}

/** What the URL says; anything it says wrongly is left at its default. */
export function parseFilters(params: URLSearchParams): SubscriptionFilters {
  const sort = params.get("sort");
  const sortField = sort?.replace(/^-/, "") ?? "";
  const pageSize = positiveInt(params.get("size"));
  return {
    q: params.get("q")?.trim() ?? "",
    status: params.getAll("status").filter((s) => (STATUSES as readonly string[]).includes(s)),
    term: oneOf(params.get("term"), TERMS),
    autoRenew: oneOf(params.get("auto_renew"), ["true", "false"] as const),
    currency: /^[A-Z]{3}$/.test(params.get("currency") ?? "") ? params.get("currency") : null,
    paymentError: oneOf(params.get("payment_error"), ["true", "false"] as const),
    expiringWithinDays: positiveInt(params.get("expiring")),
    sort: sort && (SORTS as readonly string[]).includes(sortField) ? sort : DEFAULT_FILTERS.sort,
    page: positiveInt(params.get("page")) ?? 1,
    pageSize: pageSize && (PAGE_SIZES as readonly number[]).includes(pageSize) ? pageSize : 25,
  };
}

/** The URL for a state: defaults are left out, so the plain page has a plain address. */
export function toSearchParams(f: SubscriptionFilters): URLSearchParams {
  const p = new URLSearchParams();
  if (f.q) p.set("q", f.q);
  f.status.forEach((s) => p.append("status", s));
  if (f.term) p.set("term", f.term);
  if (f.autoRenew) p.set("auto_renew", f.autoRenew);
  if (f.currency) p.set("currency", f.currency);
  if (f.paymentError) p.set("payment_error", f.paymentError);
  if (f.expiringWithinDays) p.set("expiring", String(f.expiringWithinDays));
  if (f.sort !== DEFAULT_FILTERS.sort) p.set("sort", f.sort);
  if (f.page !== 1) p.set("page", String(f.page));
  if (f.pageSize !== DEFAULT_FILTERS.pageSize) p.set("size", String(f.pageSize));
  return p;
}

/** A change of filters, search or sort starts again at page 1; paging keeps the rest. */
export function withChange(f: SubscriptionFilters, change: Partial<SubscriptionFilters>): SubscriptionFilters {
  const resetsPage = Object.keys(change).some((k) => k !== "page");
  return { ...f, ...change, page: resetsPage && change.page === undefined ? 1 : (change.page ?? f.page) };
}

/** The API's query for a state (GET /v1/subscriptions). */
export function toQuery(f: SubscriptionFilters) {
  return {
    q: f.q || undefined,
    status: f.status.length ? f.status : undefined,
    term: f.term ?? undefined,
    auto_renew: f.autoRenew === null ? undefined : f.autoRenew === "true",
    currency: f.currency ?? undefined,
    payment_error: f.paymentError === null ? undefined : f.paymentError === "true",
    expiring_within_days: f.expiringWithinDays ?? undefined,
    sort: f.sort,
    limit: f.pageSize,
    offset: (f.page - 1) * f.pageSize,
  };
}

export function activeFilterCount(f: SubscriptionFilters): number {
  return (
    (f.q ? 1 : 0) +
    f.status.length +
    [f.term, f.autoRenew, f.currency, f.paymentError, f.expiringWithinDays].filter((v) => v !== null).length
  );
}
