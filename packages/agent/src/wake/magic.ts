/** The Wake-on-LAN magic packet: 6 bytes 0xFF, then the target MAC 16 times (102 bytes). */

export const MAGIC_PACKET_BYTES = 102;

/** `aa:bb:cc:dd:ee:ff` (or with `-`) → its 6 bytes; throws on anything else. */
export function macBytes(mac: string): Buffer {
  if (!/^[0-9a-fA-F]{2}([:-][0-9a-fA-F]{2}){5}$/.test(mac)) throw new Error(`not a MAC address: ${mac}`);
  return Buffer.from(mac.replace(/[:-]/g, ''), 'hex');
}

export function magicPacket(mac: string): Buffer {
  const m = macBytes(mac);
  const packet = Buffer.alloc(MAGIC_PACKET_BYTES, 0xff);
  for (let i = 0; i < 16; i++) m.copy(packet, 6 + i * 6);
  return packet;
}
