/**
 * The typed API client: relative URLs (so the UI works under a reverse-proxy path prefix),
 * the CSRF header on every unsafe request, problem+json turned into ApiError with the API's
 * sentence, uploads with progress, and operation polling.
 */
import type { Accepted, Operation, ProblemBody } from '../shared/api-types.js';

/** An error answer from the API, carrying its `detail` sentence and stable `code`. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    detail: string,
    readonly errors: ProblemBody['errors'] = [],
  ) {
    super(detail);
  }
}

let csrfToken = '';
const unauthorizedListeners = new Set<() => void>();

/** Remembers the CSRF token of the current session (empty after logout). */
export function setCsrfToken(token: string): void {
  csrfToken = token;
}

/** Called when an authenticated request answers 401 (the session expired). */
export function onUnauthorized(listener: () => void): () => void {
  unauthorizedListeners.add(listener);
  return () => unauthorizedListeners.delete(listener);
}

/** Turns an error response into an ApiError with the best sentence available. */
async function toError(res: Response): Promise<ApiError> {
  const text = await res.text().catch(() => '');
  try {
    const body = JSON.parse(text) as Partial<ProblemBody>;
    const detail = body.detail || body.title || `The server answered ${res.status}.`;
    return new ApiError(res.status, body.code ?? 'http_error', detail, body.errors);
  } catch {
    return new ApiError(res.status, 'http_error', `The server answered ${res.status} ${res.statusText}.`.replace(/ \.$/, '.'));
  }
}

/** Options of {@link request}. */
export interface RequestOptions {
  json?: unknown;
  /** Don't broadcast a 401 (for the initial session probe and login). */
  quiet401?: boolean;
}

/** Sends one API request (path relative to `api/v1/`) and returns the raw response, throwing ApiError on failure. */
export async function request(method: string, path: string, opts: RequestOptions = {}): Promise<Response> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (method !== 'GET' && method !== 'HEAD') headers['x-csrf-token'] = csrfToken;
  let body: string | undefined;
  if (opts.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(opts.json);
  }
  let res: Response;
  try {
    res = await fetch(`api/v1/${path}`, { method, headers, body, credentials: 'same-origin' });
  } catch {
    throw new ApiError(0, 'network_error', 'The server cannot be reached; check the connection and try again.');
  }
  if (!res.ok) {
    if (res.status === 401 && !opts.quiet401) unauthorizedListeners.forEach((l) => l());
    throw await toError(res);
  }
  return res;
}

/** GET returning JSON. */
export async function get<T>(path: string, opts?: RequestOptions): Promise<T> {
  return (await (await request('GET', path, opts)).json()) as T;
}

/** POST (or another method) with a JSON body, returning JSON (undefined for 204). */
export async function send<T>(method: 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, json?: unknown, opts?: RequestOptions): Promise<T> {
  const res = await request(method, path, { ...opts, json });
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  return (text ? JSON.parse(text) : undefined) as T;
}

/** Progress of an upload. */
export interface UploadProgress {
  loaded: number;
  total: number;
  /** Bytes per second over the upload so far. */
  rate: number;
}

/** A running upload: its result and a way to abort it. */
export interface Upload<T> {
  done: Promise<T>;
  abort(): void;
}

/** POSTs a file as the raw request body, reporting progress through XMLHttpRequest. */
export function upload<T>(path: string, file: File, onProgress: (p: UploadProgress) => void): Upload<T> {
  const xhr = new XMLHttpRequest();
  const started = performance.now();
  const done = new Promise<T>((resolve, reject) => {
    xhr.open('POST', `api/v1/${path}`);
    xhr.setRequestHeader('x-csrf-token', csrfToken);
    xhr.setRequestHeader('content-type', 'application/octet-stream');
    xhr.upload.onprogress = (e) => {
      const seconds = Math.max(0.001, (performance.now() - started) / 1000);
      onProgress({ loaded: e.loaded, total: e.lengthComputable ? e.total : file.size, rate: e.loaded / seconds });
    };
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) resolve((xhr.responseText ? JSON.parse(xhr.responseText) : undefined) as T);
      else void toError(new Response(xhr.responseText || null, { status: xhr.status, statusText: xhr.statusText })).then(reject);
    };
    xhr.onerror = () => reject(new ApiError(0, 'network_error', 'The upload was interrupted; check the connection and try again.'));
    xhr.onabort = () => reject(new ApiError(0, 'aborted', 'The upload was cancelled.'));
    xhr.send(file);
  });
  return { done, abort: () => xhr.abort() };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls an operation until it finishes; throws ApiError with its errorDetail when it failed. */
export async function waitOperation(op: Operation, onUpdate?: (op: Operation) => void): Promise<Operation> {
  let current = op;
  onUpdate?.(current);
  while (current.state === 'running') {
    await sleep(700);
    current = await get<Operation>(`operations/${encodeURIComponent(op.id)}`);
    onUpdate?.(current);
  }
  if (current.state === 'failed')
    throw new ApiError(409, current.errorCode ?? 'operation_failed', current.errorDetail || `The ${current.kind} operation failed.`);
  return current;
}

/** Whether a JSON answer is a 202 body with an operation. */
export const isAccepted = (body: unknown): body is Accepted =>
  typeof body === 'object' && body !== null && 'operation' in body && typeof (body as Accepted).operation?.id === 'string';

/** A websocket URL for a relative API path such as `api/v1/console/ws?token=…` (same origin, same prefix). */
export function websocketUrl(path: string): string {
  const url = new URL(path.replace(/^\/+/, ''), location.href);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  url.hash = '';
  return url.href;
}
