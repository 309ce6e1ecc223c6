/** `onebox __names KIND`: resource names for shell completion, one a line; silent when it cannot ask the server. */
import type { ApiClient } from '../../shared/api-client.js';
import { readConfig } from './config-store.js';
import { connectWith } from './connect.js';
import type { Completion } from './spec.js';

const LISTS: Partial<Record<Completion, (c: ApiClient) => Promise<{ id: string; name?: string }[]>>> = {
  instances: (c) => c.instances.list(),
  images: (c) => c.images.list(),
  media: (c) => c.media.list(),
  pools: (c) => c.pools.list(),
  hosts: (c) => c.hosts.list(),
  networks: (c) => c.networks.list(),
  'address-pools': (c) => c.addressPools.list(),
  tokens: (c) => c.tokens.list(),
  operations: (c) => c.operations.list(50),
};

/** Prints the names (or ids where there are no names) of `kind`; always exits 0. */
export async function printNames(kind: string | undefined): Promise<number> {
  const list = LISTS[kind as Completion];
  const config = readConfig();
  if (!list || !config) return 0;
  const conn = connectWith(config);
  try {
    const rows = await Promise.race([list(conn.client), new Promise<never>((_, reject) => setTimeout(() => reject(new Error('slow')), 3000).unref())]);
    for (const row of rows) console.log(kind === 'operations' ? row.id : (row.name ?? row.id));
  } catch {
    // completion stays quiet
  } finally {
    conn.close();
  }
  return 0;
}
