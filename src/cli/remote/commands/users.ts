/** The users group (admins): accounts through the typed client's /users calls. */
import { UsageError } from '../errors.js';
import { field } from '../output.js';
import { askHidden, canAsk, readStdin } from '../prompt.js';
import type { CommandContext, FlagSpec, GroupSpec } from '../spec.js';

const COLUMNS = [field('username', 'USERNAME'), field('id', 'ID'), field('role', 'ROLE'), field('disabled', 'DISABLED'), field('displayName', 'NAME'), field('email', 'E-MAIL')];

const PASSWORD_STDIN: FlagSpec = { name: 'password-stdin', type: 'boolean', help: 'read the password from stdin (for scripts); else it is asked on the terminal' };
const ROLE: FlagSpec = { name: 'role', type: 'string', values: ['admin', 'user'], help: 'admin (everything) or user (rights through group memberships)' };
const DISPLAY_NAME: FlagSpec = { name: 'display-name', type: 'string', placeholder: 'NAME', help: 'the name people see' };
const EMAIL: FlagSpec = { name: 'email', type: 'string', placeholder: 'ADDRESS', help: 'an e-mail address' };

/** The new password: from stdin with --password-stdin, else asked twice on the terminal. */
async function newPassword(ctx: CommandContext): Promise<string> {
  if (ctx.flags['password-stdin']) return readStdin();
  if (!canAsk()) throw new UsageError('give the password with --password-stdin when there is no terminal to ask on');
  const first = await askHidden('New password: ');
  if ((await askHidden('Again: ')) !== first) throw new UsageError('the two passwords differ');
  return first;
}

/** A string flag's value, if given. */
const text = (ctx: CommandContext, name: string) => (typeof ctx.flags[name] === 'string' ? (ctx.flags[name] as string) : undefined);

/** --role, checked: admin or user. */
function roleFlag(ctx: CommandContext): 'admin' | 'user' | undefined {
  const role = text(ctx, 'role');
  if (role !== undefined && role !== 'admin' && role !== 'user') throw new UsageError(`--role must be admin or user, not '${role}'`);
  return role;
}

/** `onebox users …` */
export const USERS: GroupSpec = {
  name: 'users',
  summary: 'user accounts (admins): list, show, create, update, delete, reset-password',
  commands: [
    {
      name: 'list',
      summary: 'list the accounts (--prefix filters by username)',
      flags: [{ name: 'prefix', type: 'string', placeholder: 'TEXT', help: 'only usernames starting with this' }],
      output: true,
      run: async (ctx) => ctx.print(await ctx.client().users.list(text(ctx, 'prefix')), COLUMNS),
    },
    { name: 'show', summary: 'show one account (by username or id)', args: [{ name: 'USER' }], output: true, run: async (ctx) => ctx.print(await ctx.client().users.get(ctx.args.USER ?? '')) },
    {
      name: 'create',
      summary: 'create an account (the password follows the password rule)',
      args: [{ name: 'USERNAME' }],
      flags: [PASSWORD_STDIN, { ...ROLE, help: `${ROLE.help}; default user` }, DISPLAY_NAME, EMAIL],
      output: true,
      run: async (ctx) => {
        const role = roleFlag(ctx) ?? 'user';
        const password = await newPassword(ctx);
        ctx.print(await ctx.client().users.create({ username: ctx.args.USERNAME ?? '', password, role, displayName: text(ctx, 'display-name'), email: text(ctx, 'email') }));
      },
    },
    {
      name: 'update',
      summary: 'change the display name, e-mail or role, or disable/enable an account',
      args: [{ name: 'USER' }],
      flags: [ROLE, DISPLAY_NAME, EMAIL, { name: 'disable', type: 'boolean', help: 'disable: no login; sessions and tokens stop at once' }, { name: 'enable', type: 'boolean', help: 'enable again' }],
      output: true,
      run: async (ctx) => {
        if (ctx.flags.disable && ctx.flags.enable) throw new UsageError('give --disable or --enable, not both');
        const role = roleFlag(ctx);
        const change = {
          ...(role === undefined ? {} : { role }),
          ...(text(ctx, 'display-name') === undefined ? {} : { displayName: text(ctx, 'display-name') }),
          ...(text(ctx, 'email') === undefined ? {} : { email: text(ctx, 'email') }),
          ...(ctx.flags.disable ? { disabled: true } : ctx.flags.enable ? { disabled: false } : {}),
        };
        if (Object.keys(change).length === 0) throw new UsageError('nothing to change: give --role, --display-name, --email, --disable or --enable');
        ctx.print(await ctx.client().users.update(ctx.args.USER ?? '', change));
      },
    },
    {
      name: 'delete',
      summary: 'delete an account (not yourself, not the last enabled admin); what it made stays',
      args: [{ name: 'USER' }],
      run: async (ctx) => {
        await ctx.client().users.delete(ctx.args.USER ?? '');
        ctx.say(`Deleted ${ctx.args.USER}.`);
      },
    },
    {
      name: 'reset-password',
      summary: "set another account's password; its sessions end",
      args: [{ name: 'USER' }],
      flags: [PASSWORD_STDIN],
      run: async (ctx) => {
        await ctx.client().users.resetPassword(ctx.args.USER ?? '', await newPassword(ctx));
        ctx.say(`The password of ${ctx.args.USER} is set; their sessions ended.`);
      },
    },
  ],
};
