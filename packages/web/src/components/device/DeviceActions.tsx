/**
 * Power actions (each behind a confirmation naming the device), Wake-on-LAN for offline devices
 * and a link to run a command. Actions the caller has no right to are not shown; the server
 * still checks, and its refusal is shown as text.
 */
import { useState } from 'react';
import { Link } from 'react-router';
import type { Device, PowerResult, WakeResult } from '@meshwork/protocol';
import { Button, Confirm, Notice } from '../ui.js';
import { api, errorText } from '../../lib/api.js';

type PowerAction = 'reboot' | 'shutdown' | 'sleep';
const ACTIONS: Record<PowerAction, { label: string; verb: string; consequence: string }> = {
  reboot: { label: 'Reboot', verb: 'Reboot', consequence: 'Sessions on it end and it is unreachable until it has restarted.' },
  shutdown: { label: 'Shut down', verb: 'Shut down', consequence: 'It stays off until someone powers it on or wakes it over the network.' },
  sleep: { label: 'Sleep', verb: 'Put to sleep', consequence: 'It stays unreachable until it is woken up.' },
};

export interface ActionRights {
  power: boolean;
  wake: boolean;
  runCommands: boolean;
}

export function DeviceActions({ device, rights }: { device: Device; rights: ActionRights }) {
  const [confirm, setConfirm] = useState<PowerAction | null>(null);
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<{ kind: 'ok' | 'error' | 'info'; text: string } | null>(null);

  async function power(action: PowerAction): Promise<void> {
    setConfirm(null);
    setBusy(true);
    setResult(null);
    try {
      setResult(powerText(await api.devices.power({ id: device.id, action })));
    } catch (e) {
      setResult({ kind: 'error', text: errorText(e) });
    } finally {
      setBusy(false);
    }
  }

  async function wake(): Promise<void> {
    setBusy(true);
    setResult(null);
    try {
      setResult(wakeText(await api.devices.wake({ id: device.id })));
    } catch (e) {
      setResult({ kind: 'error', text: errorText(e) });
    } finally {
      setBusy(false);
    }
  }

  const c = confirm ? ACTIONS[confirm] : null;
  return (
    <div className="device-actions">
      <div className="row" role="group" aria-label="Actions">
        {rights.power && (Object.keys(ACTIONS) as PowerAction[]).map((a) => (
          <Button key={a} variant={a === 'sleep' ? 'default' : 'danger'} disabled={busy || !device.online} onClick={() => setConfirm(a)}
            title={device.online ? undefined : 'The device is offline'}>
            {ACTIONS[a].label}
          </Button>
        ))}
        {rights.wake && !device.online && <Button disabled={busy} onClick={() => void wake()}>Wake</Button>}
        {rights.runCommands && <Link className="btn btn-default" to={`/run?device=${device.id}`}>Run a command</Link>}
      </div>
      {result && <Notice kind={result.kind}>{result.text}</Notice>}
      <Confirm
        open={c !== null}
        title={c ? `${c.verb} ${device.name}?` : ''}
        message={c ? `${c.verb} the device “${device.name}”? ${c.consequence}` : ''}
        confirmLabel={c?.label ?? ''}
        onConfirm={() => confirm && void power(confirm)}
        onCancel={() => setConfirm(null)}
      />
    </div>
  );
}

function powerText(r: PowerResult): { kind: 'ok' | 'error' | 'info'; text: string } {
  const what = ACTIONS[r.action].label;
  if (r.result === 'ok') return { kind: 'ok', text: `${what}: the device confirmed.${r.message ? ` ${r.message}` : ''}` };
  if (r.result === 'no_answer') return { kind: 'info', text: `${what}: sent; the device did not confirm in time (it may already be restarting).` };
  return { kind: 'error', text: `${what} failed: ${r.message}` };
}

function wakeText(r: WakeResult): { kind: 'ok' | 'error' | 'info'; text: string } {
  if (r.agents.length === 0) return { kind: 'error', text: 'No online device in the same network could send the wake-up packets.' };
  const sent = r.agents.filter((a) => a.result === 'sent');
  if (sent.length === 0) return { kind: 'error', text: `Wake-on-LAN failed: ${r.agents.map((a) => `${a.name}: ${a.message}`).join('; ')}` };
  return { kind: 'ok', text: `Wake-on-LAN packets sent by ${sent.map((a) => a.name).join(', ')}.` };
}
