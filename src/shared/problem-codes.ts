/**
 * Every error code the API answers with, and its HTTP status: the one catalogue. Services can
 * only raise codes listed here (AppError is typed by it), and the UI translates them by code.
 */
export const PROBLEM_CODES = {
  // 400: the request is malformed or a value is out of range
  validation_failed: 400, invalid_json: 400, empty_upload: 400, upload_interrupted: 400, unsupported_image_format: 400,
  image_corrupt: 400, image_has_backing_file: 400, image_has_data_file: 400, not_an_iso: 400, disk_smaller_than_image: 400,
  cloud_init_needs_image: 400, password_too_weak: 400, console_token_missing: 400, address_pool_invalid: 400, address_outside_ranges: 400,
  address_needs_pool: 400, invalid_interface_name: 400, maximum_below_current: 400, mount_point_invalid: 400,
  checksum_mismatch: 400, url_not_allowed: 400,
  batch_too_large: 400,
  csr_invalid: 400, join_token_invalid: 401, join_token_expired: 410, join_token_used: 410, join_token_not_found: 404, join_needs_onebox_tls: 409, host_is_local: 409,
  // 401, 403: who you are and what you may do
  unauthenticated: 401, invalid_token: 401, invalid_credentials: 401, console_token_invalid: 401, console_token_expired: 401, token_expired: 401,
  forbidden: 403, csrf_token_invalid: 403, account_disabled: 403, current_password_wrong: 403, setup_code_invalid: 403, origin_not_allowed: 403,
  // 404: what does not exist
  route_not_found: 404, action_not_found: 404, instance_not_found: 404, image_not_found: 404, media_not_found: 404,
  host_not_found: 404, compute_pool_not_found: 404, storage_pool_not_found: 404, operation_not_found: 404, api_token_not_found: 404,
  network_not_found: 404, address_pool_not_found: 404, nic_not_found: 404, disk_not_found: 404, snapshot_not_found: 404,
  group_not_found: 404, role_not_found: 404,
  user_not_found: 404, session_not_found: 404,
  // 409: conflicts with the current state
  ambiguous_name: 409, setup_already_done: 409, instance_name_taken: 409, image_name_taken: 409, media_name_taken: 409,
  pool_name_taken: 409, storage_pool_taken: 409, invalid_instance_state: 409, instance_busy: 409, instance_needs_repair: 409,
  instance_not_running: 409, domain_missing: 409, stop_timed_out: 409, image_in_use: 409, media_in_use: 409, host_has_instances: 409,
  pool_is_default: 409, pool_not_empty: 409, storage_pool_is_default: 409, storage_pool_in_use: 409, data_dir_locked: 409,
  network_name_taken: 409, network_in_use: 409, subnet_in_use: 409, bridge_in_use: 409, address_pool_name_taken: 409, address_ranges_overlap: 409,
  address_pool_in_use: 409, address_range_in_use: 409, address_pool_exhausted: 409, address_taken: 409, mac_taken: 409, pool_addresses_allocated: 409,
  instance_must_be_stopped: 409, host_busy: 409, nic_is_loopback: 409, nic_not_ethernet: 409, nic_is_bridge: 409, nic_enslaved: 409,
  bridge_name_taken: 409, route_unsupported: 409, address_unsupported: 409, resource_change_refused: 409,
  too_many_disks: 409, disk_cannot_shrink: 409, system_disk_not_removable: 409, disk_change_refused: 409,
  instance_has_no_image: 409, instance_image_gone: 409, image_not_ready: 409,
  guest_agent_unavailable: 409, guest_password_refused: 409,
  snapshot_name_taken: 409, snapshot_has_children: 409, snapshot_memory_needs_running: 409, snapshot_memory_unsupported_storage: 409, snapshot_memory_failed: 409, snapshot_restore_failed: 409, instance_has_snapshots: 409,
  batch_items_failed: 409,
  migration_same_host: 409, migration_unsupported: 409, migration_target_unfit: 409,
  live_migration_failed: 409, live_migration_cancelled: 409, migration_cancelled: 409, evacuation_cancelled: 409, image_import_cancelled: 409, migration_target_not_empty: 409, operation_not_cancellable: 409,
  group_name_taken: 409, group_not_empty: 409, group_is_default: 409, role_name_taken: 409, role_in_use: 409, role_is_built_in: 409,
  username_taken: 409, user_is_self: 409, last_admin: 409,
  // 410, 413, 415, 421, 426, 429: transport and lifecycle
  file_missing: 410, body_too_large: 413, upload_too_large: 413, unsupported_media_type: 415, misdirected_request: 421,
  websocket_required: 426, rate_limited: 429, range_not_satisfiable: 416,
  // 500-507: the server, its hosts and their resources
  internal_error: 500, hypervisor_error: 502, transfer_failed: 502, storage_error: 502, console_unreachable: 502, bridge_setup_failed: 502,
  gateway_unreachable: 502, download_failed: 502, rollback_incomplete: 502, change_incomplete: 502,
  hypervisor_unavailable: 503, host_offline: 503, seed_build_failed: 503, hypervisor_timeout: 504,
  no_host_available: 507, insufficient_storage: 507,
} as const satisfies Record<string, number>;

/** A stable error code of the API. */
export type ProblemCode = keyof typeof PROBLEM_CODES;

/** The HTTP status of a code. */
export function statusOf(code: ProblemCode): number {
  return PROBLEM_CODES[code];
}

/** True when `code` is in the catalogue (e.g. a code stored by an older version). */
export function isProblemCode(code: string): code is ProblemCode {
  return Object.hasOwn(PROBLEM_CODES, code);
}
