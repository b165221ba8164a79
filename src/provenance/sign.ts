/**
 * Signing a generated file with a C2PA manifest, behind a seam that keeps `@trustnxt/c2pa-ts`
 * out of the static module graph. That library ships ES modules only, and tslab (the notebooks'
 * kernel) runs our code as CommonJS, where such a package cannot load; so the modules that need
 * it (sign-c2pa.ts → keys.ts, c2pa.ts) are imported here at run time, by a specifier TypeScript
 * does not follow. Under tsx — the CLI, the server, the tests — they load as usual.
 *
 *   const sign = await c2paSigner({ keyFile, certFile });      // a bad key: a one-line UserError
 *   const signed = await sign(mp4Bytes, 'mp4', record, 'out/ball.mp4');
 */
import { describeError } from '../../base/errors.js';
import type { ProvenanceRecord } from './tags.js';

export type SignableFormat = 'mp4' | 'png' | 'gif';

/** `bytes` (a file about to be written as `file`) with a signed C2PA manifest for `record`. */
export type C2paSign = (bytes: Uint8Array, format: SignableFormat, record: ProvenanceRecord, file: string) => Promise<Uint8Array>;

/** The signing key and certificate chain; unset: $SPACETIME_C2PA_KEY/CERT, else the local test key (keys.ts). */
export interface KeyChoice {
  keyFile?: string;
  certFile?: string;
}

interface SigningModule {
  c2paSignerFor(choice: KeyChoice): Promise<C2paSign>;
}

/** A variable, so that type checkers (tslab's included) do not pull the module into the graph. */
const SIGNING_MODULE = './sign-c2pa.js';

const loadSigning = async (): Promise<SigningModule> => (await import(SIGNING_MODULE)) as SigningModule;

/** The signer for `choice`; its key is read and checked now, before any work. */
export async function c2paSigner(choice: KeyChoice): Promise<C2paSign> {
  return (await loadSigning()).c2paSignerFor(choice);
}

/**
 * As `c2paSigner`, or why the C2PA library cannot load in this runtime (a tslab notebook: the
 * files then carry provenance tags only). A bad key still throws.
 */
export async function c2paSignerIfLoadable(choice: KeyChoice): Promise<{ sign: C2paSign } | { unavailable: string }> {
  let signing: SigningModule;
  try {
    signing = await loadSigning();
  } catch (err) {
    return { unavailable: describeError(err) };
  }
  return { sign: await signing.c2paSignerFor(choice) };
}
