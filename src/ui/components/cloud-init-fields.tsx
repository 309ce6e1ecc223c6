/** @jsxImportSource hono/jsx/dom */
/** The cloud-init part of the create dialog: admin password, SSH keys and extra user-data. */
import type { Child } from 'hono/jsx';

const value = (e: Event) => (e.target as HTMLInputElement | HTMLTextAreaElement).value;

/** Fields bound to the dialog's form state; `err(path)` renders a field's error. */
export function CloudInitFields({ f, set, err }: { f: Record<string, string | boolean>; set: (key: string, v: string) => void; err: (path: string) => Child }) {
  return (
    <fieldset class="field span-2">
      <legend>Cloud-init (the hostname is the instance name)</legend>
      <label class="field">
        <span>Password of the image's default user (root when it has none) — optional</span>
        <input name="ciPassword" type="password" autocomplete="new-password" value={String(f.ciPassword)} onInput={(e: Event) => set('ciPassword', value(e))} />
        {err('cloudInit.password')}
      </label>
      <label class="field">
        <span>SSH public keys, one per line — optional</span>
        <textarea name="sshKeys" rows={2} placeholder="ssh-ed25519 AAAA… you@laptop" value={String(f.sshKeys)} onInput={(e: Event) => set('sshKeys', value(e))} />
        {err('cloudInit.sshAuthorizedKeys')}
      </label>
      <label class="field">
        <span>Your user-data (#cloud-config or a #! script), merged with onebox's — optional</span>
        <textarea name="userData" rows={3} class="mono" value={String(f.userData)} onInput={(e: Event) => set('userData', value(e))} />
        {err('cloudInit.userData')}
      </label>
    </fieldset>
  );
}
