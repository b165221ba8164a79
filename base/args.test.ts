import { describe, expect, it } from 'vitest';
import { UserError } from './errors.js';
import { parseArgs } from './args.js';

const spec = { n: 'int', rate: 'number', out: 'string', resume: 'boolean' } as const;

describe('parseArgs', () => {
  it('parses typed flags, --name=value and positionals', () => {
    const a = parseArgs(['make', '--n', '5', '--rate=0.5', '--out', 'x y', '--resume', 'extra'], spec, { max: 2 });
    expect(a.flags).toEqual({ n: 5, rate: 0.5, out: 'x y', resume: true });
    expect(a.positional).toEqual(['make', 'extra']);
    expect(parseArgs(['--n', '1', '--', '--not-a-flag'], spec, { max: 1 }).positional).toEqual(['--not-a-flag']);
  });

  it('refuses positional arguments beyond what the command takes, naming the first stray one', () => {
    expect(() => parseArgs(['--n', '5', 'extra'], spec)).toThrow(/^unexpected argument "extra" \(this command takes only --flags\)$/);
    expect(() => parseArgs(['-n', '5'], spec)).toThrow(/unexpected argument "-n"/);
    expect(() => parseArgs(['a red ball', 'bounces'], spec, { max: 1, usage: 'one PROMPT in quotes' })).toThrow(
      /^unexpected argument "bounces" \(expected one PROMPT in quotes\)$/,
    );
    expect(() => parseArgs(['--', 'a', 'b'], spec, { max: 1 })).toThrow(UserError);
  });

  it('rejects unknown flags, missing values and malformed numbers', () => {
    const cases: [string[], RegExp][] = [
      [['--count', '3'], /unknown flag --count/],
      [['--n'], /--n needs a value/],
      [['--n', '--out', 'x'], /--n needs a value/],
      [['--n', '2.5'], /--n must be an integer, got "2.5"/],
      [['--rate', 'fast'], /--rate must be a number, got "fast"/],
      [['--resume=maybe'], /--resume takes no value/],
    ];
    for (const [argv, message] of cases) {
      expect(() => parseArgs(argv, spec)).toThrow(UserError);
      expect(() => parseArgs(argv, spec)).toThrow(message);
    }
  });
});

describe('--size WxH', () => {
  const sized = { size: 'size' } as const;
  it('reads width × height, a square S, and --size=WxH', () => {
    expect(parseArgs(['--size', '48x32'], sized).flags.size).toEqual({ width: 48, height: 32 });
    expect(parseArgs(['--size', '32X48'], sized).flags.size).toEqual({ width: 32, height: 48 });
    expect(parseArgs(['--size=64×64'], sized).flags.size).toEqual({ width: 64, height: 64 });
    expect(parseArgs(['--size', '24'], sized).flags.size).toEqual({ width: 24, height: 24 });
  });

  it('refuses anything else in one line naming the form', () => {
    for (const bad of ['48x', 'x32', '48x32x16', '48*32', '4.5', '-8', 'big', '']) {
      expect(() => parseArgs(['--size', bad], sized)).toThrow(UserError);
      expect(() => parseArgs(['--size', bad], sized)).toThrow(/^--size must be WxH \(width × height in pixels, e\.g\. 48x32\) or S for S×S, got "/);
    }
  });
});

describe('explainInternalError', () => {
  it('names the wasm heap for a bare wasm abort, and keeps any other error\'s first line', async () => {
    const { explainInternalError } = await import('../app/cli/main.js');
    expect(explainInternalError(new Error('Aborted(). Build with -sASSERTIONS for more info.'))).toBe(
      'the wasm backend aborted, most likely out of its 4 GB heap: lower --batch-size (or run fewer videos at once)',
    );
    expect(explainInternalError(new Error('boom\nstack'))).toBe('boom');
  });
});
