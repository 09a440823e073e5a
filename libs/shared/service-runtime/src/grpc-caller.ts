import { randomUUID } from 'node:crypto';
import type { Metadata } from '@grpc/grpc-js';
import { context, propagation } from '@opentelemetry/api';

/**
 * The gRPC metadata the gateway sets on every call to a service: who is asking and which decision this
 * is. Services trust it because only the gateway reaches them (see the services' protos).
 */
export const CallerMetadata = {
  userId: 'x-roomledger-user-id',
  /** Comma-separated. */
  roles: 'x-roomledger-roles',
  /** Optional: names the decision, so the same id sent again appends nothing twice. */
  commandId: 'x-roomledger-command-id',
} as const;

export interface Caller {
  readonly userId: string;
  readonly roles: readonly string[];
}

/** The caller's identity; throws `unauthenticated` (a typed error the gRPC filter maps) when absent. */
export function callerOf(metadata: Metadata): Caller {
  const userId = metadataText(metadata, CallerMetadata.userId);
  if (!userId) {
    throw Object.assign(new Error(`missing ${CallerMetadata.userId} metadata`), { code: 'unauthenticated' });
  }
  const roles = (metadataText(metadata, CallerMetadata.roles) ?? '')
    .split(',')
    .map((role) => role.trim())
    .filter(Boolean);
  return { userId, roles };
}

/** The caller's command id, or a fresh one for this request. */
export function commandIdOf(metadata: Metadata): string {
  return metadataText(metadata, CallerMetadata.commandId) ?? randomUUID();
}

/** The active trace context as event metadata (`traceparent`, `tracestate`), so relays can continue the trace. */
export function traceContext(): { traceparent?: string; tracestate?: string } {
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return {
    ...(carrier.traceparent ? { traceparent: carrier.traceparent } : {}),
    ...(carrier.tracestate ? { tracestate: carrier.tracestate } : {}),
  };
}

/** A metadata value as a non-empty string, or `undefined`. */
export function metadataText(metadata: Metadata, key: string): string | undefined {
  const value = metadata.get(key)[0];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** A request field as a non-empty string, or `undefined` (proto3 sends '' for an unset string). */
export function optionalText(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}
