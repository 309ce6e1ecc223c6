/** Following long operations: a progress bar on a terminal, the final row, or the id with --no-wait. */
import type { ApiClient } from '../../shared/api-client.js';
import type { Operation } from '../../shared/api-types.js';
import { field, type Column } from './output.js';
import { progressBar } from './progress.js';
import type { CommandContext } from './spec.js';

/** Columns of an operation list. */
export const OPERATION_COLUMNS: Column[] = [field('id', 'ID'), field('kind', 'KIND'), field('targetId', 'TARGET'), field('state', 'STATE'), { heading: 'PROGRESS', value: (r) => `${r.progress}%` }, field('message', 'MESSAGE')];

/** Waits for `op`, drawing its progress on a terminal; throws the API's error when it failed. */
export async function follow(client: ApiClient, op: Operation): Promise<Operation> {
  const bar = progressBar();
  try {
    return await client.operations.wait(op, (o) => bar.update(o.progress / 100, `${o.kind} ${o.message}`.slice(0, 60)));
  } finally {
    bar.done();
  }
}

/**
 * Either prints the operation at once (--no-wait: its id in a table, the object in json/yaml) and
 * returns undefined, or waits for it and returns its final row.
 */
export async function waitOrPrint(ctx: CommandContext, op: Operation): Promise<Operation | undefined> {
  if (!ctx.wait) {
    if (ctx.output === 'table') console.log(op.id);
    else ctx.print(op);
    return undefined;
  }
  return follow(ctx.client(), op);
}
