/**
 * The live event stream: one WebSocket per logged-in tab. Device frames patch the device caches in
 * place (no reload, no refetch of the whole list); events invalidate the event queries and reach
 * subscribers (e.g. the device page's Events tab).
 */
import { createContext, useContext, useEffect, useRef, useState, type ReactNode } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import type { Device, Event, StreamServerFrame } from '@meshwork/protocol';
import type { StreamStatus } from '@meshwork/client';
import { openLiveStream } from './api.js';
import { keys } from './queries.js';
import { useSession } from './session.js';

type Listener = (e: Event) => void;
interface LiveState {
  status: StreamStatus['state'] | 'off';
  subscribe(l: Listener): () => void;
}
const Ctx = createContext<LiveState>({ status: 'off', subscribe: () => () => {} });

export function LiveProvider({ children }: { children: ReactNode }) {
  const { session, setSession } = useSession();
  const qc = useQueryClient();
  const [status, setStatus] = useState<LiveState['status']>('off');
  const listeners = useRef(new Set<Listener>());
  const userId = session?.user.id;

  useEffect(() => {
    if (!userId) return;
    const stream = openLiveStream((s) => setStatus(s.state));
    let stopped = false;
    void (async () => {
      try {
        for await (const frame of stream) apply(frame);
      } catch {
        // Fatal (session ended elsewhere, account disabled): back to the login screen.
        if (!stopped) setSession(null);
      }
    })();
    function apply(frame: StreamServerFrame): void {
      if (frame.type === 'device') upsertDevice(frame.device);
      else if (frame.type === 'deviceRemoved') {
        qc.setQueryData<Device[]>(keys.devices, (list) => list?.filter((d) => d.id !== frame.deviceId));
        qc.removeQueries({ queryKey: keys.device(frame.deviceId) });
      } else if (frame.type === 'event') {
        void qc.invalidateQueries({ queryKey: ['events'] });
        for (const l of listeners.current) l(frame.event);
      }
    }
    function upsertDevice(d: Device): void {
      qc.setQueryData<Device[]>(keys.devices, (list) => {
        if (!list) return list;
        const i = list.findIndex((x) => x.id === d.id);
        if (i < 0) return [...list, d];
        const next = list.slice();
        next[i] = d;
        return next;
      });
      qc.setQueryData(keys.device(d.id), d);
    }
    return () => {
      stopped = true;
      stream.close();
      setStatus('off');
    };
  }, [userId, qc, setSession]);

  const value = useRef<LiveState>({ status, subscribe: () => () => {} });
  value.current = {
    status,
    subscribe(l) {
      listeners.current.add(l);
      return () => listeners.current.delete(l);
    },
  };
  return <Ctx.Provider value={value.current}>{children}</Ctx.Provider>;
}

export const useLive = (): LiveState => useContext(Ctx);
