/**
 * The command table of the CLI's client commands: `login`, resources, `completion`, `service`.
 * Parsing (run.ts), `--help` (help.ts) and the bash completion (completion.ts) all read it.
 */
import { USERS } from './commands/users.js';
import { installService, serviceStatus, uninstallService } from '../service.js';
import { IMAGES, MEDIA } from './commands/library.js';
import { INSTANCES } from './commands/instances.js';
import { INFRA, OPERATIONS, TOKENS } from './commands/infra.js';
import { LOGIN_COMMANDS } from './commands/login.js';
import { bashCompletion } from './completion.js';
import type { CommandSpec, GroupSpec, TopSpec } from './spec.js';

const SERVICE: GroupSpec = {
  name: 'service',
  summary: 'run onebox as a systemd service: install, uninstall, status',
  commands: [
    {
      name: 'install',
      summary: 'write /etc/systemd/system/onebox.service running `serve` with the flags given, enable and start it',
      passThrough: true,
      flags: [{ name: 'dry-run', type: 'boolean', help: 'print the unit instead of installing it' }],
      details: `Every other flag is a serve flag (see 'onebox serve --help'), e.g.
  onebox service install --data-dir /var/lib/onebox --port 5870
The unit restarts onebox on failure. Where systemd does not run, nothing is written.`,
      run: async (ctx) => installService(ctx.rest, ctx.flags['dry-run'] === true),
    },
    { name: 'uninstall', summary: 'stop, disable and remove the onebox service', run: async () => uninstallService() },
    { name: 'status', summary: "systemd's status of the onebox service", run: async () => serviceStatus() },
  ],
};

const COMPLETION: CommandSpec = {
  name: 'completion',
  summary: 'print a shell completion script: source <(onebox completion bash)',
  args: [{ name: 'SHELL', values: ['bash'] }],
  run: async () => {
    process.stdout.write(bashCompletion(COMMANDS));
  },
};

/** Every client command, in the order `onebox --help` lists them. */
export const COMMANDS: TopSpec[] = [...LOGIN_COMMANDS, INSTANCES, IMAGES, MEDIA, ...INFRA, USERS, TOKENS, OPERATIONS, COMPLETION, SERVICE];
