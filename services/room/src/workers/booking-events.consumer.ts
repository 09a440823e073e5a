import {
  runInboxConsumer,
  type EventEnvelope,
  type InboxConsumer,
  type InboxMetrics,
} from '@roomledger/messaging';
import type { Kafka } from 'kafkajs';
import type { Pool } from 'pg';
import type { Logger } from 'pino';
import { ROOM_BUSY_SCHEMA, applyBookingEvent } from '../read-model/busy-intervals';

const CE_TYPE = /^roomledger\.booking\.([a-z-]+)\.v1$/;

/**
 * Busy intervals from the booking service's public feed: each `booking.events.v1` message is applied
 * in the inbox's transaction (deduplicated by `ce_id`), so its effect is exactly once; rows keep the
 * room stream's revision, so redelivery and replays never move one backwards. A message that keeps
 * failing (a payload breaking the contract) ends in `booking.events.v1.dlq`.
 */
export function runBookingEventsConsumer(options: {
  kafka: Kafka;
  pool: Pool;
  logger: Logger;
  groupId: string;
  /** `booking.events.v1` unless configured otherwise. */
  topic: string;
  metrics?: InboxMetrics;
}): Promise<InboxConsumer> {
  return runInboxConsumer({
    kafka: options.kafka,
    pool: options.pool,
    groupId: options.groupId,
    topics: [options.topic],
    schema: ROOM_BUSY_SCHEMA,
    logger: options.logger,
    maxAttempts: 5,
    metrics: options.metrics,
    handler: async (client, _message, envelope: EventEnvelope) => {
      const name = CE_TYPE.exec(envelope.type)?.[1];
      if (!name) return; // not a booking event of this contract version: nothing to apply
      if (typeof envelope.data !== 'object' || envelope.data === null) {
        throw new Error(`${envelope.type}: the value is not a JSON object`);
      }
      await applyBookingEvent(client, {
        name,
        data: envelope.data as Record<string, unknown>,
        receivedAt: new Date(),
      });
    },
  });
}
