/** The last system inventory a device reported: system, disks (usage bars), network, users. */
import type { SystemInventory } from '@meshwork/protocol';
import { Ago, formatBytes, Notice, Spinner } from '../ui.js';
import { errorText } from '../../lib/api.js';
import { useInventory } from '../../lib/device-queries.js';

export function InventoryPanel({ deviceId }: { deviceId: string }) {
  const q = useInventory(deviceId);
  return (
    <section className="panel" aria-labelledby="inv-h">
      <h2 id="inv-h">System</h2>
      {q.isPending ? <Spinner /> : q.isError ? <Notice>{errorText(q.error)}</Notice> : !q.data.system ? (
        <p className="muted">The device has not reported its inventory yet.</p>
      ) : (
        <>
          <p className="muted small">Reported <Ago iso={q.data.updatedAt} /></p>
          <SystemFacts s={q.data.system} />
          <Disks s={q.data.system} />
          <Network s={q.data.system} />
        </>
      )}
    </section>
  );
}

function SystemFacts({ s }: { s: SystemInventory }) {
  const usedMem = s.memory.totalBytes - s.memory.freeBytes;
  const facts: [string, string][] = [
    ['Host name', s.hostname],
    ['Operating system', [s.os.name, s.os.version].filter(Boolean).join(' ')],
    ['Kernel', s.os.kernel],
    ['Platform / architecture', `${s.os.platform} / ${s.arch}`],
    ['CPU', `${s.cpu.model} (${s.cpu.cores} core${s.cpu.cores === 1 ? '' : 's'})`],
    ['Memory', `${formatBytes(usedMem)} used of ${formatBytes(s.memory.totalBytes)}`],
    ['Logged-in users', s.users.length ? [...new Set(s.users)].join(', ') : 'none'],
    ['Booted', s.bootTime ? new Date(s.bootTime).toLocaleString() : 'unknown'],
    ['Agent version', s.agentVersion],
  ];
  return (
    <dl className="facts">
      {facts.map(([k, v]) => (
        <div key={k}>
          <dt>{k}</dt>
          <dd>{v}</dd>
        </div>
      ))}
    </dl>
  );
}

function Disks({ s }: { s: SystemInventory }) {
  if (s.disks.length === 0) return null;
  return (
    <>
      <h3>Disks</h3>
      <ul className="disks">
        {s.disks.map((d) => {
          const pct = d.totalBytes > 0 ? Math.round((d.usedBytes / d.totalBytes) * 100) : 0;
          return (
            <li key={`${d.mount}\n${d.device}`}>
              <div className="row">
                <span className="mono grow">{d.mount}</span>
                <span className="muted small">{d.device} · {d.fsType}</span>
              </div>
              <meter min={0} max={100} low={80} high={90} optimum={0} value={pct} aria-label={`${d.mount} used`} />
              <span className="small">{`${formatBytes(d.usedBytes)} used of ${formatBytes(d.totalBytes)} (${pct} %), ${formatBytes(d.freeBytes)} free`}</span>
            </li>
          );
        })}
      </ul>
    </>
  );
}

function Network({ s }: { s: SystemInventory }) {
  if (s.network.length === 0) return null;
  return (
    <>
      <h3>Network interfaces</h3>
      <div className="table-wrap">
        <table className="list">
          <thead>
            <tr><th>Interface</th><th>MAC</th><th>Addresses</th></tr>
          </thead>
          <tbody>
            {s.network.map((n) => (
              <tr key={n.name}>
                <td className="mono">{n.name}</td>
                <td className="mono">{n.mac ?? '—'}</td>
                <td className="mono">{n.addresses.join(', ') || '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}
