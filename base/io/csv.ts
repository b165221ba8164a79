/**
 * RFC 4180 CSV: fields containing a comma, quote or newline are quoted, quotes doubled.
 * Enough for captions.csv and metric tables; not a general-purpose dialect sniffer.
 */

export function formatCsv(header: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  const cell = (v: string | number) => {
    const s = String(v);
    return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return [header, ...rows].map((r) => r.map(cell).join(',')).join('\n') + '\n';
}

export interface CsvRow {
  /** 1-based line number of the row's first line in the file (the header is line 1). */
  line: number;
  cells: string[];
}

/** The byte-order mark spreadsheets (Excel's "CSV UTF-8") put before the first cell. */
const UTF8_BOM = '\uFEFF';

/**
 * Parse CSV text into rows of cells; throws with the line number on an unclosed quote.
 * A leading UTF-8 byte-order mark is dropped, so the first header cell reads as written.
 */
export function parseCsv(text: string): CsvRow[] {
  if (text.startsWith(UTF8_BOM)) text = text.slice(UTF8_BOM.length);
  const rows: CsvRow[] = [];
  let cells: string[] = [];
  let cell = '';
  let quoted = false;
  let line = 1;
  let rowLine = 1;
  let i = 0;
  const endRow = () => {
    cells.push(cell);
    if (!(cells.length === 1 && cells[0] === '')) rows.push({ line: rowLine, cells });
    cells = [];
    cell = '';
  };
  while (i < text.length) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          cell += '"';
          i += 2;
          continue;
        }
        quoted = false;
      } else {
        if (ch === '\n') line++;
        cell += ch;
      }
      i++;
      continue;
    }
    if (ch === '"' && cell === '') quoted = true;
    else if (ch === ',') {
      cells.push(cell);
      cell = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      endRow();
      line++;
      rowLine = line;
    } else cell += ch;
    i++;
  }
  if (quoted) throw new Error(`unclosed quote starting on line ${rowLine}`);
  if (cell !== '' || cells.length > 0) endRow();
  return rows;
}
