import { describe, expect, it } from 'vitest';
import { UserError } from '../errors.js';
import { parseArgs } from './args.js';

const spec = { n: 'int', rate: 'number', out: 'string', resume: 'boolean' } as const;

describe('parseArgs', () => {
  it('parses typed flags, --name=value and positionals', () => {
    const a = parseArgs(['make', '--n', '5', '--rate=0.5', '--out', 'x y', '--resume', 'extra'], spec);
    expect(a.flags).toEqual({ n: 5, rate: 0.5, out: 'x y', resume: true });
    expect(a.positional).toEqual(['make', 'extra']);
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

describe('explainInternalError', () => {
  it('names the wasm heap for a bare wasm abort, and keeps any other error\'s first line', async () => {
    const { explainInternalError } = await import('./main.js');
    expect(explainInternalError(new Error('Aborted(). Build with -sASSERTIONS for more info.'))).toBe(
      'the wasm backend aborted, most likely out of its 4 GB heap: lower --batch-size (or run fewer videos at once)',
    );
    expect(explainInternalError(new Error('boom\nstack'))).toBe('boom');
  });
});
