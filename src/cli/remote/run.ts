/**
 * Runs a remote command (`onebox login`, `onebox instances list`, …): finds it in the command
 * table, parses its flags, runs it, and turns failures into one line and an exit code.
 */
import { parseArgs } from 'node:util';
import { ApiError, type ApiClient } from '../../shared/api-client.js';
import { COMMANDS } from './commands.js';
import { requireConfig } from './config-store.js';
import { connectWith, type Connection } from './connect.js';
import { CliError, EXIT, UsageError } from './errors.js';
import { commandHelp, EXIT_CODES_TEXT, groupHelp, tableSummary } from './help.js';
import { OUTPUT_FORMATS, render, type OutputFormat } from './output.js';
import { flagsOf, isGroup, type CommandContext, type CommandSpec } from './spec.js';

/** The names of the top-level entries of the table (main.ts dispatches these here). */
export const REMOTE_COMMANDS = new Set(COMMANDS.map((c) => c.name));

/** The client commands' part of `onebox --help`. */
export const remoteUsage = () => `${tableSummary(COMMANDS)}\n\nGlobal flags: -o, --output table|json|yaml; --no-wait (long operations); -h, --help.\n${EXIT_CODES_TEXT}`;

/** Finds the command of `argv`: its path, spec and remaining words; or help text to print. */
function resolve(argv: string[]): { path: string[]; cmd: CommandSpec; rest: string[] } | { help: string; exit: number } {
  const [name, ...rest] = argv;
  const top = COMMANDS.find((c) => c.name === name);
  if (!top) throw new UsageError(`unknown command '${name}'`);
  if (!isGroup(top)) return { path: [], cmd: top, rest };
  const [sub, ...more] = rest;
  if (sub === undefined) return { help: groupHelp(top), exit: EXIT.usage };
  if (sub === '--help' || sub === '-h' || sub === 'help') return { help: groupHelp(top), exit: EXIT.ok };
  const cmd = top.commands.find((c) => c.name === sub);
  if (!cmd) throw new UsageError(`'${top.name}' has no command '${sub}'`, groupHelp(top));
  return { path: [top.name], cmd, rest: more };
}

/** Takes the command's own boolean flags out of `argv`; the rest is passed on as it is. */
function parsePassThrough(path: string[], cmd: CommandSpec, argv: string[]) {
  const own = new Map<string, string>(flagsOf(cmd).flatMap((f) => [[`--${f.name}`, f.name] as [string, string], ...(f.short ? [[`-${f.short}`, f.name] as [string, string]] : [])]));
  const flags: Record<string, boolean> = {};
  const rest = argv.filter((a) => (own.has(a) ? !(flags[own.get(a) ?? ''] = true) : true));
  return flags.help ? { help: commandHelp(path, cmd) } : { args: {}, flags, rest };
}

/** Parses flags and positional arguments of one command. */
function parse(path: string[], cmd: CommandSpec, argv: string[]) {
  if (cmd.passThrough) return parsePassThrough(path, cmd, argv);
  const usage = commandHelp(path, cmd);
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: Object.fromEntries(flagsOf(cmd).map((f) => [f.name, { type: f.type, ...(f.short ? { short: f.short } : {}), ...(f.multiple ? { multiple: true } : {}) }])),
    });
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err), usage);
  }
  const { values, positionals } = parsed;
  if (values.help) return { help: usage };
  const specs = cmd.args ?? [];
  if (positionals.length > specs.length) throw new UsageError(`unexpected argument '${positionals[specs.length]}'`, usage);
  const args: Record<string, string | undefined> = {};
  specs.forEach((a, i) => {
    const v = positionals[i];
    if (v === undefined && !a.optional) throw new UsageError(`${a.name} is missing`, usage);
    if (v !== undefined && a.values && !a.values.includes(v)) throw new UsageError(`${a.name} must be one of ${a.values.join(', ')}, not '${v}'`, usage);
    args[a.name] = v;
  });
  for (const f of flagsOf(cmd)) {
    const v = values[f.name];
    if (typeof v === 'string' && f.values && !f.values.includes(v)) throw new UsageError(`--${f.name} must be one of ${f.values.join(', ')}, not '${v}'`, usage);
  }
  return { args, flags: values as CommandContext['flags'], rest: [] as string[] };
}

/** Runs `onebox ARGV` for a table command; returns the exit code. */
export async function runRemote(argv: string[]): Promise<number> {
  let connection: Connection | undefined;
  let where = `onebox ${argv[0]}`;
  try {
    const found = resolve(argv);
    if (!('help' in found)) where = `onebox ${[...found.path, found.cmd.name].join(' ')}`;
    if ('help' in found) {
      (found.exit === EXIT.ok ? console.log : console.error)(found.help);
      return found.exit;
    }
    const parsed = parse(found.path, found.cmd, found.rest);
    if ('help' in parsed) {
      console.log(parsed.help);
      return EXIT.ok;
    }
    const output = (parsed.flags.output as OutputFormat | undefined) ?? 'table';
    if (!OUTPUT_FORMATS.includes(output)) throw new UsageError(`--output must be one of ${OUTPUT_FORMATS.join(', ')}`);
    const ctx: CommandContext = {
      ...parsed,
      output,
      wait: parsed.flags['no-wait'] !== true,
      connection(): Connection {
        connection ??= connectWith(requireConfig());
        return connection;
      },
      client(): ApiClient {
        return this.connection().client;
      },
      print: (value, columns) => console.log(render(value, output, columns)),
      say: (line) => (output === 'table' ? console.log(line) : console.error(line)),
    };
    return (await found.cmd.run(ctx)) ?? EXIT.ok;
  } catch (err) {
    return report(where, err);
  } finally {
    connection?.close();
  }
}

/** One line on stderr for a failure; its exit code. */
function report(where: string, err: unknown): number {
  if (err instanceof UsageError) {
    console.error(`${where}: ${err.message}${err.usage ? `\n\n${err.usage}` : ''}`);
    return EXIT.usage;
  }
  if (err instanceof ApiError) {
    if (err.status === 0) {
      console.error(`${where}: ${err.message} (${err.code})`);
      return EXIT.connection;
    }
    const fields = err.errors?.length ? ` [${err.errors.map((e) => `${e.field}: ${e.message}`).join('; ')}]` : '';
    console.error(`${where}: ${err.message}${fields} (${err.code})`);
    return err.code === 'invalid_token' || err.code === 'unauthenticated' ? EXIT.notLoggedIn : EXIT.api;
  }
  if (err instanceof CliError) {
    console.error(`${where}: ${err.message} (${err.code})`);
    return err.exitCode;
  }
  const code = err instanceof Error && 'code' in err && typeof err.code === 'string' ? err.code : undefined;
  if (err instanceof Error && code?.startsWith('E')) {
    console.error(`${where}: cannot reach the server: ${err.message} (${code})`);
    return EXIT.connection;
  }
  throw err;
}
