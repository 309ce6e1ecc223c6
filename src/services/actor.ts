/** Who performs a request: passed from the API into services for permissions and the audit log. */

/** The authenticated caller. */
export interface Actor {
  userId: string;
  username: string;
  role: 'admin' | 'user';
  /** Source address of the request, for the audit log. */
  ip: string;
  /** The request's id, for the audit log. */
  requestId?: string;
  /** The browser session behind the request (none for API tokens). */
  sessionId?: string;
}
