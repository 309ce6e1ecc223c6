/**
 * The browser's side of the typed API client (src/shared/api-client.ts): a transport with
 * relative URLs (so the UI works under a reverse-proxy path prefix), the CSRF header on every
 * unsafe request, a signal when the session expired, and XHR uploads with progress.
 */
import { ApiError, createApiClient, type ApiTransport, type TransportResponse } from '../shared/api-client.js';

export { ApiError, isAccepted, type UploadProgress, type RunningUpload } from '../shared/api-client.js';

const BASE = 'api/v1/';
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

/** POSTs a file as the raw request body through XMLHttpRequest, which reports upload progress. */
const xhrUpload: ApiTransport['upload'] = (path, body, onProgress) => {
  const xhr = new XMLHttpRequest();
  const started = performance.now();
  const done = new Promise<TransportResponse>((resolve, reject) => {
    xhr.open('POST', `${BASE}${path}`);
    xhr.setRequestHeader('x-csrf-token', csrfToken);
    xhr.setRequestHeader('content-type', 'application/octet-stream');
    xhr.upload.onprogress = (e) => {
      const seconds = Math.max(0.001, (performance.now() - started) / 1000);
      onProgress?.({ loaded: e.loaded, total: e.lengthComputable ? e.total : body.size, rate: e.loaded / seconds });
    };
    xhr.onload = () => resolve({ status: xhr.status, statusText: xhr.statusText, text: async () => xhr.responseText });
    xhr.onerror = () => reject(new ApiError(0, 'network_error', 'The upload was interrupted; check the connection and try again.'));
    xhr.onabort = () => reject(new ApiError(0, 'aborted', 'The upload was cancelled.'));
    xhr.send(body);
  });
  return { done, abort: () => xhr.abort() };
};

/** The browser transport. */
const browserTransport: ApiTransport = {
  url: (path) => `${BASE}${path}`,
  async request(req) {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (req.method !== 'GET') headers['x-csrf-token'] = csrfToken;
    let body: string | undefined;
    if (req.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(req.json);
    }
    const res = await fetch(`${BASE}${req.path}`, { method: req.method, headers, body, credentials: 'same-origin' });
    if (res.status === 401 && !req.expectUnauthorized) unauthorizedListeners.forEach((l) => l());
    return res;
  },
  upload: xhrUpload,
};

/** The API, typed: `api.instances.list()`, `api.images.upload(file, meta, onProgress)`, … */
export const api = createApiClient(browserTransport);

/** A websocket URL for a relative API path such as `api/v1/console/ws?token=…` (same origin, same prefix). */
export function websocketUrl(path: string): string {
  const url = new URL(path.replace(/^\/+/, ''), location.href);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  url.hash = '';
  return url.href;
}

/** The live usage stream (server-sent events) of the given series, same origin and prefix as the API. */
export function openUsageStream(series: string[]): EventSource {
  return new EventSource(`${BASE}usage/stream?series=${encodeURIComponent(series.join(','))}`);
}
