/**
 * The certificate code lives in `src/lib/pki` (the node agent and the CSR
 * signer need it too, and neither may import the apiserver); this module
 * keeps the apiserver-side import path working.
 */
export * from '../../../lib/pki/x509.js';
