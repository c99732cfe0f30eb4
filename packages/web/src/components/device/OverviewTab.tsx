/** The device's overview: inventory, connection timeline, agent version and update, name/tags/notes, software. */
import type { Device } from '@meshwork/protocol';
import { InventoryPanel } from './InventoryPanel.js';
import { SoftwarePanel } from './SoftwarePanel.js';
import { TimelineChart } from './TimelineChart.js';
import { DeviceSettings } from './DeviceSettings.js';
import { AgentUpdatePanel } from './AgentUpdatePanel.js';

export function OverviewTab({ device, canManage, canNotes, canDetails }: { device: Device; canManage: boolean; canNotes: boolean; canDetails: boolean }) {
  return (
    <div className="overview">
      <div className="overview-main">
        {canDetails ? (
          <>
            <InventoryPanel deviceId={device.id} />
            <SoftwarePanel deviceId={device.id} />
          </>
        ) : (
          <section className="panel" data-testid="details-denied">
            <h2>Inventory</h2>
            <p className="muted">You do not have the “Device details” right on this device’s group, so its inventory and software are not shown.</p>
          </section>
        )}
      </div>
      <div className="overview-side">
        <TimelineChart device={device} />
        {canDetails && <AgentUpdatePanel device={device} canManage={canManage} />}
        <DeviceSettings device={device} canManage={canManage} canNotes={canNotes} />
      </div>
    </div>
  );
}
