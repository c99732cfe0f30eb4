/**
 * The HTTPS server's TLS settings (API, web UI and the agent, relay and stream sockets share the
 * one server): TLS 1.3, and TLS 1.2 only with ECDHE and an AEAD cipher (AES-GCM, ChaCha20-Poly1305)
 * — forward secrecy, and none of the CBC suites of OpenSSL's default list (Lucky13-style padding
 * oracles, no AEAD). Every current browser, curl and Node speaks TLS 1.3 or one of these.
 */
export const TLS12_CIPHERS = [
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES128-GCM-SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305',
  'ECDHE-RSA-CHACHA20-POLY1305',
] as const;

export const TLS13_CIPHERS = ['TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256', 'TLS_AES_128_GCM_SHA256'] as const;

export const HTTPS_TLS_OPTIONS = {
  minVersion: 'TLSv1.2' as const,
  ciphers: [...TLS13_CIPHERS, ...TLS12_CIPHERS].join(':'),
  honorCipherOrder: true,
};
