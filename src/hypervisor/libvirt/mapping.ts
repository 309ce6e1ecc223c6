/**
 * Pure translations between libvirt's numbers and strings and onebox's hypervisor types:
 * domain states, lifecycle event kinds, UUID bytes, version numbers, and the VNC endpoint
 * of a live domain XML.
 */
import type { DomainRunState } from '../types.js';

const STATES: readonly DomainRunState[] = ['nostate', 'running', 'blocked', 'paused', 'shutdown', 'shutoff', 'crashed', 'pmsuspended'];

/** virDomainState number → DomainRunState. */
export function runStateOf(state: number): DomainRunState {
  return STATES[state] ?? 'nostate';
}

const EVENTS = ['defined', 'undefined', 'started', 'suspended', 'resumed', 'stopped', 'shutdown', 'pmsuspended', 'crashed'];

/** virDomainEventType number → event name ('started', 'stopped', ...). */
export function lifecycleEventName(event: number): string {
  return EVENTS[event] ?? `unknown-${event}`;
}

/** 16 UUID bytes → canonical lower-case text. */
export function formatUuid(bytes: Uint8Array): string {
  const hex = Buffer.from(bytes).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** libvirt's packed version (major * 1,000,000 + minor * 1,000 + micro) → "major.minor.micro". */
export function formatVersion(v: bigint | number): string {
  const n = Number(v);
  return `${Math.floor(n / 1_000_000)}.${Math.floor(n / 1000) % 1000}.${n % 1000}`;
}

/** Reads an attribute of an element's opening tag text. */
function attr(tag: string, name: string): string | undefined {
  const m = new RegExp(`\\s${name}=(['"])(.*?)\\1`).exec(tag);
  return m?.[2];
}

/** The VNC host and port in a live domain XML, or undefined when there is no live VNC server. */
export function parseVncEndpoint(xml: string): { host: string; port: number } | undefined {
  for (const m of xml.matchAll(/<graphics\b[^>]*>/g)) {
    const tag = m[0];
    if (attr(tag, 'type') !== 'vnc') continue;
    const port = Number(attr(tag, 'port'));
    if (!Number.isInteger(port) || port <= 0) return undefined;
    return { host: attr(tag, 'listen') ?? '127.0.0.1', port };
  }
  return undefined;
}
