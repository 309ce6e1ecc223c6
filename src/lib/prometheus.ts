/** The Prometheus text exposition format (version 0.0.4): metric families with HELP and TYPE, escaped labels. */

/** The Content-Type of the text format. */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

type Labels = Record<string, string>;

const escapeLabel = (v: string) => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
const escapeHelp = (v: string) => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');

function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

/** Builds one exposition: add families in order, then `text()`. */
export class Exposition {
  private readonly out: string[] = [];

  /** A family and its samples; a family with no samples still gets its HELP and TYPE lines. */
  family(name: string, type: 'gauge' | 'counter', help: string, samples: [Labels, number][]): this {
    this.out.push(`# HELP ${name} ${escapeHelp(help)}`, `# TYPE ${name} ${type}`);
    for (const [labels, value] of samples) {
      const entries = Object.entries(labels);
      const l = entries.length ? `{${entries.map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(',')}}` : '';
      this.out.push(`${name}${l} ${formatValue(value)}`);
    }
    return this;
  }

  /** The text, newline-terminated. */
  text(): string {
    return this.out.join('\n') + '\n';
  }
}
