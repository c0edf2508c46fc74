// Who is signed in: the bearer token and what it says (subject, account, roles). Kept for the
// browser tab only (sessionStorage); a 401 clears it and sends the user back to sign-in.

export interface Session {
  token: string;
  subject: string;
  name: string;
  csn: string;
  company: string;
  roles: string[];
  partnerCsn: string | null;
  mode: "dev" | "oidc";
}

const KEY = "billing-orders.session";
let current: Session | null = null;
const listeners = new Set<() => void>();

function load(): Session | null {
  try {
    const raw = sessionStorage.getItem(KEY);
    return raw ? (JSON.parse(raw) as Session) : null;
  } catch {
    return null;
  }
}
current = load();

export function getSession(): Session | null {
  return current;
}

export function setSession(session: Session | null): void {
  current = session;
  if (session) sessionStorage.setItem(KEY, JSON.stringify(session));
  else sessionStorage.removeItem(KEY);
  listeners.forEach((l) => l());
}

export function signOutLocally(): void {
  setSession(null);
}

export function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** The claims of a JWT (not verified here: the gateway verifies every request). */
export function claimsOf(token: string): Record<string, unknown> {
  const part = token.split(".")[1] ?? "";
  try {
    const json = atob(part.replace(/-/g, "+").replace(/_/g, "/"));
    return JSON.parse(decodeURIComponent(escape(json))) as Record<string, unknown>;
  } catch {
    return {};
  }
}
