/**
 * The shape of the CLI's command table (commands.ts): every command, its arguments and flags.
 * Parsing, `--help` and the bash completion script are all generated from it.
 */
import type { ApiClient } from '../../shared/api-client.js';
import type { Connection } from './connect.js';
import type { Column, OutputFormat } from './output.js';

/** What a name argument or flag value completes to: a resource kind (names from the server), a file, or fixed words. */
export type Completion = 'instances' | 'images' | 'media' | 'pools' | 'hosts' | 'networks' | 'address-pools' | 'tokens' | 'operations' | 'file';

/** One positional argument. */
export interface ArgSpec {
  name: string;
  optional?: boolean;
  complete?: Completion;
  /** Fixed values (also what completion offers). */
  values?: readonly string[];
}

/** One `--flag`. */
export interface FlagSpec {
  name: string;
  type: 'string' | 'boolean';
  help: string;
  short?: string;
  /** What a string flag's value is called in the help (default VALUE). */
  placeholder?: string;
  values?: readonly string[];
  complete?: Completion;
  /** A string flag that may be given more than once (its value is then a list). */
  multiple?: boolean;
}

/** What a command's handler gets. */
export interface CommandContext {
  args: Record<string, string | undefined>;
  flags: Record<string, string | string[] | boolean | undefined>;
  output: OutputFormat;
  /** False with --no-wait. */
  wait: boolean;
  /** The words a passThrough command did not take. */
  rest: string[];
  /** The API client of the stored login (fails with "log in first" when there is none). */
  client(): ApiClient;
  /** The connection behind client(): its pinned agent, server and token. */
  connection(): Connection;
  /** Prints API objects in the chosen format (lists as a table of `columns`). */
  print(value: unknown, columns?: Column[]): void;
  /** Prints a line for people: to stdout in table format, to stderr for json/yaml (so stdout stays parseable). */
  say(line: string): void;
}

/** A command that runs. Returns its exit code (0 unless it says otherwise). */
export interface CommandSpec {
  name: string;
  summary: string;
  args?: ArgSpec[];
  flags?: FlagSpec[];
  /** Takes --output. */
  output?: boolean;
  /** Starts a long operation: takes --no-wait. */
  long?: boolean;
  /** More lines for its --help. */
  details?: string;
  /** Words it does not know (flags included) are passed on in `rest` instead of refused (`service install [serve flags]`). */
  passThrough?: boolean;
  run(ctx: CommandContext): Promise<number | void>;
}

/** A command with subcommands (`instances list`). */
export interface GroupSpec {
  name: string;
  summary: string;
  commands: CommandSpec[];
}

/** A top-level entry: a group or a command. */
export type TopSpec = GroupSpec | CommandSpec;

/** Whether a top-level entry is a group. */
export const isGroup = (spec: TopSpec): spec is GroupSpec => 'commands' in spec;

/** The flags every command of the table takes, by need. */
export const OUTPUT_FLAG: FlagSpec = { name: 'output', short: 'o', type: 'string', placeholder: 'FORMAT', values: ['table', 'json', 'yaml'], help: 'table (default), json or yaml' };
/** --no-wait. */
export const NO_WAIT_FLAG: FlagSpec = { name: 'no-wait', type: 'boolean', help: 'return the operation id at once instead of waiting' };
/** --help. */
export const HELP_FLAG: FlagSpec = { name: 'help', short: 'h', type: 'boolean', help: 'show this help' };

/** All flags a command accepts, common ones included. */
export function flagsOf(cmd: CommandSpec): FlagSpec[] {
  return [...(cmd.flags ?? []), ...(cmd.output ? [OUTPUT_FLAG] : []), ...(cmd.long ? [NO_WAIT_FLAG] : []), HELP_FLAG];
}
