/**
 * The C2PA signer behind sign.ts's seam: the key (keys.ts) and the embedding (c2pa.ts). Import
 * it directly only from code that never runs in a notebook (tests, the verify command).
 */
import { UserError } from '../../base/errors.js';
import { embedC2pa } from './c2pa.js';
import { resolveSigningKey, type SigningKey } from './keys.js';
import type { C2paSign, KeyChoice } from './sign.js';

export async function c2paSignerFor(choice: KeyChoice): Promise<C2paSign> {
  return signerWithKey(await resolveSigningKey(choice));
}

/** Signs with `key`; a failure names the file and the key. */
export function signerWithKey(key: SigningKey): C2paSign {
  return async (bytes, format, record, file) => {
    try {
      return await embedC2pa(bytes, format, record, key);
    } catch (err) {
      throw new UserError(`cannot sign ${file} with ${key.keyFile}: ${(err as Error).message.split('\n')[0]}`);
    }
  };
}
