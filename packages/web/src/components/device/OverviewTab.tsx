/** The device's overview: inventory, connection timeline, name/tags/notes, software. */
import type { Device } from '@meshwork/protocol';
import { InventoryPanel } from './InventoryPanel.js';
import { SoftwarePanel } from './SoftwarePanel.js';
import { TimelineChart } from './TimelineChart.js';
import { DeviceSettings } from './DeviceSettings.js';

export function OverviewTab({ device, canManage, canNotes }: { device: Device; canManage: boolean; canNotes: boolean }) {
  return (
    <div className="overview">
      <div className="overview-main">
        <InventoryPanel deviceId={device.id} />
        <SoftwarePanel deviceId={device.id} />
      </div>
      <div className="overview-side">
        <TimelineChart device={device} />
        <DeviceSettings device={device} canManage={canManage} canNotes={canNotes} />
      </div>
    </div>
  );
}
