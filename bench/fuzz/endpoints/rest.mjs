// REST: every endpoint of the API table (packages/protocol endpoints.ts), with a real API token of
// its own user (site admin, so handlers run past the rights checks), over keep-alive HTTPS.
// Each request mutates one or more of: the JSON body (from a valid sample), the path parameters
// (real ids of objects that exist, ids of the wrong kind, garbage), the query string (mutated
// valid query, duplicated and malformed parameters), the content type, the method, the credentials.
import https from 'node:https';
import { endpoints } from '@meshwork/protocol';
import { mutate, randomString, rng } from '../mutate.mjs';

const CONCURRENCY = 16;
const PASSKEY_RESPONSE = { id: 'AAAA', rawId: 'AAAA', type: 'public-key', response: { clientDataJSON: 'e30', authenticatorData: 'AAAA', signature: 'AAAA' }, clientExtensionResults: {} };

export async function run({ ctx, r, record, ending, anomaly, error, shouldStop, conn }) {
  const ids = ctx.rest.ids; // {recordIds:[], groupIds:[], deviceIds:[], commandIds:[]}
  const samples = {
    'setup.createAdmin': { token: 'A'.repeat(32), name: 'second-admin', password: 'correct horse battery' },
    'auth.login': { name: 'nobody-here', password: 'not the password' },
    'auth.passkeyFinish': { challengeId: ids.recordIds[0], response: PASSKEY_RESPONSE },
    'account.changePassword': { current: 'not the current password', password: 'another long password' },
    'account.totpEnable': { code: '123456' },
    'account.totpDisable': { password: 'not the password' },
    'account.passkeyRegisterFinish': { challengeId: ids.recordIds[0], name: 'key', response: PASSKEY_RESPONSE },
    'users.create': { name: 'fz-user', password: 'correct horse battery', siteRights: [] },
    'users.update': { siteRights: [], disabled: false },
    'users.setPassword': { password: 'correct horse battery staple' },
    'tokens.create': { name: 'fz-token', expiresInDays: 1 },
    'userGroups.create': { name: 'fz-ug', description: '' },
    'userGroups.update': { name: 'fz-ug2', description: 'd' },
    'groups.create': { name: 'fz-group', description: '' },
    'groups.update': { name: 'fz-group2', description: 'd' },
    'groups.setRights': { rights: ['manageDevices'] },
    'groups.createEnrolmentToken': { expiresInHours: 1, maxUses: 1 },
    'devices.update': { name: 'fz-device', tags: ['fz'], notes: '' },
    'devices.openSession': { protocol: 'terminal', cols: 80, rows: 24, term: 'xterm' },
    'runs.create': { deviceIds: [ids.deviceIds[0]], command: ['true'], timeoutSeconds: 5 },
    'devices.power': { action: 'reboot' },
  };
  const queries = {
    'groups.installFile': { tokenId: ids.recordIds[0] },
    'devices.list': { groupId: ids.groupIds[0], tag: 'fz', q: 'fuzz' },
    'devices.listHead': { groupId: ids.groupIds[0], limit: 10 },
    'devices.timeline': { since: new Date().toISOString() },
    'events.list': { type: 'device.enrolled', before: new Date().toISOString(), limit: 10 },
  };
  const list = Object.entries(endpoints);
  const agent = new https.Agent({ keepAlive: true, maxSockets: CONCURRENCY, rejectUnauthorized: false });

  const paramValue = (name, r) => {
    const kind = name === 'id' || name === 'subjectId' || name === 'userId' || name === 'tokenId' ? name : 'id';
    const x = r();
    if (x < 0.6) {
      const pools = kind === 'id' ? [ids.recordIds, ids.groupIds, ids.deviceIds, ids.commandIds] : [ids.recordIds];
      return r.pick(r.pick(pools));
    }
    if (x < 0.8) return r.pick(['', '0', '-1', '..', '%2e%2e', '%00', '%ff', 'null', 'a'.repeat(r.int(97, 5000)), '__proto__', 'constructor', '1e999', '%2F', '%', '%%']);
    return encodeURIComponent(randomString(r).toWellFormed()).slice(0, 3000);
  };

  const buildQuery = (name, r) => {
    const q = queries[name];
    const x = r();
    if (!q || x < 0.2) return x < 0.1 ? '' : `?${r.pick(['a=b', '&&&', '=', '%', 'limit=1&limit=2', 'limit=-1', 'limit=1e999', `q=${'x'.repeat(r.int(1, 10_000))}`, '__proto__[x]=1', 'constructor=1'])}`;
    const f = mutate(r, q, 8192);
    let obj;
    try { obj = JSON.parse(String(f.data)); } catch { return `?${encodeURIComponent(String(f.data).toWellFormed()).slice(0, 8000)}`; }
    if (typeof obj !== 'object' || obj === null) return `?${encodeURIComponent(String(JSON.stringify(obj)).toWellFormed())}`;
    try {
      return '?' + Object.entries(obj).map(([k, v]) => `${encodeURIComponent(k.toWellFormed())}=${encodeURIComponent(String(typeof v === 'string' ? v : JSON.stringify(v) ?? '').toWellFormed())}`).join(r() < 0.1 ? '&&' : '&');
    } catch {
      return `?${encodeURIComponent(String(f.data).toWellFormed()).slice(0, 8000)}`; // nested too deep to re-encode
    }
  };

  const send = (method, path, headers, body, via = agent) => new Promise((resolve) => {
    const req = https.request({ host: '127.0.0.1', port: ctx.port, method, path, headers, agent: via, rejectUnauthorized: false }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0 }));
      res.on('error', (e) => resolve({ status: 0, error: e }));
    });
    req.setTimeout(60_000, () => req.destroy(new Error('timeout 60 s')));
    req.on('error', (e) => resolve({ status: 0, error: e }));
    if (body !== undefined) req.write(body);
    req.end();
  });

  let token = ctx.rest.token;
  async function one(r) {
    const [name, def] = r.pick(list);
    let path = def.path.replace(/:([A-Za-z]+)/g, (_, p) => paramValue(p, r));
    path += buildQuery(name, r);
    let method = def.method;
    if (r() < 0.03) method = r.pick(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD']);
    const headers = {};
    const a = r();
    if (a < 0.9) headers.authorization = `Bearer ${token}`;
    else if (a < 0.94) headers.authorization = r.pick(['Bearer', 'Bearer ', `Bearer ${token}x`, `bearer ${token}`, `Bearer ${'x'.repeat(r.int(1, 9000))}`, 'Basic YTpi', `Bearer ${token} ${token}`]);
    else if (a < 0.97) headers.cookie = `mw_session=${r.pick(['', 'x', 'A'.repeat(43), '%00', 'x'.repeat(5000)])}`;
    let frame;
    let body;
    if (method !== 'GET' && method !== 'HEAD' && (def.body || r() < 0.3)) {
      frame = mutate(r, samples[name] ?? {}, 1024 * 1024);
      body = frame.data;
      headers['content-type'] = r() < 0.93 ? 'application/json' : r.pick(['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/json; charset=latin1', '', 'application/json, text/html']);
    } else frame = { kind: 'params/query only', data: '' };
    frame.meta = { method, path: path.slice(0, 2000), endpoint: name };
    record(frame, 'rest');
    let res = await send(method, path, headers, body);
    if (res.status === 0) {
      // A dropped keep-alive connection is often the client reusing a socket the server had just
      // closed (after refusing an earlier request's body): the same request again, on its own connection.
      const again = await send(method, path, headers, body, false);
      ending(`dropped, then ${again.status || again.error?.message} on a new connection`);
      res = again;
    }
    if (res.status >= 500 || res.status === 0) anomaly(`${name}: ${res.status || res.error?.message}`, frame);
    ending(`${res.status >= 500 ? res.status : `${Math.floor(res.status / 100)}xx`}`);
    if (res.status === 401 && a < 0.9) {
      // Our own token was revoked by a fuzzed request (tokens.revoke on a real id): make a new one.
      const fresh = await ctx.rescue();
      if (fresh) token = fresh;
    }
  }

  ctx.rescue = async () => {
    process.send({ type: 'rescue' });
    return new Promise((resolve) => process.once('message', (m) => resolve(m.type === 'token' ? m.token : null)));
  };
  conn();
  await Promise.all(Array.from({ length: CONCURRENCY }, async (_, i) => {
    const r = rng(ctx.seed + 1000 * (i + 1));
    while (!shouldStop()) {
      try { await one(r); } catch (e) { error(e); }
    }
  }));
  agent.destroy();
}
