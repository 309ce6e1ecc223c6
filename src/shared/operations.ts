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
}

/** Body of a 202 Accepted answer. */
export interface Accepted {
  operation: Operation;
}
