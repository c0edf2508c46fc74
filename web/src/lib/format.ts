// Money is integer minor units plus an ISO 4217 code (never a float on the wire); Intl knows
// how many minor digits each currency has (EUR 2, JPY 0).

const cache = new Map<string, Intl.NumberFormat>();

function currencyFormat(currency: string, locale: string): Intl.NumberFormat {
  const key = `${locale}|${currency}`;
  let f = cache.get(key);
  if (!f) {
    f = new Intl.NumberFormat(locale, { style: "currency", currency });
    cache.set(key, f);
  }
  return f;
}

export function minorDigits(currency: string): number {
  return currencyFormat(currency, "en").resolvedOptions().maximumFractionDigits ?? 2;
}

export function formatMoney(minor: number, currency: string, locale: string): string {
  const f = currencyFormat(currency, locale);
  return f.format(minor / 10 ** minorDigits(currency));
}

/** "12.34" (what a person types) → minor units, or null when it is not an amount. */
export function parseMoney(text: string, currency: string): number | null {
  const cleaned = text.replace(/\s/g, "").replace(",", ".");
  if (!/^\d+(\.\d+)?$/.test(cleaned)) return null;
  const digits = minorDigits(currency);
  const [whole = "0", frac = ""] = cleaned.split(".");
  if (frac.length > digits) return null;
  return Number(whole) * 10 ** digits + Number((frac + "0".repeat(digits)).slice(0, digits) || 0);
}

// Building an Intl formatter costs far more than using one: a table page formats about 75
// dates and amounts per render, so each formatter is built once per locale and options.
const dateFormats = new Map<string, Intl.DateTimeFormat>();

function dateFormat(locale: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `${locale}|${JSON.stringify(options)}`;
  let f = dateFormats.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat(locale, options);
    dateFormats.set(key, f);
  }
  return f;
}

/** A calendar date (YYYY-MM-DD) shown in the reader's locale, without a time-zone shift. */
export function formatDate(iso: string | null | undefined, locale: string): string {
  if (!iso) return "—";
  const day = /^\d{4}-\d{2}-\d{2}$/.test(iso);
  const date = day ? new Date(`${iso}T00:00:00Z`) : new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return dateFormat(locale, day ? { dateStyle: "medium", timeZone: "UTC" } : { dateStyle: "medium" }).format(date);
}

export function formatDateTime(iso: string | null | undefined, locale: string): string {
  if (!iso) return "—";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return dateFormat(locale, { dateStyle: "medium", timeStyle: "short" }).format(date);
}

export function formatNumber(n: number, locale: string): string {
  let f = cache.get(locale);
  if (!f) {
    f = new Intl.NumberFormat(locale);
    cache.set(locale, f);
  }
  return f.format(n);
}

export function formatMonth(yyyyMm: string, locale: string): string {
  const date = new Date(`${yyyyMm.slice(0, 7)}-01T00:00:00Z`);
  if (Number.isNaN(date.getTime())) return yyyyMm;
  return dateFormat(locale, { month: "short", year: "numeric", timeZone: "UTC" }).format(date);
}
