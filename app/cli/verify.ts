/** `spacetime verify FILE`: print a generated file's C2PA manifest and tags; exit 0 only when the manifest validates. */
import fs from 'node:fs';
import { UserError } from '../../base/errors.js';
import { NoManifestError, readC2pa, type C2paReport } from '../../src/provenance/c2pa.js';
import { PROVENANCE_TAG_KEYS, provenanceFromTags, readProvenanceTags } from '../../src/provenance/tags.js';
import { parseArgs } from '../../base/args.js';

const HELP = `spacetime verify FILE [--json]

Reads FILE's C2PA manifest (MP4, GIF or PNG from spacetime generate, eval or the server), checks its
signature and that no byte outside it changed since it was signed, and prints the claim
generator, the assertions (what made the file: model, weights sha256, prompt, seeds, sampler
settings), the signer and the validation status, then the container tags. Exits 0 when the
manifest validates; 1 with a one-line reason when it is missing or does not validate. The
signer's chain is not checked against a trust list: a file signed with the local test key is
valid but says so. --json prints the report as JSON.`;

/** Exit status for a file whose manifest is missing or invalid (usage errors are 2). */
const NOT_VERIFIED = 1;

export async function runVerify(argv: string[]): Promise<number> {
  const { flags, positional } = parseArgs(argv, { json: 'boolean', help: 'boolean' }, { max: 1, usage: 'one FILE' });
  if (flags.help) {
    console.log(HELP);
    return 0;
  }
  const [file] = positional;
  if (file === undefined) throw new UserError('expected the FILE to verify (spacetime verify --help)');
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(fs.readFileSync(file));
  } catch (err) {
    throw new UserError(`cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  let report: C2paReport;
  try {
    report = await readC2pa(bytes);
  } catch (err) {
    if (err instanceof NoManifestError) throw new UserError(`${file} has no C2PA manifest: ${err.message}`, NOT_VERIFIED);
    throw new UserError(`${file}: unreadable C2PA manifest (${(err as Error).message.split('\n')[0]})`, NOT_VERIFIED);
  }
  const tags = await readProvenanceTags(file).catch(() => ({}));
  if (flags.json) console.log(JSON.stringify({ file, ...report, tags }, null, 2));
  else console.log(formatReport(file, report, provenanceFromTags(tags) ? tags : {}));
  if (!report.valid) throw new UserError(`${file} does not validate: ${explainFailures(report.failures)}`, NOT_VERIFIED);
  return 0;
}

function formatReport(file: string, r: C2paReport, tags: Record<string, string>): string {
  const lines = [`${file} (${r.format})`, `manifest         ${r.label}`, `claim generator  ${r.claimGenerator}`, 'assertions'];
  for (const a of r.assertions) {
    lines.push(`  ${a.label}`);
    for (const action of (a.data as { action: string; digitalSourceType?: string; softwareAgent?: { name: string; version?: string }; parameters?: Record<string, unknown> }[] | null) ?? []) {
      lines.push(`    ${action.action}${action.digitalSourceType ? ` (${action.digitalSourceType.split('/').pop()})` : ''}${action.softwareAgent ? ` by ${action.softwareAgent.name} ${action.softwareAgent.version ?? ''}`.trimEnd() : ''}`);
      for (const [k, v] of Object.entries(action.parameters ?? {})) if (k !== 'ingredients' || v !== undefined) lines.push(`      ${k}: ${JSON.stringify(v)}`);
    }
  }
  const s = r.signer;
  lines.push(
    s
      ? `signer           ${s.subject} (${s.algorithm}), issued by ${s.issuer}${s.issuedByChain ? '' : ' (not checked: no issuer in the chain)'}; valid to ${s.notAfter.toISOString().slice(0, 10)}`
      : 'signer           none',
  );
  if (s?.testKey) lines.push('                 a local TEST key: the file is unchanged since signing, but the signer is not a trusted identity');
  lines.push(`validation       ${r.valid ? 'valid' : 'NOT valid'}: ${[...r.failures.map((f) => `${f} FAILED`), ...r.passes].join(', ')}`);
  const ours = PROVENANCE_TAG_KEYS.filter((k) => k in tags);
  if (ours.length > 0) {
    lines.push('container tags (unsigned copy)');
    for (const k of ours) lines.push(`  ${k.padEnd(14)} ${JSON.stringify(tags[k])}`);
  }
  return lines.join('\n');
}

/** The failed checks in words a user acts on. */
function explainFailures(failures: string[]): string {
  if (failures.some((f) => /Hash\.mismatch/i.test(f))) return `the content changed after it was signed (${failures.join(', ')})`;
  if (failures.includes('claimSignature.mismatch')) return `the signature does not match the claim (${failures.join(', ')})`;
  return failures.join(', ');
}
