import { TableOutboxRelay, type TableOutboxRelayOptions } from '@roomledger/messaging';
import { SCHEMA } from '../persistence/schema';

/**
 * Publishes `notification.outbox` to `notification.events.v1` (NOTIFICATION_EVENTS_TOPIC), keyed by
 * notification id so one delivery's events (failed, failed, sent) stay in order. The shared table
 * outbox relay does the work (one leader by lease, in order, marked only after Kafka acknowledged); it
 * is woken in-process when this instance records an outcome, and polls for rows other instances wrote.
 */
export class OutboxRelay extends TableOutboxRelay {
  constructor(options: Omit<TableOutboxRelayOptions, 'table' | 'keyColumn' | 'service'>) {
    super({ ...options, table: `${SCHEMA}.outbox`, keyColumn: 'notification_id', service: 'notification' });
  }
}
