/**
 * The key that signs C2PA manifests: the user's (a PEM private key and its PEM certificate
 * chain, signer first), or else a local test key made once with node:crypto and @peculiar/x509
 * and kept in the user's config folder. The test key's certificates say TEST in their names and
 * chain to a test CA nobody trusts: it proves a file is unchanged since it was signed, not who
 * signed it.
 *
 *   const key = await resolveSigningKey({});                       // flags, else env, else the test key
 *   const key = await resolveSigningKey({ keyFile: 'me.key.pem', certFile: 'me.chain.pem' });
 *
 * Ed25519 keys (the test key's kind) sign deterministically, so the same inputs give the same
 * bytes; ECDSA and RSA-PSS signatures are randomized, so with such a key only the unsigned
 * part of a file repeats byte for byte.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as x509 from '@peculiar/x509';
import { CoseAlgorithmIdentifier, type Signer } from '@trustnxt/c2pa-ts/cose';
import { UserError } from '../../base/errors.js';

/** Environment variables naming the user's signing key and certificate chain (PEM files). */
export const KEY_ENV = 'SPACETIME_C2PA_KEY';
export const CERT_ENV = 'SPACETIME_C2PA_CERT';

/** Where the local test key lives under the config folder ($XDG_CONFIG_HOME or ~/.config). */
export const TEST_KEY_SUBDIR = path.join('spacetime', 'c2pa');
export const TEST_KEY_FILE = 'test-signer.key.pem';
export const TEST_CERT_FILE = 'test-signer.chain.pem';
/** Marks the test certificates; `verify` says a file was signed with a test key when it sees it. */
export const TEST_KEY_MARK = 'spacetime-lab TEST';
const TEST_VALIDITY_YEARS = 10;
/** C2PA's extended key usage for signing manifests (id-kp-documentSigning, RFC 9336). */
const DOCUMENT_SIGNING_EKU = '1.3.6.1.5.5.7.3.36';

x509.cryptoProvider.set(crypto.webcrypto as never); // Node's Web Crypto is the Crypto x509 expects (its type lives in the DOM lib, which tslab lacks)

/** A signer for c2pa-ts, and where its key came from. */
export interface SigningKey {
  signer: Signer;
  /** True for the local test key (not a trusted identity). */
  testKey: boolean;
  /** The key file, for messages. */
  keyFile: string;
}

/** The folder of the local test key: `$XDG_CONFIG_HOME/spacetime/c2pa`, else `~/.config/spacetime/c2pa`. */
export function testKeyDir(): string {
  const config = process.env.XDG_CONFIG_HOME?.trim() || path.join(os.homedir(), '.config');
  return path.join(config, TEST_KEY_SUBDIR);
}

/**
 * The signing key to use: `keyFile`/`certFile` when given (generate's --sign-key/--sign-cert),
 * else $SPACETIME_C2PA_KEY/$SPACETIME_C2PA_CERT, else the local test key (made on first use).
 * One given without the other is a one-line UserError, as is a key file that is missing,
 * unreadable, not a key, or not the certificate's key.
 */
export async function resolveSigningKey(given: { keyFile?: string; certFile?: string }): Promise<SigningKey> {
  const keyFile = given.keyFile ?? envFile(KEY_ENV);
  const certFile = given.certFile ?? envFile(CERT_ENV);
  if (keyFile && certFile) return loadSigningKey(keyFile, certFile, false);
  if (keyFile || certFile) {
    const [have, lack] = keyFile ? [`key ${keyFile}`, `--sign-cert or ${CERT_ENV}`] : [`certificate ${certFile}`, `--sign-key or ${KEY_ENV}`];
    throw new UserError(`a signing ${have} needs its pair: set ${lack} too`);
  }
  return localTestKey();
}

function envFile(name: string): string | undefined {
  const value = process.env[name]?.trim();
  return value ? value : undefined;
}

/** A PEM private key (PKCS#8, SEC1 or PKCS#1) and its PEM certificate chain, signer first. */
export function loadSigningKey(keyFile: string, certFile: string, testKey: boolean): SigningKey {
  const keyPem = readPem(keyFile, 'signing key');
  let key: crypto.KeyObject;
  try {
    key = crypto.createPrivateKey(keyPem);
  } catch {
    throw new UserError(`signing key ${keyFile} is not a PEM private key`);
  }
  const certs = readCertificates(certFile);
  const [certificate, ...chainCertificates] = certs;
  const publicDer = crypto.createPublicKey(key).export({ type: 'spki', format: 'der' });
  if (!Buffer.from(certificate.publicKey.rawData).equals(publicDer)) {
    throw new UserError(`signing key ${keyFile} is not the key of the first certificate in ${certFile}`);
  }
  const { algorithm, sign } = signatureScheme(key, keyFile);
  return {
    signer: { algorithm, certificate, chainCertificates, sign: async (payload) => new Uint8Array(sign(payload)) },
    testKey,
    keyFile,
  };
}

function readPem(file: string, what: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new UserError(`cannot read ${what} ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

function readCertificates(file: string): x509.X509Certificate[] {
  const pem = readPem(file, 'signing certificate');
  let certs: x509.X509Certificate[];
  try {
    certs = x509.PemConverter.decode(pem).map((der) => new x509.X509Certificate(der));
  } catch {
    certs = [];
  }
  if (certs.length === 0) throw new UserError(`signing certificate ${file} holds no PEM certificate`);
  return certs;
}

/** The COSE algorithm for a key and how node:crypto signs with it (C2PA's list: Ed25519, ES256/384/512, PS256). */
function signatureScheme(key: crypto.KeyObject, keyFile: string): { algorithm: CoseAlgorithmIdentifier; sign: (payload: Uint8Array) => Buffer } {
  switch (key.asymmetricKeyType) {
    case 'ed25519':
      // Ed25519 (RFC 8032) is deterministic: no nonce, so the same claim gives the same signature.
      return { algorithm: CoseAlgorithmIdentifier.Ed25519, sign: (p) => crypto.sign(null, p, key) };
    case 'ec': {
      const curves: Record<string, [CoseAlgorithmIdentifier, string]> = {
        'prime256v1': [CoseAlgorithmIdentifier.ES256, 'sha256'],
        'secp384r1': [CoseAlgorithmIdentifier.ES384, 'sha384'],
        'secp521r1': [CoseAlgorithmIdentifier.ES512, 'sha512'],
      };
      const curve = curves[key.asymmetricKeyDetails?.namedCurve ?? ''];
      if (!curve) throw new UserError(`signing key ${keyFile} is on curve ${key.asymmetricKeyDetails?.namedCurve}; C2PA allows P-256, P-384 and P-521`);
      // COSE wants r‖s (IEEE P1363), not DER.
      return { algorithm: curve[0], sign: (p) => crypto.sign(curve[1], p, { key, dsaEncoding: 'ieee-p1363' }) };
    }
    case 'rsa':
    case 'rsa-pss':
      return { algorithm: CoseAlgorithmIdentifier.PS256, sign: (p) => crypto.sign('sha256', p, { key, padding: crypto.constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }) };
    default:
      throw new UserError(`signing key ${keyFile} is ${key.asymmetricKeyType}; use Ed25519, ECDSA (P-256/384/521) or RSA`);
  }
}

/**
 * The local test key, made on first use: an Ed25519 test CA and an Ed25519 signing certificate
 * it issued (digitalSignature, documentSigning: what C2PA asks of a signer), written into a
 * private temporary folder that is renamed into place, so concurrent first uses agree on one key.
 */
export async function localTestKey(dir = testKeyDir()): Promise<SigningKey> {
  const keyFile = path.join(dir, TEST_KEY_FILE);
  const certFile = path.join(dir, TEST_CERT_FILE);
  if (!fs.existsSync(keyFile)) await createTestKey(dir);
  return loadSigningKey(keyFile, certFile, true);
}

async function createTestKey(dir: string): Promise<void> {
  const parent = path.dirname(dir);
  try {
    fs.mkdirSync(parent, { recursive: true });
  } catch (err) {
    throw new UserError(`cannot make the test signing key folder ${parent} (${(err as NodeJS.ErrnoException).code ?? 'error'}); set ${KEY_ENV} and ${CERT_ENV}`);
  }
  const { keyPem, chainPem } = await makeTestCertificates();
  const tmp = fs.mkdtempSync(path.join(parent, `.${path.basename(dir)}.tmp-`));
  try {
    fs.writeFileSync(path.join(tmp, TEST_KEY_FILE), keyPem, { mode: 0o600 });
    fs.writeFileSync(path.join(tmp, TEST_CERT_FILE), chainPem);
    fs.writeFileSync(path.join(tmp, 'README.txt'), TEST_KEY_README);
    fs.renameSync(tmp, dir);
  } catch (err) {
    fs.rmSync(tmp, { recursive: true, force: true });
    const code = (err as NodeJS.ErrnoException).code;
    if ((code === 'ENOTEMPTY' || code === 'EEXIST') && fs.existsSync(path.join(dir, TEST_KEY_FILE))) return; // another process made it first
    throw new UserError(`cannot write the test signing key to ${dir} (${code ?? 'error'})`);
  }
}

const TEST_KEY_README = `A TEST key for signing C2PA manifests, made by spacetime-lab on first use.
Its certificate chains to a test CA that nobody trusts: a manifest signed with it shows
that a file is unchanged since it was signed, not who signed it. To sign with your own key,
set SPACETIME_C2PA_KEY and SPACETIME_C2PA_CERT (or spacetime generate --sign-key/--sign-cert).
`;

async function makeTestCertificates(): Promise<{ keyPem: string; chainPem: string }> {
  const algorithm = { name: 'Ed25519' };
  const subtle = crypto.webcrypto.subtle;
  const notBefore = new Date(Date.now() - 24 * 3600_000); // a day of slack for clocks that disagree
  const notAfter = new Date(notBefore.getTime() + TEST_VALIDITY_YEARS * 365 * 24 * 3600_000);
  const serial = () => crypto.randomBytes(8).toString('hex').replace(/^[89a-f]/, '1'); // positive
  const caKeys = (await subtle.generateKey(algorithm, true, ['sign', 'verify'])) as crypto.webcrypto.CryptoKeyPair;
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: `CN=${TEST_KEY_MARK} CA (not trusted), O=spacetime-lab`,
    notBefore,
    notAfter,
    keys: caKeys,
    signingAlgorithm: algorithm,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(caKeys.publicKey),
    ],
  });
  const keys = (await subtle.generateKey(algorithm, true, ['sign', 'verify'])) as crypto.webcrypto.CryptoKeyPair;
  const signer = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: `CN=${TEST_KEY_MARK} signer (not trusted), O=spacetime-lab`,
    issuer: ca.subject,
    notBefore,
    notAfter,
    publicKey: keys.publicKey,
    signingKey: caKeys.privateKey,
    signingAlgorithm: algorithm,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([DOCUMENT_SIGNING_EKU], false),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(caKeys.publicKey),
    ],
  });
  const pkcs8 = await subtle.exportKey('pkcs8', keys.privateKey);
  return { keyPem: x509.PemConverter.encode(pkcs8, 'PRIVATE KEY'), chainPem: `${signer.toString('pem')}\n${ca.toString('pem')}\n` };
}
