import { useSyncExternalStore } from "react";
import { getSession, subscribe, type Session } from "./session";
import { can, type Action } from "./policy";

export function useSession(): Session | null {
  return useSyncExternalStore(subscribe, getSession, getSession);
}

export function useCan(): (action: Action) => boolean {
  const session = useSession();
  return (action) => can(session?.roles ?? [], action);
}
