/**
 * First-run setup: the initial admin and, unless declined, a private NAT network for guests
 * (a /24 colliding with no route of any host) with an address pool, made the default compute
 * pool's network. This is the only place onebox sets up host networking without being asked
 * for a particular network.
 */
import type { Actor } from './actor.js';
import type { AddressPoolsService } from './address-pools.js';
import type { AuthService, PublicUser } from './auth.js';
import type { NetworksService } from './networks.js';
import type { PoolsService } from './pools.js';
import { formatIpv4, parseCidr } from '../shared/ipv4.js';

/** What the setup page sends. */
export interface SetupInput {
  username: string;
  password: string;
  setupCode?: string;
  network: { create: boolean; subnet?: string };
}

/** The first-run setup. */
export class SetupService {
  constructor(
    private readonly auth: AuthService,
    private readonly networks: NetworksService,
    private readonly addressPools: AddressPoolsService,
    private readonly pools: PoolsService,
  ) {}

  async run(input: SetupInput, ip: string): Promise<PublicUser> {
    this.auth.assertSetupAllowed(input.setupCode, ip);
    // Checked before the admin exists: a subnet that collides refuses the whole setup.
    const subnet = input.network.create ? (input.network.subnet ?? this.networks.chooseSubnet()) : undefined;
    if (subnet) this.networks.assertSubnetFree(subnet);
    const user = await this.auth.setupAdmin(input.username, input.password, input.setupCode, ip);
    if (subnet) await this.createFirstNetwork(subnet, { userId: user.id, username: user.username, role: user.role, ip });
    return user;
  }

  /** `default`: a NAT network, an address pool of .10–.199 (the top is the network's own DHCP), used by the default pool. */
  private async createFirstNetwork(subnet: string, actor: Actor): Promise<void> {
    const { network } = parseCidr(subnet) ?? { network: 0 };
    const net = await this.networks.create({ kind: 'nat', name: 'default', subnet }, actor);
    const pool = await this.addressPools.create(
      {
        name: 'default', network: net.id, mode: 'dhcp', gateway: net.gateway ?? formatIpv4(network + 1), dnsServers: [net.gateway ?? formatIpv4(network + 1)],
        ranges: [{ start: formatIpv4(network + 10), end: formatIpv4(network + 199), prefix: 24 }],
      },
      actor,
    );
    this.pools.setNetwork('default', { networkId: net.id, addressPoolId: pool.id }, actor);
  }
}
