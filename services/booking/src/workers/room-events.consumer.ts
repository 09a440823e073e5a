import { ValidationFailed, type RoomPolicyInput } from '@roomledger/booking-domain';
import { runInboxConsumer, type EventEnvelope, type InboxConsumer } from '@roomledger/messaging';
import type { Kafka } from 'kafkajs';
import type { Pool } from 'pg';
import type { Logger } from 'pino';
import type { BookingApplication } from '../booking.application';
import { upsertRoomProfile, type RoomProfilePayload } from '../directory/directory';

/** The part of a `room.events.v1` payload the schedule needs (the whole room travels with every event). */
interface RoomEventPayload {
  readonly roomId: string;
  readonly capacity: number;
  readonly seats: number;
  readonly timeZone: string;
  readonly openingHours?: RoomPolicyInput['openingHours'];
  readonly closures?: RoomPolicyInput['closures'];
  readonly retired?: boolean;
  readonly policy?: Partial<
    Pick<
      RoomPolicyInput,
      | 'minDurationMinutes'
      | 'maxDurationMinutes'
      | 'bookingWindowDays'
      | 'minNoticeMinutes'
      | 'bufferBeforeMinutes'
      | 'bufferAfterMinutes'
    >
  >;
}

/** A room event's payload as the schedule's policy input. */
export function policyFromRoomEvent(payload: unknown): { roomId: string; policy: RoomPolicyInput } {
  const room = payload as RoomEventPayload;
  if (typeof room?.roomId !== 'string' || room.roomId === '') {
    throw new ValidationFailed('roomId', 'a room event must name its room');
  }
  return {
    roomId: room.roomId,
    policy: {
      capacity: room.capacity,
      seats: room.seats,
      timeZone: room.timeZone,
      openingHours: room.openingHours ?? [],
      closures: room.closures ?? [],
      retired: room.retired ?? false,
      ...room.policy,
    },
  };
}

/**
 * The room policy replica: every `room.events.v1` event becomes an `ApplyRoomPolicy` decision on the
 * room's schedule stream. The command id is the event id, so a redelivered message decides nothing
 * new (and the decider ignores a policy equal to the current one). A message whose policy is invalid
 * fails the same way on every attempt and ends in `room.events.v1.dlq`. The room's descriptive profile
 * (building, amenities, capacity: what the scheduling assistant matches rooms on) is kept in
 * `booking_directory.room_profiles` in the inbox's own transaction.
 */
export function runRoomEventsConsumer(options: {
  kafka: Kafka;
  pool: Pool;
  application: BookingApplication;
  logger: Logger;
  groupId: string;
  /** `room.events.v1` unless configured otherwise. */
  topic: string;
}): Promise<InboxConsumer> {
  return runInboxConsumer({
    kafka: options.kafka,
    pool: options.pool,
    groupId: options.groupId,
    topics: [options.topic],
    schema: 'booking_inbox',
    logger: options.logger,
    maxAttempts: 5,
    handler: async (client, _message, envelope: EventEnvelope) => {
      const { roomId, policy } = policyFromRoomEvent(envelope.data);
      await upsertRoomProfile(client, envelope.data as RoomProfilePayload);
      await options.application.applyRoomPolicy(`room-event:${envelope.id}`, roomId, policy, {
        correlationId: envelope.id,
        causationId: envelope.id,
        ...(envelope.traceparent ? { traceparent: envelope.traceparent } : {}),
      });
    },
  });
}
