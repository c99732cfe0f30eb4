/**
 * One device: header, actions, and the tabs Overview, Terminal, Files, Events (routes under
 * /devices/:id/). What the caller may do comes from their rights on the device's group; the
 * server checks again and its refusals are shown as text.
 */
import { lazy, Suspense } from 'react';
import { Route, Routes, useParams } from 'react-router';
import { Notice, Spinner } from '../components/ui.js';
import { DeviceHeader } from '../components/device/DeviceHeader.js';
import { DeviceActions } from '../components/device/DeviceActions.js';
import { OverviewTab } from '../components/device/OverviewTab.js';
import { FilesTab } from '../components/device/FilesTab.js';
import { EventsTab } from '../components/device/EventsTab.js';
import { errorCode, errorText } from '../lib/api.js';
import { groupCan } from '../lib/rights.js';
import { groupById, useDevice, useGroups } from '../lib/queries.js';

const TerminalTab = lazy(() => import('../components/device/TerminalTab.js').then((m) => ({ default: m.TerminalTab })));

export function DevicePage() {
  const { id = '' } = useParams();
  const device = useDevice(id);
  const groups = useGroups();
  if (device.isPending) return <Spinner label="Loading the device…" />;
  if (device.isError) return <Notice>{errorCode(device.error) === 'not_found' ? 'There is no such device, or you cannot see it.' : errorText(device.error)}</Notice>;
  const d = device.data;
  const group = groupById(groups.data).get(d.groupId);
  const may = (cap: Parameters<typeof groupCan>[1]): boolean => groupCan(group, cap);
  const groupName = group?.name ?? 'this device group';

  return (
    <section className="device-page">
      <DeviceHeader device={d} group={group} />
      <DeviceActions device={d} rights={{ power: may('power'), wake: may('wake'), runCommands: may('runCommands') }} />
      <Routes>
        <Route index element={<OverviewTab device={d} canManage={may('manageDevices')} canNotes={may('notes')} canDetails={may('deviceDetails')} />} />
        <Route path="terminal" element={
          groups.isPending ? <Spinner /> : may('terminal') ? (
            <Suspense fallback={<Spinner label="Loading the terminal…" />}>
              <TerminalTab deviceId={d.id} online={d.online} />
            </Suspense>
          ) : (
            <p className="notice notice-info" data-testid="terminal-denied">{`You have no terminal rights on this device's group (${groupName}).`}</p>
          )
        } />
        <Route path="files" element={
          groups.isPending ? <Spinner /> : !may('files') ? (
            <p className="notice notice-info" data-testid="files-denied">{`You have no file access rights on this device's group (${groupName}).`}</p>
          ) : d.online ? <FilesTab deviceId={d.id} /> : <Notice kind="info">The device is offline: its files can be browsed when it is connected.</Notice>
        } />
        <Route path="events" element={<EventsTab deviceId={d.id} />} />
        <Route path="*" element={<Notice>There is no such tab.</Notice>} />
      </Routes>
    </section>
  );
}
