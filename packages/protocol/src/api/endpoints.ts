/**
 * The REST API, defined once. The server registers one handler per entry (a dispatch table keyed
 * by endpoint name), the client derives typed calls from it, and docs/openapi.json is generated
 * from it. Add endpoints; never rename one or change its path.
 */
import { z } from 'zod';
import * as m from './models.js';
import { AgentUpdatePolicy, AgentUpdateView } from './agent-updates.js';
import { CreateRelaySession, RelaySessionInfo } from '../relay/session.js';
import * as cmd from '../commands/api.js';
import { CommandId } from '../commands/frames.js';
import { AgentPlatform } from '../session/index.js';
import { AgentPackageInfo, InstallCommand } from './agent-packages.js';
import { DEVICE_LIST_HEAD, parseDeviceList, type ParseResult } from './device-list.js';

export type Auth = 'none' | 'user';

export interface EndpointDef {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  summary: string;
  auth: Auth;
  params?: z.ZodType;
  query?: z.ZodType;
  body?: z.ZodType;
  response: z.ZodType;
  /**
   * A download: the answer is bytes of this content type (response: Uint8Array), not JSON. Errors
   * are JSON as everywhere.
   */
  binary?: string;
  /**
   * For answers large enough for it to matter: a parser with the same verdict and output as
   * `response.safeParse`, which the client and the server use in its place (device-list.ts).
   */
  responseParser?: (value: unknown) => ParseResult<unknown>;
}

const Ok = z.object({ ok: z.literal(true) });
const IdParam = z.object({ id: m.RecordId });
const GroupParam = z.object({ id: m.Hex96 });
const DeviceParam = z.object({ id: m.Hex96 });
const Limit = z.coerce.number().int().min(1).max(1000).default(100);

const def = <T extends EndpointDef>(d: T): T => d;

export const endpoints = {
  // ---- server and setup ----
  'server.info': def({ method: 'GET', path: '/api/v1/server', summary: 'Server identity and version', auth: 'none', response: m.ServerInfo }),
  'setup.createAdmin': def({
    method: 'POST', path: '/api/v1/setup', summary: 'Create the first admin with the one-time setup token', auth: 'none',
    body: z.object({ token: z.string().min(16).max(256), name: m.UserName, password: m.Password }).strict(),
    response: m.SessionInfo,
  }),

  // ---- authentication ----
  'auth.login': def({
    method: 'POST', path: '/api/v1/auth/login', summary: 'Log in with password and, if enabled, a TOTP or backup code', auth: 'none',
    body: z.object({ name: m.LoginName, password: z.string().min(1).max(512), totp: z.string().regex(/^\d{6}$/).optional(), backupCode: z.string().min(6).max(32).optional() }).strict(),
    response: m.SessionInfo,
  }),
  'auth.passkeyBegin': def({
    method: 'POST', path: '/api/v1/auth/passkey/begin', summary: 'Start a passkey (WebAuthn) login: options for navigator.credentials.get()', auth: 'none',
    response: m.WebAuthnChallenge,
  }),
  'auth.passkeyFinish': def({
    method: 'POST', path: '/api/v1/auth/passkey/finish', summary: 'Finish a passkey login with the authenticator response; starts a session', auth: 'none',
    body: z.object({ challengeId: m.RecordId, response: m.WebAuthnJson }).strict(),
    response: m.SessionInfo,
  }),
  'auth.session': def({ method: 'GET', path: '/api/v1/auth/session', summary: 'The current session', auth: 'user', response: m.SessionInfo }),
  'auth.logout': def({ method: 'POST', path: '/api/v1/auth/logout', summary: 'End this session', auth: 'user', response: Ok }),
  'auth.logoutAll': def({ method: 'POST', path: '/api/v1/auth/logout-all', summary: 'End every session of this user', auth: 'user', response: Ok }),

  // ---- own account ----
  'account.changePassword': def({
    method: 'POST', path: '/api/v1/account/password', summary: 'Change own password (a session, not a token); optionally also revoke every API token and remove every passkey', auth: 'user',
    body: z.object({ current: z.string().min(1).max(512), password: m.Password, revokeTokens: z.boolean().optional(), removePasskeys: z.boolean().optional() }).strict(), response: Ok,
  }),
  'account.totpBegin': def({
    method: 'POST', path: '/api/v1/account/totp/begin', summary: 'Start TOTP enrolment: returns a new secret (recent login session)', auth: 'user',
    response: z.object({ secret: z.string(), otpauthUrl: z.string() }),
  }),
  'account.totpEnable': def({
    method: 'POST', path: '/api/v1/account/totp/enable', summary: 'Confirm TOTP with a code; returns backup codes once', auth: 'user',
    body: z.object({ code: z.string().regex(/^\d{6}$/) }).strict(), response: z.object({ backupCodes: z.array(z.string()) }),
  }),
  'account.totpDisable': def({
    method: 'POST', path: '/api/v1/account/totp/disable', summary: 'Turn TOTP off (login session and password required)', auth: 'user',
    body: z.object({ password: z.string().min(1).max(512) }).strict(), response: Ok,
  }),

  'account.passkeys': def({
    method: 'GET', path: '/api/v1/account/passkeys', summary: 'Passkeys registered to this account', auth: 'user', response: z.array(m.Passkey),
  }),
  'account.passkeyRegisterBegin': def({
    method: 'POST', path: '/api/v1/account/passkeys/register/begin', summary: 'Start registering a passkey: options for navigator.credentials.create() (recent login session)', auth: 'user',
    response: m.WebAuthnChallenge,
  }),
  'account.passkeyRegisterFinish': def({
    method: 'POST', path: '/api/v1/account/passkeys/register/finish', summary: 'Finish registering a passkey with the authenticator response', auth: 'user',
    body: z.object({ challengeId: m.RecordId, name: m.Label(64), response: m.WebAuthnJson }).strict(),
    response: m.Passkey,
  }),
  'account.passkeyDelete': def({
    method: 'DELETE', path: '/api/v1/account/passkeys/:id', summary: 'Remove a passkey', auth: 'user', params: IdParam, response: Ok,
  }),

  // ---- users ----
  'users.list': def({ method: 'GET', path: '/api/v1/users', summary: 'List users', auth: 'user', response: z.array(m.User) }),
  'users.create': def({
    method: 'POST', path: '/api/v1/users', summary: 'Create a user', auth: 'user',
    body: z.object({ name: m.UserName, password: m.Password, siteRights: z.array(m.SiteRightNameSchema).default([]) }).strict(),
    response: m.User,
  }),
  'users.get': def({ method: 'GET', path: '/api/v1/users/:id', summary: 'One user', auth: 'user', params: IdParam, response: m.User }),
  'users.update': def({
    method: 'PATCH', path: '/api/v1/users/:id', summary: 'Change rights, disable, reset 2FA', auth: 'user', params: IdParam,
    body: z.object({ siteRights: z.array(m.SiteRightNameSchema).optional(), disabled: z.boolean().optional(), resetTotp: z.literal(true).optional() }).strict(),
    response: m.User,
  }),
  'users.setPassword': def({
    method: 'POST', path: '/api/v1/users/:id/password', summary: "Set a user's password (admin)", auth: 'user', params: IdParam,
    body: z.object({ password: m.Password }).strict(), response: Ok,
  }),
  'users.delete': def({ method: 'DELETE', path: '/api/v1/users/:id', summary: 'Delete a user', auth: 'user', params: IdParam, response: Ok }),

  // ---- API tokens ----
  'tokens.list': def({ method: 'GET', path: '/api/v1/tokens', summary: 'API tokens (own; all for admins)', auth: 'user', response: z.array(m.ApiToken) }),
  'tokens.create': def({
    method: 'POST', path: '/api/v1/tokens', summary: 'Create an API token; the secret is shown once. Needs a recent login session (or the local CLI), never a token', auth: 'user',
    body: z.object({ name: m.Label(128), userId: m.RecordId.optional(), expiresInDays: z.number().int().min(1).max(3650).optional() }).strict(),
    response: z.object({ token: m.ApiToken, secret: z.string() }),
  }),
  'tokens.revoke': def({ method: 'DELETE', path: '/api/v1/tokens/:id', summary: 'Revoke an API token', auth: 'user', params: IdParam, response: Ok }),

  // ---- user groups ----
  'userGroups.list': def({ method: 'GET', path: '/api/v1/user-groups', summary: 'List user groups', auth: 'user', response: z.array(m.UserGroup) }),
  'userGroups.create': def({
    method: 'POST', path: '/api/v1/user-groups', summary: 'Create a user group', auth: 'user',
    body: z.object({ name: m.DisplayNameInput, description: m.MultilineText(1024).default('') }).strict(), response: m.UserGroup,
  }),
  'userGroups.update': def({
    method: 'PATCH', path: '/api/v1/user-groups/:id', summary: 'Rename a user group', auth: 'user', params: IdParam,
    body: z.object({ name: m.DisplayNameInput.optional(), description: m.MultilineText(1024).optional() }).strict(), response: m.UserGroup,
  }),
  'userGroups.delete': def({ method: 'DELETE', path: '/api/v1/user-groups/:id', summary: 'Delete a user group', auth: 'user', params: IdParam, response: Ok }),
  'userGroups.addMember': def({
    method: 'PUT', path: '/api/v1/user-groups/:id/members/:userId', summary: 'Add a user to a user group', auth: 'user',
    params: z.object({ id: m.RecordId, userId: m.RecordId }), response: m.UserGroup,
  }),
  'userGroups.removeMember': def({
    method: 'DELETE', path: '/api/v1/user-groups/:id/members/:userId', summary: 'Remove a user from a user group', auth: 'user',
    params: z.object({ id: m.RecordId, userId: m.RecordId }), response: m.UserGroup,
  }),

  // ---- device groups ----
  'groups.list': def({ method: 'GET', path: '/api/v1/groups', summary: 'Device groups visible to the caller', auth: 'user', response: z.array(m.DeviceGroup) }),
  'groups.create': def({
    method: 'POST', path: '/api/v1/groups', summary: 'Create a device group (the creator gets full rights)', auth: 'user',
    body: z.object({ name: m.DisplayNameInput, description: m.MultilineText(1024).default('') }).strict(), response: m.DeviceGroup,
  }),
  'groups.get': def({ method: 'GET', path: '/api/v1/groups/:id', summary: 'One device group', auth: 'user', params: GroupParam, response: m.DeviceGroup }),
  'groups.update': def({
    method: 'PATCH', path: '/api/v1/groups/:id', summary: "Rename or describe a device group, or set its agents' self-update policy", auth: 'user', params: GroupParam,
    body: z.object({ name: m.DisplayNameInput.optional(), description: m.MultilineText(1024).optional(), agentUpdates: AgentUpdatePolicy.optional() }).strict(), response: m.DeviceGroup,
  }),
  'groups.delete': def({ method: 'DELETE', path: '/api/v1/groups/:id', summary: 'Delete a device group and its devices', auth: 'user', params: GroupParam, response: Ok }),
  'groups.setRights': def({
    method: 'PUT', path: '/api/v1/groups/:id/rights/:subjectId', summary: 'Grant rights on a group to a user or user group', auth: 'user',
    params: z.object({ id: m.Hex96, subjectId: m.RecordId }),
    body: z.object({ rights: z.array(m.GroupRightNameSchema).min(1) }).strict(), response: m.DeviceGroup,
  }),
  'groups.removeRights': def({
    method: 'DELETE', path: '/api/v1/groups/:id/rights/:subjectId', summary: 'Revoke a link', auth: 'user',
    params: z.object({ id: m.Hex96, subjectId: m.RecordId }), response: m.DeviceGroup,
  }),
  'groups.installFile': def({
    method: 'GET', path: '/api/v1/groups/:id/install-file', summary: "The agent install file of a group, with the group's enrolment key (manageDevices; conflict when the group enrols by tokens only). With tokenId: that token's file without any secret (a token is shown once, at creation)", auth: 'user', params: GroupParam,
    query: z.object({ tokenId: m.RecordId.optional() }).strict(), response: m.InstallFile,
  }),
  'groups.installCommand': def({
    method: 'GET', path: '/api/v1/groups/:id/install-command', summary: "A one-line install command for a Linux root shell: downloads the agent over a short-lived link pinned to this server's certificate and the package SHA-256, writes the group's install file and installs the agent as a service (same right and tokenId rule as the install file). Without platform: one pinned package per platform, chosen by uname -m", auth: 'user', params: GroupParam,
    query: z.object({ platform: AgentPlatform.optional(), tokenId: m.RecordId.optional() }).strict(), response: InstallCommand,
  }),
  'groups.listEnrolmentTokens': def({
    method: 'GET', path: '/api/v1/groups/:id/enrolment-tokens', summary: 'Enrolment tokens of a group', auth: 'user', params: GroupParam,
    response: z.array(m.EnrolmentToken),
  }),
  'groups.createEnrolmentToken': def({
    method: 'POST', path: '/api/v1/groups/:id/enrolment-tokens', summary: 'Create an enrolment token (secret shown once, inside an install file)', auth: 'user', params: GroupParam,
    body: z.object({ expiresInHours: z.number().int().min(1).max(24 * 365).optional(), maxUses: z.number().int().min(1).max(1_000_000).optional() }).strict(),
    // installCommand: the one-line install with this token (shown once, like the file); absent when the server has no agent packages.
    response: z.object({ token: m.EnrolmentToken, installFile: m.InstallFile, installCommand: InstallCommand.optional() }),
  }),
  'groups.revokeEnrolmentToken': def({
    method: 'DELETE', path: '/api/v1/groups/:id/enrolment-tokens/:tokenId', summary: 'Revoke an enrolment token', auth: 'user',
    params: z.object({ id: m.Hex96, tokenId: m.RecordId }), response: Ok,
  }),

  'groups.rotateEnrolmentKey': def({
    method: 'POST', path: '/api/v1/groups/:id/enrolment-key/rotate', summary: "Give the group a new enrolment key (old install files no longer enrol new devices; enrolled devices stay) and return its install file; also ends 'tokens only'", auth: 'user', params: GroupParam,
    response: m.InstallFile,
  }),
  'groups.removeEnrolmentKey': def({
    method: 'DELETE', path: '/api/v1/groups/:id/enrolment-key', summary: "Remove the group's enrolment key: new devices join only with enrolment tokens ('tokens only')", auth: 'user', params: GroupParam,
    response: m.DeviceGroup,
  }),

  // ---- agent packages ----
  'agent.packages': def({
    method: 'GET', path: '/api/v1/agent/packages', summary: 'The agent executables this server serves (any logged-in user)', auth: 'user',
    response: z.array(AgentPackageInfo),
  }),
  'agent.download': def({
    method: 'GET', path: '/api/v1/agent/packages/:platform', summary: "Download an agent executable: logged in, or with a short-lived download link (?link=, from an install command or an update offer). Refused with agent_package_changed when the file no longer matches the hash recorded at start", auth: 'none',
    params: z.object({ platform: AgentPlatform }), query: z.object({ link: z.string().max(256).optional() }).strict(),
    response: z.instanceof(Uint8Array), binary: 'application/octet-stream',
  }),

  // ---- devices ----
  'devices.list': def({
    method: 'GET', path: '/api/v1/devices', summary: 'Devices visible to the caller', auth: 'user',
    query: z.object({ groupId: m.Hex96.optional(), tag: z.string().max(64).optional(), q: z.string().max(256).optional() }).strict(),
    response: z.array(m.Device),
    responseParser: parseDeviceList,
  }),
  'devices.listHead': def({
    method: 'GET', path: '/api/v1/devices/head', summary: 'The first devices of devices.list in name order (natural: host-2 before host-10) and how many there are: the first screen of a long list', auth: 'user',
    query: z.object({ groupId: m.Hex96.optional(), limit: z.coerce.number().int().min(1).max(1000).default(DEVICE_LIST_HEAD) }).strict(),
    response: m.DeviceListHead,
  }),
  'devices.get': def({ method: 'GET', path: '/api/v1/devices/:id', summary: 'One device', auth: 'user', params: DeviceParam, response: m.Device }),
  'devices.update': def({
    method: 'PATCH', path: '/api/v1/devices/:id', summary: 'Rename, tag, annotate or move a device', auth: 'user', params: DeviceParam,
    body: z.object({ name: m.Label(256).optional(), tags: z.array(m.Label(64)).max(64).optional(), notes: m.MultilineText(4096).optional(), groupId: m.Hex96.optional() }).strict(),
    response: m.Device,
  }),
  'devices.inventory': def({
    method: 'GET', path: '/api/v1/devices/:id/inventory', summary: 'The last system inventory of a device', auth: 'user', params: DeviceParam, response: m.DeviceInventory,
  }),
  'devices.software': def({
    method: 'GET', path: '/api/v1/devices/:id/software', summary: 'Installed software of a device', auth: 'user', params: DeviceParam, response: m.DeviceSoftware,
  }),
  'devices.timeline': def({
    method: 'GET', path: '/api/v1/devices/:id/timeline', summary: 'Connection state changes of a device since a time (default: 7 days), oldest first', auth: 'user',
    params: DeviceParam, query: z.object({ since: m.IsoTime.optional() }).strict(), response: z.array(m.TimelineEntry),
  }),
  'devices.delete': def({ method: 'DELETE', path: '/api/v1/devices/:id', summary: 'Remove a device', auth: 'user', params: DeviceParam, response: Ok }),
  'devices.listRevoked': def({
    method: 'GET', path: '/api/v1/device-revocations', summary: 'Removed devices that may not enrol again (site administrators)', auth: 'user',
    response: z.array(m.DeviceRevocation),
  }),
  'devices.liftRevocation': def({
    method: 'DELETE', path: '/api/v1/device-revocations/:id', summary: 'Let a removed device enrol again with an install file (site administrators)', auth: 'user',
    params: DeviceParam, response: Ok,
  }),
  'devices.openSession': def({
    method: 'POST', path: '/api/v1/devices/:id/sessions', summary: 'Open a relay session (terminal, files, tcp) to an online device; connect to the returned url once, within 15 s', auth: 'user',
    params: DeviceParam, body: CreateRelaySession, response: RelaySessionInfo,
  }),

  // ---- agent self-update (policy per group: groups.update) ----
  'agentUpdates.list': def({
    method: 'GET', path: '/api/v1/agent/updates', summary: 'Agent version and self-update state of the devices in groups where the caller holds deviceDetails (or of one group, or one device)', auth: 'user',
    query: z.object({ groupId: m.Hex96.optional(), deviceId: m.Hex96.optional() }).strict(), response: z.array(AgentUpdateView),
  }),
  'devices.retryAgentUpdate': def({
    method: 'POST', path: '/api/v1/devices/:id/agent-update/retry', summary: 'Let a device be offered again the agent versions that failed or rolled back on it (manageDevices)', auth: 'user',
    params: DeviceParam, response: AgentUpdateView,
  }),

  // ---- events ----
  'events.list': def({
    method: 'GET', path: '/api/v1/events', summary: 'Events the caller may see, newest first', auth: 'user',
    query: z.object({ deviceId: m.Hex96.optional(), groupId: m.Hex96.optional(), type: z.string().max(64).optional(), before: m.IsoTime.optional(), limit: Limit }).strict(),
    response: z.array(m.Event),
  }),

  // ---- commands on many devices, power, Wake-on-LAN (shapes in commands/api.ts) ----
  'runs.create': def({
    method: 'POST', path: '/api/v1/runs', summary: 'Run a command (argv, no shell) or a script (/bin/sh -c) on devices; output streams at /api/v1/runs/stream?id=', auth: 'user',
    body: cmd.RunCreateBody, response: cmd.RunCreated,
  }),
  'runs.get': def({
    method: 'GET', path: '/api/v1/runs/:id', summary: 'State, exit codes and (bounded) output of a recent run you started', auth: 'user',
    params: z.object({ id: CommandId }), response: cmd.RunView,
  }),
  'devices.power': def({
    method: 'POST', path: '/api/v1/devices/:id/power', summary: 'Reboot, shut down or suspend an online device', auth: 'user',
    params: DeviceParam, body: cmd.PowerBody, response: cmd.PowerResult,
  }),
  'devices.wake': def({
    method: 'POST', path: '/api/v1/devices/:id/wake', summary: 'Wake an offline device: online agents in its subnets send Wake-on-LAN magic packets', auth: 'user',
    params: DeviceParam, response: cmd.WakeResult,
  }),
} as const satisfies Record<string, EndpointDef>;

export type Endpoints = typeof endpoints;
export type EndpointName = keyof Endpoints;

type Infer<T> = T extends z.ZodType ? z.infer<T> : undefined;
type InferIn<T> = T extends z.ZodType ? z.input<T> : undefined;
export type ParamsOf<N extends EndpointName> = Infer<Endpoints[N] extends { params: infer P } ? P : undefined>;
export type QueryOf<N extends EndpointName> = Infer<Endpoints[N] extends { query: infer Q } ? Q : undefined>;
export type BodyOf<N extends EndpointName> = Infer<Endpoints[N] extends { body: infer B } ? B : undefined>;
export type ResponseOf<N extends EndpointName> = Infer<Endpoints[N]['response']>;
/** What a caller passes (before defaults are applied). */
export interface RequestOf<N extends EndpointName> {
  params: InferIn<Endpoints[N] extends { params: infer P } ? P : undefined>;
  query: InferIn<Endpoints[N] extends { query: infer Q } ? Q : undefined>;
  body: InferIn<Endpoints[N] extends { body: infer B } ? B : undefined>;
}
