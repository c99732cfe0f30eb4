/** The one DER helper the agent's own code needs (the TPM returns raw r, s), as a Buffer; the encoder is @meshwork/protocol's. */
import { der } from '@meshwork/protocol/x509/index';

/** ECDSA (r, s) as the DER SEQUENCE { INTEGER r, INTEGER s } that X.509 and node:crypto expect. */
export const ecdsaSignatureDer = (r: Uint8Array, s: Uint8Array): Buffer => Buffer.from(der.ecdsaSignatureDer(r, s));
