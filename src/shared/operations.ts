/** Long-running operations as the API shows them. */

/** A long-running task. */
export interface Operation {
  id: string;
  kind: string;
  targetType: string;
  targetId: string;
  state: 'running' | 'succeeded' | 'failed';
  progress: number;
  message: string;
  errorCode: string | null;
  errorDetail: string | null;
  userId: string | null;
  /** Who started it (in lists). */
  username?: string | null;
  createdAt: string;
  updatedAt: string;
  /** The batch (parent operation) this is one item of. */
  parentId: string | null;
  /** What it produced, e.g. a batch's items (BatchResult in shared/batch.ts). */
  result: unknown;
  /** True while it runs and can be cancelled (POST /operations/:id/actions/cancel). */
  cancellable: boolean;
}

/** Body of a 202 Accepted answer. */
export interface Accepted {
  operation: Operation;
}

/** One audit log entry. */
export interface AuditEntry {
  id: number;
  at: string;
  userId: string | null;
  username: string | null;
  action: string;
  targetType: string;
  targetId: string | null;
  sourceIp: string | null;
  detail: string;
  /** The request that made the change (older entries have none). */
  requestId?: string | null;
  /** `ok`, or `failed` for a refused request or login. */
  result?: string;
}

/** What an audit search narrows to (every field optional; times as ISO strings). */
export interface AuditQuery {
  since?: string;
  until?: string;
  user?: string;
  target?: string;
  action?: string;
  limit?: number;
}
