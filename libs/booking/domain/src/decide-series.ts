import { PolicyViolation, SlotTaken, ValidationFailed, type OccurrenceConflict } from './errors';
import { merge, type Interval } from './intervals';
import { checkSlotPolicy } from './room-policy';
import type { BookSeries } from './room-schedule.commands';
import type { BookingConfirmed, SeriesOccurrencesSkipped, SkippedOccurrence } from './room-schedule.events';
import {
  checkNotUnderMaintenance,
  conflictsOf,
  contextOf,
  intervalOf,
  optional,
  organizerFor,
  requireId,
  requireKnownRoom,
  requireOpenRoom,
  requireSlot,
  requireTitle,
  requireUnusedIds,
  spanOf,
} from './room-schedule.rules';
import type { RoomScheduleState } from './room-schedule.state';

/** More occurrences than this belong in several decisions (the booking window moves forward anyway). */
export const MAX_SERIES_OCCURRENCES = 500;

/**
 * Every occurrence of one meeting in this room, in one decision, in the order given; occurrences
 * also compete with the ones accepted before them. `all-or-nothing`: the first policy violation
 * is thrown as is; otherwise seat conflicts throw one `SlotTaken` listing every conflicting
 * occurrence. `skip-conflicts`: an occurrence refused by a policy rule or a conflict is skipped;
 * the rest are booked (`BookingConfirmed` each), then one `SeriesOccurrencesSkipped` says which
 * were skipped and why. Input errors, authorization and a retired room refuse the whole series.
 */
export const bookSeries = (
  command: BookSeries,
  state: RoomScheduleState,
): (BookingConfirmed | SeriesOccurrencesSkipped)[] => {
  const { now, actor, occurredAt } = contextOf(command.metadata);
  const { seriesId, title, meetingId, onConflict, occurrences } = command.data;
  requireId(seriesId, 'seriesId');
  requireTitle(title);
  if (command.data.organizerId !== undefined) requireId(command.data.organizerId, 'organizerId');
  if (onConflict !== 'all-or-nothing' && onConflict !== 'skip-conflicts')
    throw new ValidationFailed('onConflict', 'all-or-nothing or skip-conflicts');
  if (!Array.isArray(occurrences) || occurrences.length === 0 || occurrences.length > MAX_SERIES_OCCURRENCES)
    throw new ValidationFailed('occurrences', `1..${MAX_SERIES_OCCURRENCES} occurrences`);
  const slots = occurrences.map((occurrence, i) => {
    requireId(occurrence.bookingId, `occurrences[${i}].bookingId`);
    return requireSlot(occurrence, `occurrences[${i}].`);
  });
  const ids = occurrences.map((occurrence) => occurrence.bookingId);
  if (new Set(ids).size !== ids.length) throw new ValidationFailed('occurrences', 'distinct booking ids');
  const room = requireOpenRoom(requireKnownRoom(state));
  const organizerId = organizerFor(actor, command.data.organizerId);
  requireUnusedIds(room, ids, now);

  const accepted: Interval[] = [];
  const booked: BookingConfirmed[] = [];
  const skipped: SkippedOccurrence[] = [];
  const conflicting: OccurrenceConflict[] = [];
  occurrences.forEach(({ bookingId }, i) => {
    const slot = slots[i];
    const span = { bookingId, ...spanOf(slot) };
    try {
      checkSlotPolicy(room.policy, slot, now);
      checkNotUnderMaintenance(room, slot, now);
    } catch (error) {
      if (!(error instanceof PolicyViolation) || onConflict === 'all-or-nothing') throw error;
      skipped.push({ ...span, reason: { code: 'policy_violation', rule: error.rule } });
      return;
    }
    const conflicts = merge(conflictsOf(room, slot, now, { alsoTaken: accepted })).map(spanOf);
    if (conflicts.length > 0) {
      conflicting.push({ ...span, conflicts });
      skipped.push({ ...span, reason: { code: 'slot_taken', conflicts } });
      return;
    }
    accepted.push(slot);
    booked.push({
      type: 'BookingConfirmed',
      data: {
        roomId: room.roomId,
        ...span,
        organizerId,
        version: 1,
        title,
        ...optional('meetingId', meetingId),
        seriesId,
        occurredAt,
      },
    });
  });

  if (onConflict === 'all-or-nothing' && conflicting.length > 0) {
    const all = conflicting.flatMap((occurrence) => occurrence.conflicts.map(intervalOf));
    throw new SlotTaken(merge(all).map(spanOf), { occurrences: conflicting });
  }
  if (skipped.length === 0) return booked;
  return [
    ...booked,
    {
      type: 'SeriesOccurrencesSkipped',
      data: {
        roomId: room.roomId,
        seriesId,
        ...optional('meetingId', meetingId),
        organizerId,
        skipped,
        occurredAt,
      },
    },
  ];
};
