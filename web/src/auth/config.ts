// How this deployment signs in, served by the gateway at /app-config.json (services/gateway/web.py).
export interface AppConfig {
  environment: string;
  auth:
    | { mode: "dev" }
    | { mode: "oidc"; authority: string; client_id: string; scope: string; token: "access_token" | "id_token" };
}

let loaded: Promise<AppConfig> | null = null;

export function appConfig(): Promise<AppConfig> {
  loaded ??= fetch("/app-config.json")
    .then((r) => (r.ok ? (r.json() as Promise<AppConfig>) : Promise.reject(new Error(`HTTP ${r.status}`))))
    .catch(() => ({ environment: "dev", auth: { mode: "dev" } }) as AppConfig);
  return loaded;
}
