/** @jsxImportSource hono/jsx/dom */
/** The audit log page: who changed what, when and from where, searchable by time range, user, target and action. */
import { useState } from 'hono/jsx/dom';
import type { AuditEntry, AuditQuery } from '../../shared/api-types.js';
import { api } from '../api.js';
import { ErrorNote } from '../components/error-note.js';
import { PageHeader } from '../components/layout.js';
import { dateTime } from '../format.js';
import { useEffect } from '../hooks.js';
import { t } from '../i18n/index.js';
import { errorText } from '../store.js';
import { useTitle } from '../title.js';

/** A datetime-local value (local time, no zone) as an ISO time; empty stays undefined. */
const isoOf = (local: string): string | undefined => (local ? new Date(local).toISOString() : undefined);

/** The page. */
export function AuditPage() {
  const [query, setQuery] = useState<AuditQuery>({});
  const [entries, setEntries] = useState<AuditEntry[] | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  useTitle(t.audit.title);
  useEffect(() => {
    let alive = true;
    api.audit.list({ ...query, limit: 200 }).then(
      (list) => alive && (setEntries(list), setError(undefined)),
      (err: unknown) => alive && setError(errorText(err)),
    );
    return () => {
      alive = false;
    };
  }, [JSON.stringify(query)]);
  const submit = (e: Event) => {
    e.preventDefault();
    const f = new FormData(e.target as HTMLFormElement);
    const text = (k: string) => String(f.get(k) ?? '').trim() || undefined;
    setQuery({ since: isoOf(String(f.get('from') ?? '')), until: isoOf(String(f.get('to') ?? '')), user: text('user'), target: text('target'), action: text('action') });
  };
  return (
    <>
      <PageHeader title={t.audit.title} />
      <section class="card" aria-label={t.audit.search}>
        <form class="filters" onSubmit={submit} data-testid="audit-filters">
          <label>
            {t.audit.from} <input type="datetime-local" name="from" />
          </label>
          <label>
            {t.audit.to} <input type="datetime-local" name="to" />
          </label>
          <label>
            {t.audit.user} <input name="user" maxLength={200} />
          </label>
          <label>
            {t.audit.target} <input name="target" maxLength={200} />
          </label>
          <label>
            {t.audit.action} <input name="action" maxLength={200} />
          </label>
          <button type="submit" class="button button-primary">
            {t.audit.search}
          </button>
        </form>
      </section>
      <ErrorNote message={error} />
      {entries && entries.length === 0 && <p class="muted">{t.audit.none}</p>}
      {entries && entries.length > 0 && (
        <div class="table-wrap">
          <table class="table" data-testid="audit-table">
            <thead>
              <tr>
                <th>{t.audit.time}</th>
                <th>{t.audit.user}</th>
                <th>{t.audit.actionColumn}</th>
                <th>{t.taskLog.target}</th>
                <th>{t.audit.source}</th>
                <th>{t.audit.detail}</th>
              </tr>
            </thead>
            <tbody>
              {entries.map((e) => (
                <tr key={e.id} data-testid="audit-row" data-user={e.username ?? ''} data-target={e.targetId ?? ''}>
                  <td>{dateTime(e.at)}</td>
                  <td>{e.username ?? '—'}</td>
                  <td class="mono">{e.action}</td>
                  <td class="mono">{`${e.targetType} ${e.targetId ?? ''}`}</td>
                  <td class="mono">{e.sourceIp ?? '—'}</td>
                  <td>{e.detail}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
