/** Errors of `bridge-setup`, each with a stable code; the CLI turns them into exit codes (and an API would into AppErrors). */

/** The stable codes of bridge-setup errors. */
export type BridgeSetupCode =
  | 'invalid_interface_name'
  | 'nic_not_found'
  | 'nic_is_loopback'
  | 'nic_not_ethernet'
  | 'nic_is_bridge'
  | 'nic_enslaved'
  | 'bridge_name_taken'
  | 'route_unsupported'
  | 'address_unsupported'
  | 'unexpected_ip_output'
  | 'bridge_setup_failed'
  | 'gateway_unreachable'
  | 'rollback_incomplete';

/** A refusal or failure of bridge-setup: a code and a sentence naming the offending value. */
export class BridgeSetupError extends Error {
  override name = 'BridgeSetupError';
  constructor(
    readonly code: BridgeSetupCode,
    message: string,
  ) {
    super(message);
  }
}
