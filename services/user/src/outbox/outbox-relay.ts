import { TableOutboxRelay, type TableOutboxRelayOptions } from '@roomledger/messaging';
import { OUTBOX_CHANNEL, SCHEMA } from '../persistence/schema';

/**
 * Publishes `user_service.outbox` to `user.events.v1` (USER_EVENTS_TOPIC), keyed by user id so one
 * user's events stay in order. The shared table outbox relay does the work (one leader by lease, in
 * order, marked only after Kafka acknowledged); the outbox's statement trigger NOTIFYs
 * `user_service_outbox` on commit, which wakes the leader whichever instance wrote the rows.
 */
export class OutboxRelay extends TableOutboxRelay {
  constructor(
    options: Omit<
      TableOutboxRelayOptions,
      'table' | 'keyColumn' | 'tracestateColumn' | 'service' | 'notifyChannel'
    >,
  ) {
    super({
      ...options,
      table: `${SCHEMA}.outbox`,
      keyColumn: 'user_id',
      tracestateColumn: true,
      service: 'user',
      notifyChannel: OUTBOX_CHANNEL,
    });
  }
}
