/** How the CLI prints API objects: a table (default), JSON or YAML (the API objects as they are). */

/** The output formats of `--output`. */
export const OUTPUT_FORMATS = ['table', 'json', 'yaml'] as const;
/** One of {@link OUTPUT_FORMATS}. */
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** A table column: a heading and how to read the cell from an object. */
export interface Column {
  heading: string;
  value: (row: Record<string, unknown>) => unknown;
}

/** A column reading one field. */
export const field = (name: string, heading = name.toUpperCase()): Column => ({ heading, value: (row) => row[name] });

const cell = (v: unknown): string => {
  if (v === null || v === undefined || v === '') return '-';
  if (Array.isArray(v)) return v.length === 0 ? '-' : v.map(cell).join(',');
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
};

/** Rows under headings, columns padded to their widest cell. */
export function renderTable(rows: Record<string, unknown>[], columns: Column[]): string {
  const cells = [columns.map((c) => c.heading), ...rows.map((r) => columns.map((c) => cell(c.value(r))))];
  const widths = columns.map((_, i) => Math.max(...cells.map((line) => line[i].length)));
  return cells.map((line) => line.map((text, i) => (i === line.length - 1 ? text : text.padEnd(widths[i]))).join('  ')).join('\n');
}

/** One object as `key: value` lines (nested values as JSON). */
export function renderRecord(row: Record<string, unknown>): string {
  const keys = Object.keys(row);
  const width = Math.max(0, ...keys.map((k) => k.length));
  return keys.map((k) => `${`${k}:`.padEnd(width + 1)} ${cell(row[k])}`).join('\n');
}

const PLAIN_SCALAR = /^[A-Za-z_/.][A-Za-z0-9_ ./:@+-]*$/;
const YAML_WORDS = /^(true|false|null|yes|no|on|off|y|n|~)$/i;

function yamlScalar(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  const s = String(v);
  return PLAIN_SCALAR.test(s) && !YAML_WORDS.test(s) && !s.endsWith(' ') && !s.includes(': ') && !s.includes(' #') ? s : JSON.stringify(s);
}

/** YAML for JSON values (block style; strings quoted as JSON when plain would be ambiguous). */
export function toYaml(value: unknown, indent = ''): string {
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    return value
      .map((item) => {
        const inner = toYaml(item, `${indent}  `);
        return `${indent}- ${isBlock(item) ? inner.slice(indent.length + 2) : inner}`;
      })
      .join('\n');
  }
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value);
    if (entries.length === 0) return '{}';
    return entries
      .map(([k, v]) => {
        const key = `${indent}${yamlScalar(k)}:`;
        if (isBlock(v)) return `${key}\n${toYaml(v, `${indent}  `)}`;
        return `${key} ${toYaml(v)}`;
      })
      .join('\n');
  }
  return yamlScalar(value);
}

const isBlock = (v: unknown) => v !== null && typeof v === 'object' && (Array.isArray(v) ? v.length > 0 : Object.keys(v).length > 0);

/** Prints API objects: a list as a table, one object as key/value lines, or JSON/YAML of either. */
export function render(value: unknown, format: OutputFormat, columns?: Column[]): string {
  if (format === 'json') return JSON.stringify(value, null, 2);
  if (format === 'yaml') return toYaml(value);
  if (Array.isArray(value)) return columns ? renderTable(value as Record<string, unknown>[], columns) : value.map(cell).join('\n');
  if (value !== null && typeof value === 'object') return renderRecord(value as Record<string, unknown>);
  return cell(value);
}
