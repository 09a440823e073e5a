import { AlreadyExists, NotFound, SlotTaken, ValidationFailed } from './errors';
import { merge, overlaps } from './intervals';
import { normalizeRoomPolicy, occupied } from './room-policy';
import type { ApplyRoomPolicy, BlockForMaintenance, LiftMaintenance } from './room-schedule.commands';
import type {
  BookingCancelled,
  MaintenanceBlockLifted,
  MaintenanceBlockPlaced,
  RoomPolicyApplied,
} from './room-schedule.events';
import {
  contextOf,
  findBlock,
  intervalOf,
  liveBookings,
  optional,
  requireAdmin,
  requireId,
  requireKnownRoom,
  requireOpenRoom,
  requirePlainText,
  requireSlot,
  spanOf,
} from './room-schedule.rules';
import type { RoomScheduleState } from './room-schedule.state';

/** The room itself: maintenance blocks and the replicated policy. */

/**
 * A block takes the whole room whatever its seats. Confirmed bookings and live holds whose time
 * (buffers included) it touches are refused with `slot_taken`, or with `force` cancelled in the
 * same decision, after the `MaintenanceBlockPlaced` that explains them.
 */
export const blockForMaintenance = (
  command: BlockForMaintenance,
  state: RoomScheduleState,
): (MaintenanceBlockPlaced | BookingCancelled)[] => {
  const { now, actor, occurredAt } = contextOf(command.metadata);
  const { blockId, reason, force = false } = command.data;
  requireId(blockId, 'blockId');
  if (reason !== undefined) requirePlainText(reason, 'reason');
  const slot = requireSlot(command.data);
  if (slot.end <= now) throw new ValidationFailed('end', 'in the future');
  const room = requireOpenRoom(requireKnownRoom(state));
  requireAdmin(actor, 'block a room for maintenance');
  if (findBlock(room, blockId, now)) throw new AlreadyExists(blockId);

  const inTheWay = liveBookings(room, now).filter((booking) =>
    overlaps(occupied(room.policy, intervalOf(booking)), slot),
  );
  if (inTheWay.length > 0 && !force)
    throw new SlotTaken(
      merge(inTheWay.map((booking) => occupied(room.policy, intervalOf(booking)))).map(spanOf),
      {
        bookingIds: inTheWay.map((booking) => booking.bookingId),
      },
    );

  const placed: MaintenanceBlockPlaced = {
    type: 'MaintenanceBlockPlaced',
    data: {
      roomId: room.roomId,
      blockId,
      ...spanOf(slot),
      placedBy: actor.userId,
      ...optional('reason', reason),
      cancelledBookingIds: inTheWay.map((booking) => booking.bookingId),
      occurredAt,
    },
  };
  const cancelled = inTheWay.map(
    ({ bookingId, start, end, organizerId, version, status }): BookingCancelled => ({
      type: 'BookingCancelled',
      data: {
        roomId: room.roomId,
        bookingId,
        start,
        end,
        organizerId,
        version: version + 1,
        previousStatus: status === 'held' ? 'held' : 'confirmed',
        cancelledBy: actor.userId,
        reason: 'maintenance',
        maintenanceBlockId: blockId,
        occurredAt,
      },
    }),
  );
  return [placed, ...cancelled];
};

export const liftMaintenance = (
  command: LiftMaintenance,
  state: RoomScheduleState,
): MaintenanceBlockLifted[] => {
  const { now, actor, occurredAt } = contextOf(command.metadata);
  const room = requireKnownRoom(state);
  requireAdmin(actor, 'lift a maintenance block');
  const block = findBlock(room, command.data.blockId, now);
  if (!block) throw new NotFound('maintenance_block', command.data.blockId);
  return [
    {
      type: 'MaintenanceBlockLifted',
      data: { roomId: room.roomId, ...block, liftedBy: actor.userId, occurredAt },
    },
  ];
};

/**
 * Replicates the room service's policy. Not authorized here: only the room-events consumer sends
 * it. An identical policy yields nothing. A new policy never rewrites existing bookings; it
 * governs the decisions that follow.
 */
export const applyRoomPolicy = (command: ApplyRoomPolicy, state: RoomScheduleState): RoomPolicyApplied[] => {
  const { occurredAt } = contextOf(command.metadata);
  const roomId = requireId(command.data.roomId, 'roomId');
  const policy = normalizeRoomPolicy(command.data.policy);
  if (state.status !== 'unknown') {
    if (state.roomId !== roomId)
      throw new ValidationFailed('roomId', `this schedule belongs to ${state.roomId}`);
    if (JSON.stringify(state.policy) === JSON.stringify(policy)) return [];
  }
  return [{ type: 'RoomPolicyApplied', data: { roomId, policy, occurredAt } }];
};
