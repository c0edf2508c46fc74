// The typed client generated from the gateway's OpenAPI (`make web-client`): every call of the
// app goes through it, with the signed-in user's bearer token.
import createClient, { type Middleware } from "openapi-fetch";
import { getSession, signOutLocally } from "../auth/session";
import type { components, paths } from "./schema";

export type Schemas = components["schemas"];
export type Subscription = Schemas["SubscriptionOut"];
export type Outcome = Schemas["OutcomeOut"];
export type BulkResult = Schemas["BulkOut"];
export type Invoice = Schemas["InvoiceOut"];
export type InvoiceDetail = Schemas["InvoiceDetailOut"];
export type CreditNote = Schemas["CreditNoteOut"];
export type Order = Schemas["OrderOut"];
export type PaymentMethod = Schemas["PaymentMethodOut"];
export type Quote = Schemas["QuoteOut"];
export type Cart = Schemas["CartOut"];
export type Customer = Schemas["CustomerOut"];
export type Problem = Schemas["Problem"];

/** A refusal or failure of the API, with the server's stable `code` kept for support. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly requestId: string | null;
  constructor(status: number, code: string, message: string, requestId: string | null) {
    super(message);
    this.status = status;
    this.code = code;
    this.requestId = requestId;
  }
}

const auth: Middleware = {
  onRequest({ request }) {
    const session = getSession();
    if (session) request.headers.set("Authorization", `Bearer ${session.token}`);
    return request;
  },
  onResponse({ response }) {
    if (response.status === 401 && getSession()) {
      signOutLocally();
      const back = window.location.pathname + window.location.search;
      window.location.assign(`/sign-in?expired=1&next=${encodeURIComponent(back)}`);
    }
    return response;
  },
};

// fetch looked up at each call (not captured once), so that tests may stand in for the network.
export const api = createClient<paths>({
  baseUrl: window.location.origin,
  fetch: (request) => globalThis.fetch(request),
});
api.use(auth);

function toError(status: number, body: unknown, response?: Response): ApiError {
  const p = (body ?? {}) as Partial<Problem>;
  const requestId = p.request_id ?? response?.headers.get("X-Request-Id") ?? null;
  return new ApiError(status, p.code ?? "http_error", p.detail ?? p.title ?? `HTTP ${status}`, requestId);
}

/** The data of an openapi-fetch answer, or an ApiError with the server's problem. */
export function unwrap<T>(result: { data?: T; error?: unknown; response: Response }): T {
  if (result.error !== undefined || !result.response.ok) {
    throw toError(result.response.status, result.error, result.response);
  }
  return result.data as T;
}

/** Downloads a file (CSV, PDF) of the API with the bearer token, as the browser would save it. */
export async function download(path: string, filename: string): Promise<void> {
  const session = getSession();
  const response = await fetch(path, {
    headers: session ? { Authorization: `Bearer ${session.token}` } : {},
  });
  if (!response.ok) {
    let body: unknown = null;
    try {
      body = await response.json();
    } catch {
      /* not JSON */
    }
    throw toError(response.status, body, response);
  }
  const blob = await response.blob();
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = filename;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
