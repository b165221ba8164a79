/**
 * C2PA manifests in our MP4s, PNGs and GIFs, through @trustnxt/c2pa-ts (a pure TypeScript C2PA 2.1
 * implementation): one manifest whose claim says the file was created by a trained model
 * (`c2pa.actions.v2`, `c2pa.created`, digital source type trainedAlgorithmicMedia) with the
 * provenance record as the action's parameters, bound to every byte outside the manifest by a
 * hard binding (`c2pa.hash.bmff.v2` for MP4, `c2pa.hash.data` for PNG and GIF), and signed.
 * The library (0.9.4) has no GIF asset; ours (`gif-asset.ts`) plugs into its asset interface.
 *
 *   const signed = await embedC2pa(mp4Bytes, 'mp4', record, await resolveSigningKey({}));
 *   const report = await readC2pa(signed); // report.valid, report.assertions, report.signer
 *
 * Deterministic: no timestamp, a label and instance id derived from the content, and (with an
 * Ed25519 key) a deterministic signature, so the same inputs give the same bytes.
 */
import crypto from 'node:crypto';
import { BMFF, PNG } from '@trustnxt/c2pa-ts/asset';
import { SuperBox } from '@trustnxt/c2pa-ts/jumbf';
import {
  ActionAssertion,
  BMFFHashAssertion,
  ClaimVersion,
  DataHashAssertion,
  ManifestStore,
  Signature,
  type Action,
  type Assertion,
  type Manifest,
} from '@trustnxt/c2pa-ts/manifest';
import { reserveC2paBox } from './bmff-space.js';
import { GifAsset } from './gif-asset.js';
import { formatCodeVersion, GENERATOR_NAME, type ProvenanceRecord } from './tags.js';
import { TEST_KEY_MARK, type SigningKey } from './keys.js';
import type { SignableFormat } from './sign.js';

/** The formats we can sign. */

const MIME: Record<SignableFormat, string> = { mp4: 'video/mp4', png: 'image/png', gif: 'image/gif' };
/** IPTC digital source type for media made by a trained model. */
export const TRAINED_ALGORITHMIC_MEDIA = 'http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia';
/**
 * Room left in the signature box for the signature itself: 1024 bytes hold any C2PA signature
 * up to RSA-4096 and keep the padding's CBOR length field the same size (256–65535) before and
 * after signing, as the library needs (the default, 25 kB, would triple a small MP4).
 */
const SIGNATURE_PADDING = 1024;
const HASH = 'SHA-256';

/*
 * 0.9.4 reads only HEIF brands (heic, mif1) of ISO BMFF; its box parsing and BMFF hashing are
 * generic ISO BMFF, so let it read the brands ffmpeg writes into our MP4s.
 */
const MP4_BRANDS = ['isom', 'iso2', 'mp41', 'mp42', 'avc1'];
const readableBrands = (BMFF as unknown as { canReadBrands: Set<string> }).canReadBrands;
for (const brand of MP4_BRANDS) readableBrands.add(brand);

/**
 * `bytes` (an MP4, PNG or GIF without a manifest) with a signed C2PA manifest for `record`.
 * Throws if the file already holds one, or is not the format named.
 */
export async function embedC2pa(bytes: Uint8Array, format: SignableFormat, record: ProvenanceRecord, key: SigningKey): Promise<Uint8Array> {
  const id = contentUuid(bytes, record);
  const store = new ManifestStore();
  const manifest = store.createManifest({
    claimVersion: ClaimVersion.V2,
    assetFormat: MIME[format],
    instanceID: `xmp:iid:${id}`,
    defaultHashAlgorithm: HASH,
    signer: key.signer,
  });
  manifest.label = `urn:c2pa:${id}`; // the library draws a random one
  manifest.signature = Signature.create(key.signer, SIGNATURE_PADDING);
  manifest.claim!.claimGeneratorName = GENERATOR_NAME;
  manifest.claim!.claimGeneratorVersion = record.generator.version;
  manifest.addAssertion(createdAction(record));
  const binding = format === 'mp4' ? BMFFHashAssertion.createV2('jumbf manifest', HASH) : DataHashAssertion.create(HASH);
  manifest.addAssertion(binding);

  const asset = format === 'mp4' ? new BMFF(reserveC2paBox(bytes, store.measureSize())) : format === 'png' ? new PNG(bytes) : new GifAsset(bytes);
  if (asset.getManifestJUMBF() && format !== 'mp4') throw new Error(`the ${format.toUpperCase()} already holds a C2PA manifest`);
  await asset.ensureManifestSpace(store.measureSize()); // PNG: inserts a caBX chunk; GIF: a C2PA_GIF block; MP4: already there
  await binding.updateWithAsset(asset);
  await manifest.sign(key.signer);
  await asset.writeManifestJUMBF(store.getBytes());
  return asset.getDataRange();
}

function createdAction(record: ProvenanceRecord): ActionAssertion {
  const action: Action = {
    action: 'c2pa.created' as Action['action'],
    digitalSourceType: TRAINED_ALGORITHMIC_MEDIA as Action['digitalSourceType'],
    softwareAgent: { name: GENERATOR_NAME, version: formatCodeVersion(record.generator) },
    parameters: {
      ai_generated: true,
      model: record.model.name,
      model_sha256: record.model.weightsSha256,
      prompt: record.prompt,
      seeds: record.seeds,
      sampler: record.sampler,
      steps: record.steps,
      guidance: record.guidance,
      shift: record.shift,
      given_frames: record.givenFrames,
      ...(record.guidanceMethod !== undefined && { guidance_method: record.guidanceMethod }),
      ...(record.guidanceInterval !== undefined && { guidance_interval: record.guidanceInterval }),
      ...(record.frameGuidance !== undefined && { frame_guidance: record.frameGuidance }),
      commit: record.generator.commit,
    },
  };
  const assertion = new ActionAssertion();
  assertion.actions = [action];
  return assertion;
}

/** A v4-shaped UUID from the content and the record: unique per file, the same on every run. */
function contentUuid(bytes: Uint8Array, record: ProvenanceRecord): string {
  const h = crypto.createHash('sha256').update(bytes).update(JSON.stringify(record)).digest();
  h[6] = (h[6] & 0x0f) | 0x40;
  h[8] = (h[8] & 0x3f) | 0x80;
  const hex = h.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** What `readC2pa` found. */
export interface C2paReport {
  format: string;
  /** The active manifest's label. */
  label: string;
  claimGenerator: string;
  instanceId: string;
  assertions: { label: string; data: unknown }[];
  signer: {
    subject: string;
    issuer: string;
    algorithm: string;
    notAfter: Date;
    /** Whether the next certificate in the chain really issued the signer's (checked here; the library does not). */
    issuedByChain: boolean | null;
    /** Signed with spacetime-lab's local test key (not a trusted identity). */
    testKey: boolean;
  } | null;
  /** True when every check passed (signature, hashed references, hard binding, certificate rules). */
  valid: boolean;
  /** Status codes of the checks that failed, then those that passed (`assertion.bmffHash.mismatch`, …). */
  failures: string[];
  passes: string[];
}

/** Why a file has no manifest we can read: not a format we read, or none in it. */
export class NoManifestError extends Error {}

/**
 * The active C2PA manifest of an MP4, PNG or GIF, validated against the file's bytes. Throws
 * `NoManifestError` when there is none (or the format is not one the library reads).
 */
export async function readC2pa(bytes: Uint8Array): Promise<C2paReport> {
  const asset = PNG.canRead(bytes) ? new PNG(bytes) : GifAsset.canRead(bytes) ? new GifAsset(bytes) : BMFF.canRead(bytes) ? new BMFF(bytes) : null;
  if (!asset) throw new NoManifestError(`not an MP4, PNG or GIF (${describeFormat(bytes)}), the formats with C2PA manifests here`);
  const jumbf = asset.getManifestJUMBF();
  if (!jumbf) throw new NoManifestError('no C2PA manifest in it');
  const store = ManifestStore.read(SuperBox.fromBuffer(jumbf));
  const manifest = store.getActiveManifest();
  if (!manifest?.claim) throw new NoManifestError('its C2PA manifest store holds no manifest');
  const result = await store.validate(asset);
  const failures: string[] = result.statusEntries.filter((e) => !e.success).map((e) => e.code);
  const passes: string[] = result.statusEntries.filter((e) => e.success).map((e) => e.code);
  const signer = await describeSigner(manifest);
  if (signer?.issuedByChain === false) failures.push('signingCredential.invalid (not issued by the next certificate in its chain)');
  return {
    format: asset.mimeType === 'image/heic' ? 'video/mp4' : asset.mimeType,
    label: manifest.label ?? '',
    claimGenerator: [manifest.claim.claimGeneratorName, manifest.claim.claimGeneratorVersion].filter(Boolean).join(' '),
    instanceId: manifest.claim.instanceID ?? '',
    assertions: (manifest.assertions?.assertions ?? []).map(describeAssertion),
    signer,
    valid: result.isValid && failures.length === 0,
    failures,
    passes,
  };
}

function describeAssertion(a: Assertion): { label: string; data: unknown } {
  if (a instanceof ActionAssertion) return { label: a.fullLabel ?? '', data: a.actions };
  return { label: a.fullLabel ?? '', data: null };
}

async function describeSigner(manifest: Manifest): Promise<C2paReport['signer']> {
  const cose = manifest.signature?.signatureData;
  const cert = cose?.certificate;
  if (!cert) return null;
  const issuerCert = cose.chainCertificates[0];
  let issuedByChain: boolean | null = null;
  if (issuerCert) {
    try {
      issuedByChain = cert.issuer === issuerCert.subject && (await cert.verify({ publicKey: issuerCert, signatureOnly: true }));
    } catch {
      issuedByChain = false;
    }
  }
  return {
    subject: cert.subject,
    issuer: cert.issuer,
    algorithm: cert.publicKey.algorithm.name,
    notAfter: cert.notAfter,
    issuedByChain,
    testKey: cert.subject.includes(TEST_KEY_MARK),
  };
}

function describeFormat(bytes: Uint8Array): string {
  const head = Buffer.from(bytes.subarray(0, 12));
  if (head.subarray(4, 8).toString('latin1') === 'ftyp') return `an ISO BMFF file of brand ${head.subarray(8, 12).toString('latin1')}`;
  return 'unknown format';
}
