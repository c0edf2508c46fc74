// Who may do what, generated from the gateway's policy (services/gateway/policy.py) by
// `make web-client`. The server enforces every rule; the app only hides what a role cannot do.
// A user of several roles may do what any of them may (the union).
import policy from "../api/policy.json";

export type Action = keyof typeof policy;

export function can(roles: readonly string[], action: Action): boolean {
  const allowed: readonly string[] = policy[action];
  return roles.some((r) => allowed.includes(r));
}
