import { test } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { macBytes, magicPacket, MAGIC_PACKET_BYTES } from './magic.js';
import { sendMagicPackets, targetOverride, WOL_TARGET_ENV } from './send.js';

test('wake: the magic packet is 6 × 0xFF then the MAC 16 times', () => {
  const p = magicPacket('02:fc:00:00:00:01');
  assert.equal(p.length, MAGIC_PACKET_BYTES);
  assert.deepEqual([...p.subarray(0, 6)], [0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
  for (let i = 0; i < 16; i++) assert.deepEqual([...p.subarray(6 + i * 6, 12 + i * 6)], [0x02, 0xfc, 0, 0, 0, 1]);
  assert.deepEqual(macBytes('AA-bb-CC-dd-EE-ff'), Buffer.from('aabbccddeeff', 'hex'));
  assert.throws(() => magicPacket('02:fc:00:00:00'));
  assert.throws(() => magicPacket('zz:fc:00:00:00:01'));
});

test('wake: MESHWORK_AGENT_WOL_TARGET overrides the targets', () => {
  assert.equal(targetOverride({}), null);
  assert.deepEqual(targetOverride({ [WOL_TARGET_ENV]: '127.0.0.1:4009' }), { address: '127.0.0.1', port: 4009 });
  assert.throws(() => targetOverride({ [WOL_TARGET_ENV]: '127.0.0.1' }));
  assert.throws(() => targetOverride({ [WOL_TARGET_ENV]: '127.0.0.1:70000' }));
});

test('wake: packets reach a real UDP listener on loopback, one per MAC and target', async () => {
  const listener = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => listener.bind(0, '127.0.0.1', resolve));
  const port = listener.address().port;
  const got: Buffer[] = [];
  const received = new Promise<void>((resolve) =>
    listener.on('message', (m) => {
      got.push(m);
      if (got.length === 4) resolve();
    }),
  );
  try {
    const macs = ['02:fc:00:00:00:01', '02:fc:00:00:00:02'];
    const r = await sendMagicPackets(macs, [{ address: '127.0.0.1', port }, { address: '127.0.0.1', port }], null);
    assert.deepEqual(r, { sent: 4, errors: [] });
    await received;
    assert.deepEqual(got.map((m) => m.toString('hex')).sort(), [magicPacket(macs[0] ?? ''), magicPacket(macs[0] ?? ''), magicPacket(macs[1] ?? ''), magicPacket(macs[1] ?? '')].map((m) => m.toString('hex')).sort());
    const overridden = await sendMagicPackets(['02:fc:00:00:00:03'], [{ address: '192.0.2.255', port: 9 }, { address: '192.0.2.255', port: 7 }], { address: '127.0.0.1', port });
    assert.equal(overridden.sent, 1, 'every target replaced by the one override');
  } finally {
    listener.close();
  }
});
