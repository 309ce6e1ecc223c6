/** `onebox instances …`: list, show, create, power actions, delete, migration (targets and moves) and the serial console. */
import type { PowerAction } from '../../../shared/api-types.js';
import { UsageError } from '../errors.js';
import { field, type Column } from '../output.js';
import type { CommandContext, CommandSpec, GroupSpec } from '../spec.js';
import { waitOrPrint } from '../wait.js';
import { attachConsole } from './console.js';
import { CREATE_FLAGS, createInstance } from './instance-create.js';

/** Columns of the instance list. */
export const INSTANCE_COLUMNS: Column[] = [
  field('name', 'NAME'),
  field('id', 'ID'),
  field('state', 'STATE'),
  field('cores', 'CORES'),
  { heading: 'MEMORY', value: (r) => `${r.memoryMiB} MiB` },
  field('address', 'ADDRESS'),
  field('hostId', 'HOST'),
];

/** Columns of `migration-targets`: each host of the pool, whether it may take the instance now, and why not. */
export const MIGRATION_TARGET_COLUMNS: Column[] = [
  field('name', 'HOST'),
  field('hostId', 'ID'),
  { heading: 'FITS', value: (r) => (r.fits === true ? 'yes' : 'no') },
  { heading: 'REASONS', value: (r) => (Array.isArray(r.reasons) && r.reasons.length > 0 ? r.reasons.join('; ') : '-') },
];

const NAME = { name: 'NAME', complete: 'instances' } as const;

/** The instance after a change, printed. */
async function printInstance(ctx: CommandContext, id: string): Promise<void> {
  ctx.print(await ctx.client().instances.get(id));
}

/** A power action: waits for its operation when it answers with one, then prints the instance. */
const power = (action: PowerAction, summary: string): CommandSpec => ({
  name: action,
  summary,
  args: [NAME],
  output: true,
  long: true,
  async run(ctx) {
    const id = ctx.args.NAME ?? '';
    const result = await ctx.client().instances.act(id, action);
    if (result.operation && !(await waitOrPrint(ctx, result.operation))) return;
    await printInstance(ctx, result.instance?.id ?? id);
  },
});

/** The instances group. */
export const INSTANCES: GroupSpec = {
  name: 'instances',
  summary: 'virtual machines: list, show, create, start, stop, reboot, reset, delete, migration targets, migrate to another host, serial console',
  commands: [
    { name: 'list', summary: 'list the instances', output: true, run: async (ctx) => ctx.print(await ctx.client().instances.list(), INSTANCE_COLUMNS) },
    { name: 'show', summary: 'show one instance (by name or id)', args: [NAME], output: true, run: (ctx) => printInstance(ctx, ctx.args.NAME ?? '') },
    {
      name: 'create',
      summary: 'create an instance from an image (linked clone) or with a blank disk; data disks, NICs, cloud-init, host, QoS',
      args: [{ name: 'NAME' }],
      output: true,
      long: true,
      flags: CREATE_FLAGS,
      run: createInstance,
    },
    power('start', 'start an instance'),
    power('stop', 'stop an instance (ACPI; waits for the guest)'),
    power('reboot', 'reboot an instance (ACPI)'),
    power('reset', 'reset an instance (hard, like the reset button)'),
    {
      name: 'delete',
      summary: 'delete an instance with its disks',
      args: [NAME],
      output: true,
      long: true,
      async run(ctx) {
        const name = ctx.args.NAME ?? '';
        const done = await waitOrPrint(ctx, (await ctx.client().instances.delete(name)).operation);
        if (!done) return;
        if (ctx.output === 'table') console.log(`Deleted ${name}.`);
        else ctx.print(done);
      },
    },
    {
      name: 'migration-targets',
      summary: "the hosts of the instance's pool: whether each may take it now (migrate --host), and why not",
      args: [NAME],
      output: true,
      run: async (ctx) => ctx.print((await ctx.client().instances.migrationTargets(ctx.args.NAME ?? '')).items, MIGRATION_TARGET_COLUMNS),
    },
    {
      name: 'migrate',
      summary: 'move an instance to another host of its pool (stopped; running with --live)',
      args: [NAME],
      output: true,
      long: true,
      flags: [
        { name: 'host', type: 'string', placeholder: 'HOST', complete: 'hosts', help: 'the target host (name or id)' },
        { name: 'live', type: 'boolean', help: 'move it while it runs (live migration)' },
      ],
      async run(ctx) {
        const name = ctx.args.NAME ?? '';
        if (typeof ctx.flags.host !== 'string') throw new UsageError('give --host HOST (the target host)');
        const accepted = await ctx.client().instances.migrate(name, { hostId: ctx.flags.host, ...(ctx.flags.live === true ? { live: true } : {}) });
        if (!(await waitOrPrint(ctx, accepted.operation))) return;
        await printInstance(ctx, name);
      },
    },
    {
      name: 'console',
      summary: "attach the terminal to the instance's serial console (Ctrl-] detaches)",
      args: [NAME],
      run: (ctx) => attachConsole(ctx, ctx.args.NAME ?? ''),
    },
  ],
};
