/**
 * The API reference page (`GET /api/docs`): plain HTML generated from the OpenAPI document,
 * grouped by tag, with every operation's method, path, summary, parameters, body schema and
 * responses, and the catalogue of problem codes. No script and no outside resource: the CSP
 * allows neither, and the page must work offline.
 */
import { PROBLEM_CODES } from '../shared/problem-codes.js';
import type { JsonSchema, OpenApiDocument, OpenApiOperation } from './openapi.js';

const escape = (s: unknown) => String(s).replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

/** A short type label: `string`, `integer ≥ 1`, `array of object`, `"a" | "b"`. */
function typeLabel(s: JsonSchema): string {
  if (Array.isArray(s.enum)) return s.enum.map((v) => JSON.stringify(v)).join(' | ');
  if (s.const !== undefined) return JSON.stringify(s.const);
  const type = Array.isArray(s.type) ? s.type.join(' | ') : typeof s.type === 'string' ? s.type : s.anyOf || s.oneOf ? 'one of' : 'any';
  const limits = [
    s.minimum !== undefined ? `≥ ${s.minimum}` : '', s.maximum !== undefined ? `≤ ${s.maximum}` : '',
    s.minLength !== undefined ? `min length ${s.minLength}` : '', s.maxLength !== undefined ? `max length ${s.maxLength}` : '',
    s.maxItems !== undefined ? `at most ${s.maxItems}` : '', s.format ? String(s.format) : '',
    s.default !== undefined ? `default ${JSON.stringify(s.default)}` : '',
  ].filter(Boolean);
  if (type === 'array' && s.items) return `array of ${typeLabel(s.items as JsonSchema)}${limits.length ? ` (${limits.join(', ')})` : ''}`;
  return `${type}${limits.length ? ` (${limits.join(', ')})` : ''}`;
}

/** A schema as nested lists of its fields. */
function schemaHtml(s: JsonSchema, depth = 0): string {
  if (depth > 8) return '';
  if (typeof s.$ref === 'string') return `<p>See <a href="#${escape(s.$ref.split('/').pop())}">${escape(s.$ref.split('/').pop())}</a>.</p>`;
  const variants = (s.anyOf ?? s.oneOf) as JsonSchema[] | undefined;
  if (variants) return `<ol class="variants">${variants.map((v) => `<li>${typeLabel(v) === 'object' ? '' : escape(typeLabel(v))}${schemaHtml(v, depth + 1)}</li>`).join('')}</ol>`;
  if (s.type === 'array' && s.items) return schemaHtml(s.items as JsonSchema, depth + 1);
  const props = s.properties as Record<string, JsonSchema> | undefined;
  if (!props) return '';
  const required = new Set((s.required as string[] | undefined) ?? []);
  return `<ul class="fields">${Object.entries(props)
    .map(([name, p]) => `<li><code>${escape(name)}</code> <span class="type">${escape(typeLabel(p))}</span>${required.has(name) ? ' <span class="req">required</span>' : ''}${p.description ? ` — ${escape(p.description)}` : ''}${schemaHtml(p, depth + 1)}</li>`)
    .join('')}</ul>`;
}

function contentHtml(content: Record<string, { schema: JsonSchema }> | undefined): string {
  if (!content) return '';
  return Object.entries(content).map(([type, { schema }]) => `<div class="content"><span class="media">${escape(type)}</span>: <span class="type">${escape(typeLabel(schema))}</span>${schemaHtml(schema)}</div>`).join('');
}

function operationHtml(method: string, path: string, op: OpenApiOperation): string {
  const params = op.parameters ?? [];
  return `<section class="op" id="${escape(op.operationId)}">
<h3><span class="method ${escape(method)}">${escape(method.toUpperCase())}</span> <code>/api/v1${escape(path)}</code></h3>
<p class="summary">${escape(op.summary)}${op.security?.length === 0 ? ' <span class="public">no login needed</span>' : ''}</p>
${op.description ? `<p>${escape(op.description)}</p>` : ''}
${params.length ? `<h4>Parameters</h4><table><thead><tr><th>Name</th><th>In</th><th>Type</th><th>Required</th><th>Description</th></tr></thead><tbody>${params.map((p) => `<tr><td><code>${escape(p.name)}</code></td><td>${p.in}</td><td>${escape(typeLabel(p.schema))}</td><td>${p.required ? 'yes' : 'no'}</td><td>${escape(p.description ?? '')}</td></tr>`).join('')}</tbody></table>` : ''}
${op.requestBody ? `<h4>Request body</h4>${contentHtml(op.requestBody.content)}` : ''}
<h4>Responses</h4><dl class="responses">${Object.entries(op.responses)
    .map(([status, r]) => `<dt>${status === 'default' ? '<a href="#problems">problem</a>' : escape(status)}</dt><dd>${escape(r.description)}${status === 'default' ? '' : contentHtml(r.content)}</dd>`)
    .join('')}</dl>
</section>`;
}

const STYLE = `body{font:15px/1.5 system-ui,sans-serif;margin:0 auto;max-width:70rem;padding:1rem 2rem;color:#1a1a1a;background:#fff}
code{font:13px ui-monospace,monospace}h2{border-bottom:2px solid #ccc;margin-top:2.5rem}.op{border:1px solid #ddd;border-radius:6px;padding:.25rem 1rem;margin:1rem 0}
.method{display:inline-block;min-width:4.2rem;font:bold 13px ui-monospace,monospace;color:#fff;background:#555;border-radius:4px;padding:.1rem .4rem;text-align:center}
.get{background:#1f6f43}.post{background:#1d4f91}.patch,.put{background:#8a5a00}.delete{background:#a3261c}
.type{color:#5a3d91}.req{color:#a3261c;font-size:12px}.public{background:#eef;border-radius:4px;padding:0 .3rem;font-size:12px}
table{border-collapse:collapse}td,th{border:1px solid #ddd;padding:.2rem .5rem;text-align:left;vertical-align:top}.media{font-family:ui-monospace,monospace}
dl.responses dt{font-weight:bold;float:left;min-width:4rem}dl.responses dd{margin-left:5rem}nav ul{columns:2}
@media (prefers-color-scheme:dark){body{background:#161616;color:#e6e6e6}.op,td,th{border-color:#444}.type{color:#c3a6f5}.public{background:#334}a{color:#8ab4f8}}`;

/** The whole page. */
export function referencePage(doc: OpenApiDocument): string {
  const byTag = new Map<string, string[]>(doc.tags.map((t) => [t.name, []]));
  for (const [path, ops] of Object.entries(doc.paths))
    for (const [method, op] of Object.entries(ops)) {
      const tag = op.tags[0];
      if (!byTag.has(tag)) byTag.set(tag, []);
      byTag.get(tag)?.push(operationHtml(method, path, op));
    }
  const tags = [...byTag].filter(([, ops]) => ops.length > 0);
  const slug = (tag: string) => `tag-${tag.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`;
  const descriptions = new Map(doc.tags.map((t) => [t.name, t.description]));
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escape(doc.info.title)} ${escape(doc.info.version)} — reference</title><style>${STYLE}</style></head>
<body><header><h1>${escape(doc.info.title)} <small>${escape(doc.info.version)}</small></h1>
<p>${escape(doc.info.description)}</p>
<p>Authenticate with <code>Authorization: Bearer &lt;API token&gt;</code> (or the UI's session cookie with its CSRF token). The machine-readable document is <a href="/api/v1/openapi.json">/api/v1/openapi.json</a>. <a href="/">Back to onebox</a>.</p></header>
<nav aria-label="Sections"><h2>Contents</h2><ul>${tags.map(([tag, ops]) => `<li><a href="#${slug(tag)}">${escape(tag)}</a> (${ops.length})</li>`).join('')}<li><a href="#problems">Problem codes</a></li></ul></nav>
<main>${tags.map(([tag, ops]) => `<h2 id="${slug(tag)}">${escape(tag)}</h2><p>${escape(descriptions.get(tag) ?? '')}</p>${ops.join('\n')}`).join('\n')}
<h2 id="problems">Problem codes</h2>
<p>Every error answers <code>application/problem+json</code>: <code>type</code>, <code>title</code>, <code>status</code>, <code>detail</code> (a sentence naming the offending value), <code>code</code> (below), <code>requestId</code> and, for invalid fields, <code>errors</code> (<code>field</code>, <code>message</code>).</p>
<table id="Problem"><thead><tr><th>Code</th><th>Status</th></tr></thead><tbody>${Object.entries(PROBLEM_CODES).map(([code, status]) => `<tr><td><code>${escape(code)}</code></td><td>${status}</td></tr>`).join('')}</tbody></table>
</main></body></html>`;
}
