/** `--help` texts generated from the command table. */
import { EXIT } from './errors.js';
import { flagsOf, isGroup, type CommandSpec, type FlagSpec, type GroupSpec, type TopSpec } from './spec.js';

const argText = (cmd: CommandSpec) => (cmd.args ?? []).map((a) => (a.optional ? `[${a.name}]` : a.name)).join(' ');

const flagHead = (f: FlagSpec) => `${f.short ? `-${f.short}, ` : '    '}--${f.name}${f.type === 'string' ? ` ${f.placeholder ?? 'VALUE'}` : ''}`;

/** The exit codes, for the top-level help. */
export const EXIT_CODES_TEXT = `Exit codes: ${EXIT.ok} done; ${EXIT.api} the server refused or failed (its detail and code are printed);
${EXIT.usage} usage error; ${EXIT.connection} cannot connect or wrong certificate; ${EXIT.notLoggedIn} not logged in; ${EXIT.refused} refused here (e.g. no systemd).`;

/** Help of one command (`onebox instances create --help`). */
export function commandHelp(path: string[], cmd: CommandSpec): string {
  const flags = flagsOf(cmd);
  const width = Math.max(...flags.map((f) => flagHead(f).length));
  const lines = [`Usage: onebox ${[...path, cmd.name].join(' ')}${cmd.args?.length ? ` ${argText(cmd)}` : ''}${flags.length > 1 ? ' [flags]' : ''}`, '', cmd.summary];
  if (cmd.details) lines.push('', cmd.details);
  lines.push('', 'Flags:', ...flags.map((f) => `  ${flagHead(f).padEnd(width)}  ${f.help}`));
  return lines.join('\n');
}

/** Help of a group (`onebox instances --help`). */
export function groupHelp(group: GroupSpec): string {
  const heads = group.commands.map((c) => `${c.name}${c.args?.length ? ` ${argText(c)}` : ''}`);
  const width = Math.max(...heads.map((h) => h.length));
  return [
    `Usage: onebox ${group.name} COMMAND [flags]`,
    '',
    group.summary,
    '',
    'Commands:',
    ...group.commands.map((c, i) => `  ${heads[i].padEnd(width)}  ${c.summary}`),
    '',
    `Run 'onebox ${group.name} COMMAND --help' for a command's flags.`,
  ].join('\n');
}

/** The table's lines for the top-level usage. */
export function tableSummary(table: TopSpec[]): string {
  const heads = table.map((t) => (isGroup(t) ? `${t.name} ${t.commands.map((c) => c.name).join('|')}` : `${t.name}${t.args?.length ? ` ${argText(t)}` : ''}`));
  const width = Math.min(40, Math.max(...heads.map((h) => h.length)));
  return table.map((t, i) => (heads[i].length > width ? `  onebox ${heads[i]}\n  ${' '.repeat(width + 8)}  ${t.summary}` : `  onebox ${heads[i].padEnd(width)}  ${t.summary}`)).join('\n');
}
