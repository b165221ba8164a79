import { describe, expect, it } from 'vitest';
import { formatCsv, parseCsv } from './csv.js';

describe('csv', () => {
  it('round-trips fields with commas, quotes and newlines', () => {
    const rows = [
      ['videos/a.mp4', 'a red ball, then a "blue" one', 16],
      ['videos/b.mp4', 'two\nlines', 8],
    ];
    const text = formatCsv(['path', 'text', 'n'], rows);
    const parsed = parseCsv(text);
    expect(parsed.map((r) => r.cells)).toEqual([['path', 'text', 'n'], ...rows.map((r) => r.map(String))]);
    expect(parsed.map((r) => r.line)).toEqual([1, 2, 3]);
  });

  it('handles CRLF, a missing final newline and blank lines', () => {
    expect(parseCsv('a,b\r\n1,2\r\n\r\n3,4').map((r) => r.cells)).toEqual([['a', 'b'], ['1', '2'], ['3', '4']]);
  });

  it('drops a leading UTF-8 byte-order mark (spreadsheets save CSV with one)', () => {
    const withBom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('path,text\nvideos/a.mp4,a red ball\n')]).toString('utf8');
    expect(parseCsv(withBom).map((r) => r.cells)).toEqual([['path', 'text'], ['videos/a.mp4', 'a red ball']]);
  });

  it('reports an unclosed quote with its line', () => {
    expect(() => parseCsv('a,b\n1,"oops\n')).toThrow(/unclosed quote starting on line 2/);
  });
});
