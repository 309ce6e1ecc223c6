/**
 * Test principals for the permission tests: users made directly in the database and the
 * services (quicker than the users API), each with a role per group and an API token.
 */
import { newId } from '../../lib/ids.js';
import type { Actor } from '../../services/actor.js';
import type { TestApi } from '../test-harness.js';

/** A user made for a test, with an API token `call` can use. */
export interface TestPrincipal {
  actor: Actor;
  token: string;
}

/** Creates a user (global role 'user' unless said) with the given roles per group, and an API token (optionally narrower). */
export function addPrincipal(api: TestApi, username: string, memberships: { groupId: string; role: string }[], opts: { globalRole?: 'admin' | 'user'; tokenRole?: string } = {}): TestPrincipal {
  const id = newId('usr');
  const role = opts.globalRole ?? 'user';
  api.db.$client.prepare(`INSERT INTO users (id, username, password_hash, role) VALUES (?, ?, 'x', ?)`).run(id, username, role);
  const actor: Actor = { userId: id, username, role, ip: 'test' };
  for (const m of memberships) api.services.rbac.setMember(m.groupId, { userId: id, role: m.role }, api.admin);
  const { token } = api.services.auth.createApiToken(actor, `${username}-token`, { role: opts.tokenRole });
  return { actor, token };
}

/** Creates a group as the admin; returns its id. */
export function addGroup(api: TestApi, name: string, visibility: 'group' | 'own' = 'group'): string {
  return api.services.rbac.createGroup({ name, description: '', visibility }, api.admin).id;
}

/** A session cookie of the admin that has already expired (the stand-in for an expired credential). */
export async function expiredSessionCookie(api: TestApi, login: { username: string; password: string }): Promise<string> {
  const session = await api.services.auth.login(login.username, login.password, 'test');
  api.db.$client.prepare(`UPDATE sessions SET expires_at = ? WHERE user_id = ?`).run(new Date(Date.now() - 1000).toISOString(), session.user.id);
  return `onebox_session=${session.token}`;
}

/** An API token of `actor` whose expiry has passed. */
export function expiredToken(api: TestApi, actor: Actor): string {
  const made = api.services.auth.createApiToken(actor, 'expired', { expiresInDays: 1 });
  api.db.$client.prepare(`UPDATE api_tokens SET expires_at = ? WHERE id = ?`).run(new Date(Date.now() - 1000).toISOString(), made.id);
  return made.token;
}

/** An API token of `actor` that was revoked. */
export function revokedToken(api: TestApi, actor: Actor): string {
  const made = api.services.auth.createApiToken(actor, 'revoked');
  api.services.auth.deleteApiToken(actor, made.id);
  return made.token;
}
