/**
 * Checks real responses against the OpenAPI document — the one check both test harnesses run on
 * every response: the in-process one (src/api/test-harness.ts, against the document of its route
 * table) and the system one (test/system/onebox-server.ts, against the `openapi.json` the real
 * executable serves). The status must be documented for the route, or be a problem; JSON bodies must
 * match the documented schema (ajv, JSON Schema 2020-12); problems must carry a catalogue code
 * whose status is the response's.
 */
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import { PROBLEM_CODES, isProblemCode } from '../shared/problem-codes.js';
import type { OpenApiDocument, OpenApiOperation } from './openapi.js';

const isJson = (type: string | null) => /^application\/(.+\+)?json\b/.test(type ?? '');

/** Validates responses against one document. */
export class ResponseChecker {
  private readonly ajv = new Ajv2020({ strict: false, validateFormats: false, allErrors: true });
  private readonly compiled = new Map<string, ValidateFunction>();
  private readonly routes: { method: string; path: string; pattern: RegExp; params: number; op: OpenApiOperation }[];
  private readonly problem: ValidateFunction;
  /** The API's prefix (`/api/v1`), read from the document so that a served copy needs nothing else. */
  private readonly base: string;

  constructor(doc: OpenApiDocument) {
    this.base = doc.servers[0].url;
    this.routes = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.entries(ops).map(([method, op]) => ({
        method, path, op,
        pattern: new RegExp(`^${path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\\?\{\w+\\?\}/g, '[^/]+')}$`),
        params: (path.match(/\{/g) ?? []).length,
      })),
    );
    this.problem = this.ajv.compile(doc.components.schemas.Problem);
  }

  /** The documented operation a request reached (a literal path wins over a templated one). */
  private operationOf(method: string, path: string) {
    return this.routes.filter((r) => r.method === method && r.pattern.test(path)).sort((a, b) => a.params - b.params)[0];
  }

  /**
   * Throws when `res` (to `method url`; a path or an absolute URL) is not what the document says;
   * reads a clone of JSON bodies only. Requests outside the API (the UI, /metrics) pass.
   */
  async check(method: string, url: string, res: Response): Promise<void> {
    const pathname = new URL(url, 'http://localhost').pathname;
    if (!pathname.startsWith(`${this.base}/`)) return;
    const path = pathname.slice(this.base.length);
    const route = this.operationOf(method.toLowerCase(), path);
    const where = `${method} ${pathname} → ${res.status}`;
    const type = res.headers.get('content-type');
    const body = isJson(type) ? await res.clone().json() : undefined;
    const documented = route?.op.responses[String(res.status)];
    if (!documented) {
      if (res.status < 400 && route) throw new Error(`${where}: status not documented for ${route.method.toUpperCase()} ${route.path} (documented: ${Object.keys(route.op.responses).join(', ')})`);
      if (res.status < 400) return; // not an API route: the 404 problem is checked below
      if (type !== 'application/problem+json') throw new Error(`${where}: an error must be application/problem+json, not ${type}`);
      this.validate(this.problem, body, `${where} (problem)`);
      const { code, status } = body as { code: string; status: number };
      if (status !== res.status) throw new Error(`${where}: the problem says status ${status}`);
      if (isProblemCode(code) && PROBLEM_CODES[code] !== res.status) throw new Error(`${where}: code ${code} has status ${PROBLEM_CODES[code]} in the catalogue`);
      return;
    }
    const content = documented.content;
    if (!content) return;
    const media = Object.keys(content)[0];
    if (media === 'application/json') {
      if (!isJson(type)) throw new Error(`${where}: documented as JSON, answered ${type}`);
      const key = `${route.method} ${route.path} ${res.status}`;
      let validate = this.compiled.get(key);
      if (!validate) this.compiled.set(key, (validate = this.ajv.compile(content[media].schema)));
      this.validate(validate, body, `${where} (${route.method.toUpperCase()} ${route.path})`);
    } else if (type !== null && !type.startsWith(media) && res.status !== 101) {
      throw new Error(`${where}: documented as ${media}, answered ${type}`);
    }
  }

  private validate(validate: ValidateFunction, body: unknown, where: string) {
    if (!validate(body)) throw new Error(`${where}: the body does not match the OpenAPI document: ${this.ajv.errorsText(validate.errors, { separator: '; ' })}\n${JSON.stringify(body).slice(0, 2000)}`);
  }
}
