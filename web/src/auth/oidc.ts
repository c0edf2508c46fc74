// Prod sign-in: the company identity provider, OpenID Connect authorization code + PKCE
// (oidc-client-ts does the redirect, the PKCE verifier and the code exchange). Loaded only
// when the gateway's /app-config.json says `mode: "oidc"`.
import { UserManager, WebStorageStateStore, type User } from "oidc-client-ts";
import type { AppConfig } from "./config";
import { claimsOf, setSession } from "./session";

type OidcConfig = Extract<AppConfig["auth"], { mode: "oidc" }>;

function manager(config: OidcConfig): UserManager {
  return new UserManager({
    authority: config.authority,
    client_id: config.client_id,
    redirect_uri: `${window.location.origin}/auth/callback`,
    post_logout_redirect_uri: `${window.location.origin}/sign-in`,
    response_type: "code", // authorization code; PKCE is always on in oidc-client-ts
    scope: config.scope,
    userStore: new WebStorageStateStore({ store: window.sessionStorage }),
  });
}

export async function startSignIn(config: OidcConfig, next: string): Promise<void> {
  await manager(config).signinRedirect({ state: { next } });
}

/** Back from the identity provider: exchanges the code, keeps the token, returns where to go. */
export async function completeSignIn(config: OidcConfig): Promise<string> {
  const user: User = await manager(config).signinRedirectCallback();
  const token = config.token === "id_token" ? (user.id_token ?? "") : user.access_token;
  const claims = claimsOf(token);
  const roles = Array.isArray(claims.roles) ? (claims.roles as string[]) : [];
  setSession({
    token,
    subject: String(claims.sub ?? user.profile.sub),
    name: String(user.profile.name ?? claims.sub ?? ""),
    csn: String(claims.csn ?? ""),
    company: String(claims.csn ?? ""),
    roles,
    partnerCsn: typeof claims.partner_csn === "string" ? claims.partner_csn : null,
    mode: "oidc",
  });
  const state = user.state as { next?: string } | undefined;
  return state?.next ?? "/";
}
