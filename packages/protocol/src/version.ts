/**
 * Protocol version: one integer that only goes up.
 * 1 (2026-11-26): first version — REST API v1, browser event stream, agent handshake
 *   (hello/challenge/auth/welcome), session frames known/later/inventory/software,
 *   run/power/wake, relayOpen. Nothing shipped before it, so the first release carries all of these.
 *   2026-11-27, still 1: reportPart/reportAck (reports in acknowledged parts, session/parts.ts),
 *   negotiated — capability `report-parts` in auth, `known.reportPartBytes` back — so agents and
 *   servers from before it work with those after it without a version change.
 *   2026-12-07, still 1: auth.info.enrolmentKey (a group's rotatable enrolment key) and the refusal
 *   code `revoked`; auth.info.groupId no longer enrols. Only install files of servers that know the
 *   key carry one, and an agent sends it only when its install file has it, so older servers never
 *   see the field; older agents keep working once enrolled (they are known by their key).
 */
export const PROTOCOL_VERSION = 1;
export const PRODUCT_VERSION = '0.1.0';
