/** Read-mostly groups: pools, hosts, networks, address pools; API tokens; operations. */
import type { ApiClient } from '../../../shared/api-client.js';
import { CliError } from '../errors.js';
import { field, type Column } from '../output.js';
import type { CommandSpec, Completion, GroupSpec } from '../spec.js';
import { follow, OPERATION_COLUMNS, waitOrPrint } from '../wait.js';
import { intFlag } from '../flags.js';

/** A `list` and a `show NAME` over two client calls. */
function listShow(name: string, summary: string, kind: Completion, columns: Column[], list: (c: ApiClient) => Promise<unknown[]>, get: (c: ApiClient, id: string) => Promise<unknown>): GroupSpec {
  return {
    name,
    summary,
    commands: [
      { name: 'list', summary: `list the ${summary.split(':')[0]}`, output: true, run: async (ctx) => ctx.print(await list(ctx.client()), columns) },
      { name: 'show', summary: 'show one (by name or id)', args: [{ name: 'NAME', complete: kind }], output: true, run: async (ctx) => ctx.print(await get(ctx.client(), ctx.args.NAME ?? '')) },
    ],
  };
}

/** The group with more commands after its list and show. */
const withCommands = (group: GroupSpec, ...more: CommandSpec[]): GroupSpec => ({ ...group, commands: [...group.commands, ...more] });

const ID_NAME = [field('name', 'NAME'), field('id', 'ID')];

/** pools, hosts, networks, address-pools. */
export const INFRA: GroupSpec[] = [
  listShow('pools', 'compute pools: list, show', 'pools', [...ID_NAME, field('cpuOvercommit', 'CPU-OVERCOMMIT'), field('memoryOvercommit', 'MEM-OVERCOMMIT'), field('networkId', 'NETWORK'), field('cpuModel', 'CPU-MODEL')], (c) => c.pools.list(), (c, id) => c.pools.get(id)),
  withCommands(listShow('hosts', 'hosts: list, show, evacuate', 'hosts', [...ID_NAME, field('address', 'ADDRESS'), field('enabled', 'ENABLED'), field('accel', 'ACCEL'), field('cpus', 'CPUS'), { heading: 'MEMORY', value: (r) => `${r.memoryMiB} MiB` }], (c) => c.hosts.list(), (c, id) => c.hosts.get(id)), {
    name: 'evacuate',
    summary: 'disable a host for scheduling and move every instance off it (a progress bar on a terminal)',
    args: [{ name: 'HOST', complete: 'hosts' }],
    flags: [{ name: 'to', type: 'string', placeholder: 'HOST', complete: 'hosts', help: 'send everything to this host (default: the scheduler picks per instance)' }],
    output: true,
    long: true,
    async run(ctx) {
      const to = typeof ctx.flags.to === 'string' ? ctx.flags.to : undefined;
      const accepted = await ctx.client().hosts.evacuate(ctx.args.HOST ?? '', to === undefined ? {} : { hostId: to });
      const done = await waitOrPrint(ctx, accepted.operation);
      if (!done) return;
      const items = (done.result as { items?: Record<string, unknown>[] } | null)?.items ?? [];
      ctx.print(items, [field('name', 'INSTANCE'), field('state', 'STATE'), field('errorCode', 'ERROR'), field('operationId', 'OPERATION')]);
    },
  }),
  listShow('networks', 'guest networks: list, show', 'networks', [...ID_NAME, field('kind', 'KIND'), field('bridge', 'BRIDGE'), field('subnet', 'SUBNET')], (c) => c.networks.list(), (c, id) => c.networks.get(id)),
  listShow('address-pools', 'address pools: list, show', 'address-pools', [...ID_NAME, field('mode', 'MODE'), field('gateway', 'GATEWAY'), field('allocated', 'ALLOCATED'), field('size', 'SIZE')], (c) => c.addressPools.list(), (c, id) => c.addressPools.get(id)),
];

/** The id of a token given by id or name. */
async function tokenId(client: ApiClient, idOrName: string): Promise<string> {
  const tokens = await client.tokens.list();
  const byId = tokens.find((t) => t.id === idOrName);
  if (byId) return byId.id;
  const named = tokens.filter((t) => t.name === idOrName);
  if (named.length === 1) return named[0].id;
  if (named.length > 1) throw new CliError(`${named.length} tokens are named '${idOrName}': revoke one by its id (${named.map((t) => t.id).join(', ')}).`, 'api_token_ambiguous');
  throw new CliError(`No API token has the id or name '${idOrName}'.`, 'api_token_not_found');
}

/** The tokens group. */
export const TOKENS: GroupSpec = {
  name: 'tokens',
  summary: 'your API tokens: list, create, revoke',
  commands: [
    { name: 'list', summary: 'list your API tokens (never their secrets)', output: true, run: async (ctx) => ctx.print(await ctx.client().tokens.list(), [...ID_NAME, field('role', 'ROLE'), field('createdAt', 'CREATED'), field('lastUsedAt', 'LAST-USED'), field('expiresAt', 'EXPIRES')]) },
    {
      name: 'create',
      summary: 'create an API token; its secret is printed this once',
      args: [{ name: 'NAME' }],
      flags: [
        { name: 'expires-in-days', type: 'string', placeholder: 'DAYS', help: 'refused after this many days (default: never)' },
        { name: 'role', type: 'string', placeholder: 'ROLE', help: 'a narrower role the token acts with (operator, viewer or a custom role)' },
      ],
      output: true,
      run: async (ctx) => {
        const role = typeof ctx.flags.role === 'string' ? ctx.flags.role : undefined;
        const token = await ctx.client().tokens.create({ name: ctx.args.NAME ?? '', expiresInDays: intFlag(ctx, 'expires-in-days'), role });
        if (ctx.output === 'table') console.log(`${token.token}\n(the id is ${token.id}; the secret is shown only now)`);
        else ctx.print(token);
      },
    },
    {
      name: 'revoke',
      summary: 'revoke an API token (by id or name), at once',
      args: [{ name: 'TOKEN', complete: 'tokens' }],
      run: async (ctx) => {
        const client = ctx.client();
        await client.tokens.delete(await tokenId(client, ctx.args.TOKEN ?? ''));
        ctx.say(`Revoked ${ctx.args.TOKEN}.`);
      },
    },
  ],
};

const watch: CommandSpec = {
  name: 'watch',
  summary: 'follow an operation until it ends (a progress bar on a terminal); fails when it failed',
  args: [{ name: 'ID', complete: 'operations' }],
  output: true,
  run: async (ctx) => {
    const client = ctx.client();
    ctx.print(await follow(client, await client.operations.get(ctx.args.ID ?? '')));
  },
};

const cancel: CommandSpec = {
  name: 'cancel',
  summary: 'cancel a running operation that takes a cancel (a live migration: the instance stays on its host)',
  args: [{ name: 'ID', complete: 'operations' }],
  run: async (ctx) => {
    const op = await ctx.client().operations.cancel(ctx.args.ID ?? '');
    ctx.say(`Cancelling ${op.id} (${op.kind}); \`onebox operations watch ${op.id}\` follows it to its end.`);
  },
};

/** The operations group. */
export const OPERATIONS: GroupSpec = {
  name: 'operations',
  summary: 'long tasks: list, watch, cancel',
  commands: [
    {
      name: 'list',
      summary: 'list the newest operations',
      output: true,
      flags: [{ name: 'limit', type: 'string', placeholder: 'N', help: 'how many (default 50)' }],
      run: async (ctx) => ctx.print(await ctx.client().operations.list(intFlag(ctx, 'limit', 50)), OPERATION_COLUMNS),
    },
    watch,
    cancel,
  ],
};
