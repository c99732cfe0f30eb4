/**
 * Protocol version: one integer that only goes up.
 * 1 (2026-11-26): first version — REST API v1, browser event stream.
 */
export const PROTOCOL_VERSION = 1;
export const PRODUCT_VERSION = '0.1.0';
