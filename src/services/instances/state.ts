/** How the hypervisor's view of a domain becomes the state users see. Pure. */
import type { DomainRunState } from '../../hypervisor/types.js';

import type { InstanceState } from '../../shared/instance-states.js';

export type { InstanceState };

/** Maps a domain's run state (or its absence) to the instance state and a reason. */
export function stateFromDomain(domain: DomainRunState | undefined, domainName: string): { state: InstanceState; reason: string } {
  switch (domain) {
    case undefined:
      return { state: 'error', reason: `The virtual machine '${domainName}' is missing on its host (removed outside onebox?).` };
    case 'running':
    case 'blocked':
    case 'shutdown':
      return { state: 'running', reason: '' };
    case 'paused':
    case 'pmsuspended':
      return { state: 'paused', reason: '' };
    case 'crashed':
      return { state: 'error', reason: 'The guest crashed.' };
    case 'shutoff':
    case 'nostate':
      return { state: 'stopped', reason: '' };
  }
}
