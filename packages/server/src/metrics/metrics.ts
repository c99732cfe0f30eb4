/**
 * Counters and gauges in the Prometheus text exposition format (version 0.0.4), hand-written:
 * a few maps and a renderer, instead of a metrics library on the start-up path.
 */
import type { Metrics } from '../system.js';

interface Family {
  type: 'counter' | 'gauge';
  help: string;
  series: Map<string, { labels: Record<string, string>; value: number }>;
}

/** Known metrics with their help text; unknown names are accepted (type from the `_total` suffix). */
export const METRIC_HELP: Record<string, string> = {
  meshwork_http_requests_total: 'HTTP requests received, by method.',
  meshwork_logins_total: 'Login attempts, by result.',
  meshwork_agents_connected: 'Agents with an open control connection to this process.',
  meshwork_agent_handshakes_total: 'Agent handshakes that ended, by result (ok, refused).',
  meshwork_agent_refusals_total: 'Agent connections refused or closed unserved, by code.',
  meshwork_accept_dropped_total: 'HTTPS connections closed at accept before TLS, unserved, by reason: no_client_hello (silent), not_tls, address_cap and network_cap (too many pending from one source address or /24 or /64), queue_full, queue_timeout, tls_timeout (TLS handshake not finished in time).',
  meshwork_accept_awaiting_hello: 'HTTPS connections accepted whose first bytes (the TLS ClientHello) have not arrived; they hold no in-progress slot.',
  meshwork_agent_accept_waiting: 'Connections waiting at TCP accept, paused before TLS with their ClientHello received, for an in-progress slot.',
  meshwork_agent_accept_in_progress: 'Connections released from the accept queue whose TLS handshake is not finished.',
  meshwork_agent_rate_waiting: 'Agents past TLS waiting for a token of the handshake rate.',
  meshwork_agent_handshaking: 'Agent connections past the upgrade and not yet welcomed or refused.',
  meshwork_agent_handshake_capacity: 'Best 10-second average of agent handshakes completed per second while admission was saturated (0: not yet seen).',
  meshwork_agent_update_offers_total: 'Signed agent update offers sent by this process.',
  meshwork_agent_update_status_total: 'Agent updateStatus frames received, by state.',
  meshwork_agent_updates_in_flight: 'Agent update offers in flight on this process (until restarting, an end, a disconnect or the timeout).',
  meshwork_agent_updates_waiting: 'Agents waiting for an update slot on this process (agentUpdateConcurrency).',
  meshwork_browser_streams: 'Open browser event streams (WebSocket) on this process.',
  meshwork_relay_sessions: 'Relay sessions (terminal, files, port forwarding) open on this process.',
  meshwork_relay_bytes_total: 'Bytes carried by relay sessions on this process, by direction.',
  meshwork_devices: 'Devices in the store.',
  meshwork_users: 'User accounts in the store.',
  meshwork_agent_package_downloads_total: 'Agent executables sent, by platform and by what allowed it (login, link).',
};

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
/** A family never grows past this many label combinations (labels come from requests). */
const MAX_SERIES = 200;

const escapeLabel = (v: string): string => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');

function labelKey(labels: Record<string, string>): string {
  return Object.keys(labels)
    .sort()
    .map((k) => `${k}="${escapeLabel(labels[k] ?? '')}"`)
    .join(',');
}

const num = (v: number): string => (Number.isFinite(v) ? String(v) : v > 0 ? '+Inf' : v < 0 ? '-Inf' : 'NaN');

export function createMetrics(startTimeMs: number = Date.now()): Metrics {
  const families = new Map<string, Family>();

  function family(name: string, type: Family['type']): Family | null {
    if (!NAME.test(name)) return null;
    let f = families.get(name);
    if (!f) families.set(name, (f = { type, help: METRIC_HELP[name] ?? name, series: new Map() }));
    return f;
  }

  function series(f: Family, labels: Record<string, string>): { value: number } | null {
    for (const k of Object.keys(labels)) if (!LABEL.test(k)) return null;
    const key = labelKey(labels);
    let s = f.series.get(key);
    if (!s) {
      if (f.series.size >= MAX_SERIES) return null;
      f.series.set(key, (s = { labels: { ...labels }, value: 0 }));
    }
    return s;
  }

  const m: Metrics = {
    inc(name, labels = {}, by = 1) {
      const f = family(name, name.endsWith('_total') ? 'counter' : 'gauge');
      const s = f && series(f, labels);
      if (s) s.value += by;
    },
    set(name, value, labels = {}) {
      const f = family(name, name.endsWith('_total') ? 'counter' : 'gauge');
      const s = f && series(f, labels);
      if (s) s.value = value;
    },
    render() {
      const out: string[] = [];
      const emit = (name: string, type: string, help: string, lines: string[]): void => {
        out.push(`# HELP ${name} ${help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}`, `# TYPE ${name} ${type}`, ...lines);
      };
      const mem = process.memoryUsage();
      const cpu = process.cpuUsage();
      emit('process_resident_memory_bytes', 'gauge', 'Resident memory size in bytes.', [`process_resident_memory_bytes ${mem.rss}`]);
      emit('process_heap_bytes', 'gauge', 'V8 heap in use, in bytes.', [`process_heap_bytes ${mem.heapUsed}`]);
      emit('process_heap_committed_bytes', 'gauge', 'V8 heap reserved from the system (in use or not), in bytes.', [`process_heap_committed_bytes ${mem.heapTotal}`]);
      emit('process_external_memory_bytes', 'gauge', 'Memory of C++ objects bound to JavaScript objects (Buffers included), in bytes.', [`process_external_memory_bytes ${mem.external}`]);
      emit('process_cpu_seconds_total', 'counter', 'User and system CPU time spent, in seconds.', [`process_cpu_seconds_total ${(cpu.user + cpu.system) / 1e6}`]);
      emit('process_start_time_seconds', 'gauge', 'Start time of the process since the Unix epoch, in seconds.', [`process_start_time_seconds ${Math.floor(startTimeMs / 1000)}`]);
      emit('process_uptime_seconds', 'gauge', 'Seconds since the process started.', [`process_uptime_seconds ${process.uptime()}`]);
      emit('process_open_handles', 'gauge', 'Active libuv handles and requests (sockets, timers, files).', [`process_open_handles ${process.getActiveResourcesInfo().length}`]);
      for (const [name, f] of [...families].sort(([a], [b]) => a.localeCompare(b))) {
        const lines = [...f.series.values()].map((s) => {
          const l = labelKey(s.labels);
          return `${name}${l ? `{${l}}` : ''} ${num(s.value)}`;
        });
        emit(name, f.type, f.help, lines);
      }
      return out.join('\n') + '\n';
    },
  };
  m.set('meshwork_agents_connected', 0);
  return m;
}
