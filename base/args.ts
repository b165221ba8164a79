/**
 * A small, strict flag parser for the CLI. Every command declares its flags and how many
 * positional arguments it takes (none unless it says); an unknown flag, a missing value, a
 * malformed number or a stray argument is a one-line UserError. After `--` every token is
 * positional (a prompt that starts with --).
 *
 *   const a = parseArgs(argv, { n: 'int', out: 'string', resume: 'boolean' });
 *   a.flags.n // number | undefined
 *   const g = parseArgs(argv, { seed: 'int' }, { max: 1, usage: 'one PROMPT in quotes' });
 *   g.positional // [] or ['a red ball bounces']
 *   parseArgs(['--size', '48x32'], { size: 'size' }).flags.size // { width: 48, height: 32 }
 */
import { UserError } from './errors.js';

/** `size`: a clip's frame size in pixels, `WxH` (width × height, e.g. 48x32) or a square `S`. */
export type FlagKind = 'string' | 'int' | 'number' | 'boolean' | 'size';
export type FlagSpec = Record<string, FlagKind>;
export interface FrameSize {
  width: number;
  height: number;
}
type FlagValue<K extends FlagKind> = K extends 'boolean' ? boolean : K extends 'string' ? string : K extends 'size' ? FrameSize : number;
export type Flags<S extends FlagSpec> = { [K in keyof S]?: FlagValue<S[K]> };

export interface ParsedArgs<S extends FlagSpec> {
  flags: Flags<S>;
  positional: string[];
}

/** How many positional arguments a command takes, and how its help names them. */
export interface PositionalSpec {
  max: number;
  /** e.g. "one PROMPT in quotes"; shown when there are too many. */
  usage?: string;
}

/** Most commands take flags only. */
const FLAGS_ONLY: PositionalSpec = { max: 0 };

export function parseArgs<S extends FlagSpec>(argv: string[], spec: S, positionals: PositionalSpec = FLAGS_ONLY): ParsedArgs<S> {
  const flags: Record<string, unknown> = {};
  const positional: string[] = [];
  const addPositional = (token: string) => {
    if (positional.length >= positionals.max) {
      const expected = positionals.usage ? `expected ${positionals.usage}` : 'this command takes only --flags';
      throw new UserError(`unexpected argument "${token}" (${expected})`);
    }
    positional.push(token);
  };
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i];
    if (token === '--') {
      argv.slice(i + 1).forEach(addPositional);
      break;
    }
    if (!token.startsWith('--')) {
      addPositional(token);
      continue;
    }
    let name = token.slice(2);
    let inline: string | undefined;
    const eq = name.indexOf('=');
    if (eq >= 0) {
      inline = name.slice(eq + 1);
      name = name.slice(0, eq);
    }
    const kind = spec[name];
    if (kind === undefined) {
      const known = Object.keys(spec).map((k) => `--${k}`).join(', ');
      throw new UserError(`unknown flag --${name} (expected one of: ${known || 'none'})`);
    }
    if (kind === 'boolean') {
      if (inline !== undefined && inline !== 'true' && inline !== 'false') {
        throw new UserError(`--${name} takes no value, got "${inline}"`);
      }
      flags[name] = inline !== 'false';
      continue;
    }
    const raw = inline ?? argv[++i];
    if (raw === undefined || (inline === undefined && raw.startsWith('--'))) {
      throw new UserError(`--${name} needs a value`);
    }
    flags[name] = kind === 'string' ? raw : kind === 'size' ? parseFrameSize(raw, `--${name}`) : parseNumber(name, raw, kind === 'int');
  }
  return { flags: flags as Flags<S>, positional };
}

function parseNumber(name: string, raw: string, integer: boolean): number {
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(value) || (integer && !Number.isInteger(value))) {
    throw new UserError(`--${name} must be ${integer ? 'an integer' : 'a number'}, got "${raw}"`);
  }
  return value;
}

/**
 * A frame size from `WxH` (width × height in pixels, `x` or `×`) or a square `S`; a one-line
 * UserError naming `what` otherwise. Range checks (0, a multiple of a patch) are the caller's:
 * each knows its limits and says them.
 *
 *   parseFrameSize('48x32') // { width: 48, height: 32 }
 *   parseFrameSize('32')    // { width: 32, height: 32 }
 */
export function parseFrameSize(raw: string, what = 'size'): FrameSize {
  const m = /^\s*(\d+)\s*(?:[x×]\s*(\d+)\s*)?$/i.exec(raw);
  const [width, height] = m ? [Number(m[1]), Number(m[2] ?? m[1])] : [NaN, NaN];
  if (!m) throw new UserError(`${what} must be WxH (width × height in pixels, e.g. 48x32) or S for S×S, got "${raw}"`);
  return { width, height };
}

/** Fetch a required flag or fail with a one-line error. */
export function required<T>(value: T | undefined, name: string): T {
  if (value === undefined) throw new UserError(`missing required flag --${name}`);
  return value;
}
