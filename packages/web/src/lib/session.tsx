/**
 * Who is logged in. Loads the server info and the current session once; pages read them with
 * `useSession()`. Site rights come from the user record, group rights from `groups.list` (myRights).
 */
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import type { ServerInfo, SessionInfo, SiteRightName } from '@meshwork/protocol';
import { useQueryClient } from '@tanstack/react-query';
import { api, errorCode, setCsrf } from './api.js';
import { devicesHeadQuery, devicesQuery, groupsQuery } from './queries.js';

export interface SessionState {
  loading: boolean;
  server: ServerInfo | null;
  session: SessionInfo | null;
  /** Why the last session check failed, when it did (`session_expired`, `network_error`, …). */
  problem: string | null;
  /** After login/setup/passkey: remember the new session. */
  setSession(s: SessionInfo | null): void;
  refresh(): Promise<void>;
  logout(everywhere?: boolean): Promise<void>;
  hasSiteRight(r: SiteRightName): boolean;
}

const Ctx = createContext<SessionState | null>(null);

export function SessionProvider({ children }: { children: ReactNode }) {
  const [loading, setLoading] = useState(true);
  const [server, setServer] = useState<ServerInfo | null>(null);
  const [session, setSessionState] = useState<SessionInfo | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const qc = useQueryClient();

  const setSession = useCallback((s: SessionInfo | null) => {
    setCsrf(s?.csrfToken);
    setSessionState(s);
    if (s) setProblem(null);
  }, []);

  const refresh = useCallback(async () => {
    // Both at once: the server info and the session are independent (one round trip, not two).
    const [info, current] = await Promise.allSettled([api.server.info(), api.auth.session()]);
    if (info.status === 'fulfilled') setServer(info.value);
    else setProblem(errorCode(info.reason) ?? 'network_error');
    if (current.status === 'fulfilled') {
      // Start the lists most pages need now, while React renders (the 10,000-device list is the
      // largest answer there is, its head the first screen of it; see bench/web-devices). On the
      // first check, these calls and the two above take the answers boot.ts requested before the
      // app loaded (first-requests.ts).
      void qc.prefetchQuery(devicesHeadQuery);
      void qc.prefetchQuery(devicesQuery);
      void qc.prefetchQuery(groupsQuery);
      setSession(current.value);
    } else {
      const code = errorCode(current.reason);
      setSession(null);
      if (code && code !== 'unauthenticated') setProblem(code);
    }
    setLoading(false);
  }, [setSession, qc]);

  useEffect(() => void refresh(), [refresh]);

  const logout = useCallback(
    async (everywhere = false) => {
      try {
        if (everywhere) await api.auth.logoutAll();
        else await api.auth.logout();
      } finally {
        setSession(null);
      }
    },
    [setSession],
  );

  const value = useMemo<SessionState>(
    () => ({
      loading,
      server,
      session,
      problem,
      setSession,
      refresh,
      logout,
      hasSiteRight: (r) => !!session && (session.user.siteRights.includes('admin' as SiteRightName) || session.user.siteRights.includes(r)),
    }),
    [loading, server, session, problem, setSession, refresh, logout],
  );
  return <Ctx.Provider value={value}>{children}</Ctx.Provider>;
}

export function useSession(): SessionState {
  const s = useContext(Ctx);
  if (!s) throw new Error('useSession outside SessionProvider');
  return s;
}
