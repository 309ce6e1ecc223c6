/**
 * A tiny XML builder: element trees built with `el()` and rendered by `renderXml()`.
 * Every attribute value and text node is escaped here, in one place, so no caller ever
 * pastes user input into XML. Invalid names and characters XML 1.0 cannot carry throw.
 */

/** A text node; rendered escaped. */
export interface XmlText {
  readonly text: string;
}

/** An element with ordered attributes and children. */
export interface XmlElement {
  readonly name: string;
  readonly attrs: ReadonlyArray<readonly [string, string]>;
  readonly children: readonly XmlNode[];
}

/** Any node of the tree. */
export type XmlNode = XmlElement | XmlText;

/** Attribute values `el()` accepts; `undefined` leaves the attribute out. */
export type XmlAttrValue = string | number | boolean | undefined;

/** Children `el()` accepts: nodes, strings (text), and `undefined`/`false`/`null` (skipped, for conditionals). */
export type XmlChild = XmlNode | string | number | undefined | null | false | readonly XmlChild[];

// Names: an ASCII subset of XML's Name production, with at most one namespace prefix.
const NAME_RE = /^[A-Za-z_][A-Za-z0-9_.-]*(?::[A-Za-z_][A-Za-z0-9_.-]*)?$/;
// Characters XML 1.0 cannot represent at all, escaped or not.
// Lone surrogates count too: they are not characters at all.
const INVALID_CHARS_RE =
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Throws unless `name` is a valid (optionally prefixed) XML element or attribute name. */
export function assertXmlName(name: string): void {
  if (!NAME_RE.test(name)) {
    throw new Error(
      `'${name}' is not a valid XML name; use letters, digits, '_', '.', '-' and at most one ':' prefix.`,
    );
  }
}

function assertXmlChars(value: string): void {
  if (INVALID_CHARS_RE.test(value)) {
    throw new Error(`${JSON.stringify(value)} contains a control character that XML cannot represent; remove it.`);
  }
}

/** Builds an element; attributes keep insertion order, `undefined` ones are dropped. */
export function el(name: string, attrs: Record<string, XmlAttrValue> = {}, ...children: XmlChild[]): XmlElement {
  assertXmlName(name);
  const pairs: Array<readonly [string, string]> = [];
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined) continue;
    assertXmlName(key);
    const text = String(value);
    assertXmlChars(text);
    pairs.push([key, text]);
  }
  return { name, attrs: pairs, children: flattenChildren(children) };
}

/** Builds a text node. */
export function text(value: string): XmlText {
  assertXmlChars(value);
  return { text: value };
}

// Array.isArray does not narrow readonly arrays, hence this guard.
function isChildList(child: XmlChild): child is readonly XmlChild[] {
  return Array.isArray(child);
}

function flattenChildren(children: readonly XmlChild[]): XmlNode[] {
  const out: XmlNode[] = [];
  for (const child of children) {
    if (child === undefined || child === null || child === false) continue;
    if (isChildList(child)) out.push(...flattenChildren(child));
    else if (typeof child === 'string' || typeof child === 'number') out.push(text(String(child)));
    else out.push(child);
  }
  return out;
}

/** Escapes a string for use as text content or an attribute value. */
export function escapeXml(value: string): string {
  return value.replace(/[&<>"'\t\n\r]/g, (ch) => ESCAPES[ch] ?? ch);
}

// Tab, LF and CR are written as character references so attribute-value normalisation
// in the parser cannot turn them into spaces: the value round-trips exactly.
const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
  '\t': '&#9;',
  '\n': '&#10;',
  '\r': '&#13;',
};

function isText(node: XmlNode): node is XmlText {
  return 'text' in node;
}

function openTag(node: XmlElement): string {
  const attrs = node.attrs.map(([key, value]) => ` ${key}='${escapeXml(value)}'`).join('');
  return `<${node.name}${attrs}`;
}

function renderInline(node: XmlNode): string {
  if (isText(node)) return escapeXml(node.text);
  if (node.children.length === 0) return `${openTag(node)}/>`;
  return `${openTag(node)}>${node.children.map(renderInline).join('')}</${node.name}>`;
}

function renderLines(node: XmlNode, indent: string, depth: number, out: string[]): void {
  const pad = indent.repeat(depth);
  // Elements holding text (or nothing) go on one line so no whitespace is added to their content.
  if (isText(node) || node.children.length === 0 || node.children.some(isText)) {
    out.push(pad + renderInline(node));
    return;
  }
  out.push(`${pad}${openTag(node)}>`);
  for (const child of node.children) renderLines(child, indent, depth + 1, out);
  out.push(`${pad}</${node.name}>`);
}

/** Renders a tree as indented XML (no declaration), ending in a newline. Attributes use single quotes, like libvirt. */
export function renderXml(node: XmlNode, indent = '  '): string {
  const out: string[] = [];
  renderLines(node, indent, 0, out);
  return out.join('\n') + '\n';
}
