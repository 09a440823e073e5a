import fc from 'fast-check';
import { DomainError } from './errors';
import { DAY_MS, MINUTE_MS, isoOf, msOf } from './instants';
import { roomSchedule } from './room-schedule';
import type { RoomScheduleCommand } from './room-schedule.commands';
import type { RoomScheduleEvent } from './room-schedule.events';
import {
  createEvolve,
  fromRoomScheduleSnapshot,
  isForgotten,
  toRoomScheduleSnapshot,
  type RoomScheduleState,
} from './room-schedule.state';

/**
 * Random command sequences over a small time grid, in a room with 1 or 3 seats and with or
 * without buffers. A brute-force model (an explicit list of entries, occupancy counted point by
 * point on the grid) predicts every outcome, and the decider must agree: it accepts exactly what
 * the model accepts, with the same events, and refuses with the same code. After each accepted
 * decision the folded state never has more live entries at once than seats (so none overlap with
 * one seat) and none under maintenance. The same commands on a state that never prunes, and on
 * the state after a round trip through its snapshot encoding and JSON, decide the same.
 */
describe('RoomSchedule against a brute-force model', () => {
  it('never overbooks and refuses exactly the conflicts the model finds', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(1, 3),
        fc.constantFrom(0, 15),
        fc.array(operation, { minLength: 1, maxLength: 40, size: 'max' }),
        run,
      ),
      { numRuns: 200 },
    );
  });
});

// Fixtures: the grid, the operations and the model.
const SLOT = 15 * MINUTE_MS;
const T0 = msOf('2026-03-02T00:00:00Z');
const actor = { userId: 'alice', roles: ['admin'] };
const keepEverything = createEvolve(Infinity);

const offset = fc.integer({ min: 0, max: 12 });
const length = fc.integer({ min: 1, max: 6 });
/** Which of the most recent bookings or blocks a command addresses (0 = the latest). */
const pick = fc.nat({ max: 4 });
const operation = fc.oneof(
  fc.record({ kind: fc.constant('hold' as const), offset, length, ttl: fc.integer({ min: 1, max: 4 }) }),
  fc.record({ kind: fc.constant('direct' as const), offset, length }),
  fc.record({ kind: fc.constantFrom('confirm' as const, 'cancel' as const, 'expire' as const), pick }),
  fc.record({
    kind: fc.constant('reschedule' as const),
    pick,
    offset: fc.integer({ min: -2, max: 12 }),
    length,
    keepStart: fc.boolean(),
  }),
  fc.record({ kind: fc.constant('block' as const), offset, length, force: fc.boolean() }),
  fc.record({ kind: fc.constant('lift' as const), pick }),
  fc.record({
    kind: fc.constant('series' as const),
    occurrences: fc.array(fc.record({ offset, length }), { minLength: 1, maxLength: 4 }),
    skip: fc.boolean(),
  }),
  {
    arbitrary: fc.record({
      kind: fc.constant('advance' as const),
      // Mostly minutes; now and then more than a day, so that pruning happens.
      slots: fc.oneof(
        { arbitrary: fc.integer({ min: 1, max: 4 }), weight: 6 },
        fc.integer({ min: 40, max: 120 }),
      ),
    }),
    weight: 3,
  },
);
type Operation = typeof operation extends fc.Arbitrary<infer O> ? O : never;

interface Entry {
  status: 'held' | 'confirmed' | 'cancelled' | 'expired';
  start: number;
  end: number;
  expiresAt: number;
}
interface Model {
  seats: number;
  buffer: number;
  bookings: Map<string, Entry>;
  blocks: Map<string, { start: number; end: number }>;
  everBooked: string[];
  everBlocked: string[];
}
type Outcome = { refused: string } | { accepted: string[] };

function run(seats: number, bufferMinutes: number, operations: Operation[]) {
  const model: Model = {
    seats,
    buffer: bufferMinutes * MINUTE_MS,
    bookings: new Map(),
    blocks: new Map(),
    everBooked: [],
    everBlocked: [],
  };
  let now = T0;
  const policyCommand: RoomScheduleCommand = {
    type: 'ApplyRoomPolicy',
    data: {
      roomId: 'room-1',
      policy: {
        capacity: 10,
        seats,
        timeZone: 'UTC',
        bufferBeforeMinutes: bufferMinutes,
        bufferAfterMinutes: bufferMinutes,
      },
    },
    metadata: { commandId: 'policy', actor, now: isoOf(now) },
  };
  let state = roomSchedule
    .decide(policyCommand, roomSchedule.initialState())
    .reduce(roomSchedule.evolve, roomSchedule.initialState());
  let complete = state;

  operations.forEach((op, step) => {
    if (op.kind === 'advance') {
      now += op.slots * SLOT;
      return;
    }
    const command = commandFor(op, step, now, model);
    const actual = outcome(command, state);
    expect(describeOutcome(actual)).toEqual(predict(command, model, now));
    expect(describeOutcome(outcome(command, complete))).toEqual(describeOutcome(actual));
    expect(describeOutcome(outcome(command, throughSnapshot(state)))).toEqual(describeOutcome(actual));
    if ('events' in actual) {
      for (const event of actual.events) {
        const next = roomSchedule.evolve(state, event);
        // The same state with nothing remembered about it (as read from a snapshot) evolves alike.
        expect(roomSchedule.evolve(throughSnapshot(state), event)).toEqual(next);
        state = next;
        complete = keepEverything(complete, event);
        applyToModel(model, event);
      }
      expectNoOverbooking(state, now, model);
    }
  });
}

function commandFor(
  op: Exclude<Operation, { kind: 'advance' }>,
  step: number,
  now: number,
  model: Model,
): RoomScheduleCommand {
  const metadata = { commandId: `c${step}`, actor, now: isoOf(now) };
  const at = (slots: number) => isoOf(now + slots * SLOT);
  const chosen = (ids: string[], index: number) =>
    ids.length === 0 ? 'missing' : ids[ids.length - 1 - (index % ids.length)];
  switch (op.kind) {
    case 'hold':
      return {
        type: 'PlaceHold',
        data: {
          bookingId: `b${step}`,
          start: at(op.offset),
          end: at(op.offset + op.length),
          title: 't',
          ttlSeconds: (op.ttl * SLOT) / 1000,
        },
        metadata,
      };
    case 'direct':
      return {
        type: 'BookDirectly',
        data: { bookingId: `b${step}`, start: at(op.offset), end: at(op.offset + op.length), title: 't' },
        metadata,
      };
    case 'confirm':
      return { type: 'ConfirmBooking', data: { bookingId: chosen(model.everBooked, op.pick) }, metadata };
    case 'cancel':
      return { type: 'CancelBooking', data: { bookingId: chosen(model.everBooked, op.pick) }, metadata };
    case 'expire':
      return { type: 'ExpireHold', data: { bookingId: chosen(model.everBooked, op.pick) }, metadata };
    case 'reschedule': {
      const bookingId = chosen(model.everBooked, op.pick);
      const current = model.bookings.get(bookingId);
      const start = op.keepStart && current ? current.start : now + op.offset * SLOT;
      return {
        type: 'RescheduleBooking',
        data: { bookingId, start: isoOf(start), end: isoOf(start + op.length * SLOT) },
        metadata,
      };
    }
    case 'block':
      return {
        type: 'BlockForMaintenance',
        data: { blockId: `m${step}`, start: at(op.offset), end: at(op.offset + op.length), force: op.force },
        metadata,
      };
    case 'lift':
      return { type: 'LiftMaintenance', data: { blockId: chosen(model.everBlocked, op.pick) }, metadata };
    case 'series':
      return {
        type: 'BookSeries',
        data: {
          seriesId: `s${step}`,
          title: 't',
          onConflict: op.skip ? 'skip-conflicts' : 'all-or-nothing',
          occurrences: op.occurrences.map((o, k) => ({
            bookingId: `s${step}-${k}`,
            start: at(o.offset),
            end: at(o.offset + o.length),
          })),
        },
        metadata,
      };
  }
}

/** What the model expects, in the same words as `describeOutcome`. */
function predict(command: RoomScheduleCommand, model: Model, now: number): Outcome {
  const refused = (code: string): Outcome => ({ refused: code });
  const accepted = (...events: string[]): Outcome => ({ accepted: events });
  const known = (id: string) => {
    const entry = model.bookings.get(id);
    return entry && entry.end >= now - DAY_MS ? entry : undefined;
  };
  const span = (data: { start: string; end: string }) => ({ start: msOf(data.start), end: msOf(data.end) });
  switch (command.type) {
    case 'PlaceHold':
    case 'BookDirectly': {
      const slot = span(command.data);
      const blocked = placementProblem(model, now, slot, [], command.data.bookingId);
      if (blocked) return refused(blocked);
      const expiresAt = command.type === 'PlaceHold' ? now + command.data.ttlSeconds * 1000 : undefined;
      return accepted(
        eventLine(
          command.type === 'PlaceHold' ? 'HoldPlaced' : 'BookingConfirmed',
          command.data.bookingId,
          slot,
          expiresAt,
        ),
      );
    }
    case 'ConfirmBooking': {
      const entry = known(command.data.bookingId);
      if (!entry) return refused('not_found');
      if (entry.status === 'confirmed') return accepted();
      if (entry.status === 'cancelled') return refused('invalid_booking_state');
      if (entry.status === 'expired' || entry.expiresAt <= now) return refused('hold_expired');
      return accepted(eventLine('BookingConfirmed', command.data.bookingId, entry));
    }
    case 'CancelBooking': {
      const entry = known(command.data.bookingId);
      if (!entry) return refused('not_found');
      if (entry.status === 'cancelled' || entry.status === 'expired') return accepted();
      if (entry.status === 'held' && entry.expiresAt <= now) return accepted();
      if (entry.status === 'confirmed' && entry.end <= now) return refused('invalid_booking_state');
      return accepted(eventLine('BookingCancelled', command.data.bookingId, entry));
    }
    case 'ExpireHold': {
      const entry = known(command.data.bookingId);
      return entry?.status === 'held' && entry.expiresAt <= now
        ? accepted(eventLine('HoldExpired', command.data.bookingId, entry))
        : accepted();
    }
    case 'RescheduleBooking': {
      const { bookingId } = command.data;
      const entry = known(bookingId);
      const slot = span(command.data);
      if (!entry) return refused('not_found');
      if (entry.status !== 'confirmed' || entry.end <= now) return refused('invalid_booking_state');
      if (slot.end < now) return refused('validation_failed');
      if (slot.start === entry.start && slot.end === entry.end) return accepted();
      if (slot.start !== entry.start && slot.start < now) return refused('policy_violation:too_soon');
      const shrinks = slot.start >= entry.start && slot.end <= entry.end;
      const blocked = shrinks ? undefined : placementProblem(model, now, slot, [], bookingId);
      return blocked ? refused(blocked) : accepted(eventLine('BookingRescheduled', bookingId, slot));
    }
    case 'BlockForMaintenance': {
      const block = span(command.data);
      const inTheWay = [...liveEntries(model, now)]
        .filter(([, e]) => overlapsOn(occupied(model, e), block))
        .map(([id]) => id);
      if (inTheWay.length > 0 && !command.data.force) return refused('slot_taken');
      return accepted(
        `MaintenanceBlockPlaced ${command.data.blockId} ${minutes(block)} cancels ${inTheWay.join(',')}`,
        ...inTheWay.map((id) => eventLine('BookingCancelled', id, model.bookings.get(id)!)),
      );
    }
    case 'LiftMaintenance': {
      const block = model.blocks.get(command.data.blockId);
      return block && block.end >= now - DAY_MS
        ? accepted(`MaintenanceBlockLifted ${command.data.blockId}`)
        : refused('not_found');
    }
    case 'BookSeries': {
      const taken: { start: number; end: number }[] = [];
      const events: string[] = [];
      const skipped: string[] = [];
      let conflicting = false;
      for (const occurrence of command.data.occurrences) {
        const slot = span(occurrence);
        const problem = placementProblem(model, now, slot, taken, '');
        if (problem?.startsWith('policy_violation') && command.data.onConflict === 'all-or-nothing')
          return refused(problem);
        if (problem) {
          conflicting ||= problem === 'slot_taken';
          skipped.push(occurrence.bookingId);
          continue;
        }
        taken.push(slot);
        events.push(eventLine('BookingConfirmed', occurrence.bookingId, slot));
      }
      if (command.data.onConflict === 'all-or-nothing')
        return conflicting ? refused('slot_taken') : accepted(...events);
      return accepted(
        ...events,
        ...(skipped.length > 0 ? [`SeriesOccurrencesSkipped ${skipped.join(',')}`] : []),
      );
    }
    case 'ApplyRoomPolicy':
      throw new Error('not generated');
  }
}

/** Maintenance first, then seats: brute force over every grid point the slot (with buffers) covers. */
function placementProblem(
  model: Model,
  now: number,
  slot: { start: number; end: number },
  taken: { start: number; end: number }[],
  self: string,
) {
  const needed = occupied(model, slot);
  if ([...model.blocks.values()].some((block) => overlapsOn(block, needed)))
    return 'policy_violation:under_maintenance';
  const others = [
    ...liveEntries(model, now)
      .filter(([id]) => id !== self)
      .map(([, e]) => e),
    ...taken,
  ].map((e) => occupied(model, e));
  for (let point = needed.start; point < needed.end; point += SLOT)
    if (others.filter((o) => o.start <= point && point < o.end).length + 1 > model.seats) return 'slot_taken';
  return undefined;
}

function liveEntries(model: Model, now: number) {
  return [...model.bookings].filter(
    ([, e]) => e.status === 'confirmed' || (e.status === 'held' && e.expiresAt > now),
  );
}
function occupied(model: Model, e: { start: number; end: number }) {
  return { start: e.start - model.buffer, end: e.end + model.buffer };
}
/** Brute force: do the two share a grid point? */
function overlapsOn(a: { start: number; end: number }, b: { start: number; end: number }) {
  for (let point = a.start; point < a.end; point += SLOT) if (b.start <= point && point < b.end) return true;
  return false;
}
function minutes(slot: { start: number; end: number }) {
  return `${(slot.start - T0) / MINUTE_MS}-${(slot.end - T0) / MINUTE_MS}`;
}
function eventLine(type: string, id: string, slot: { start: number; end: number }, expiresAt?: number) {
  return `${type} ${id} ${minutes(slot)}${expiresAt === undefined ? '' : ` until ${(expiresAt - T0) / MINUTE_MS}`}`;
}

/** The state as a handler saves it in a snapshot and a fresh one reads it back. */
function throughSnapshot(state: RoomScheduleState): RoomScheduleState {
  return fromRoomScheduleSnapshot(JSON.parse(JSON.stringify(toRoomScheduleSnapshot(state))));
}

function outcome(
  command: RoomScheduleCommand,
  state: RoomScheduleState,
): { events: RoomScheduleEvent[] } | { error: DomainError } {
  try {
    return { events: roomSchedule.decide(command, state) };
  } catch (error) {
    if (error instanceof DomainError) return { error };
    throw error;
  }
}

function describeOutcome(result: ReturnType<typeof outcome>): Outcome {
  if ('error' in result) {
    const { error } = result;
    return { refused: 'rule' in error ? `${error.code}:${String(error.rule)}` : error.code };
  }
  return {
    accepted: result.events.map((event) => {
      const interval = (data: { start: string; end: string }) => ({
        start: msOf(data.start),
        end: msOf(data.end),
      });
      switch (event.type) {
        case 'HoldPlaced':
          return eventLine(
            event.type,
            event.data.bookingId,
            interval(event.data),
            msOf(event.data.expiresAt),
          );
        case 'BookingConfirmed':
        case 'BookingCancelled':
        case 'HoldExpired':
        case 'BookingRescheduled':
          return eventLine(event.type, event.data.bookingId, interval(event.data));
        case 'MaintenanceBlockPlaced':
          return `${event.type} ${event.data.blockId} ${minutes(interval(event.data))} cancels ${event.data.cancelledBookingIds.join(',')}`;
        case 'MaintenanceBlockLifted':
          return `${event.type} ${event.data.blockId}`;
        case 'SeriesOccurrencesSkipped':
          return `${event.type} ${event.data.skipped.map((s) => s.bookingId).join(',')}`;
        case 'RoomPolicyApplied':
          return event.type;
      }
    }),
  };
}

function applyToModel(model: Model, event: RoomScheduleEvent) {
  const entry = (id: string) => model.bookings.get(id)!;
  switch (event.type) {
    case 'HoldPlaced':
    case 'BookingConfirmed': {
      const { bookingId, start, end } = event.data;
      if (!model.bookings.has(bookingId)) model.everBooked.push(bookingId);
      const expiresAt = event.type === 'HoldPlaced' ? msOf(event.data.expiresAt) : Infinity;
      model.bookings.set(bookingId, {
        status: event.type === 'HoldPlaced' ? 'held' : 'confirmed',
        start: msOf(start),
        end: msOf(end),
        expiresAt,
      });
      return;
    }
    case 'BookingCancelled':
      entry(event.data.bookingId).status = 'cancelled';
      return;
    case 'HoldExpired':
      entry(event.data.bookingId).status = 'expired';
      return;
    case 'BookingRescheduled':
      Object.assign(entry(event.data.bookingId), {
        start: msOf(event.data.start),
        end: msOf(event.data.end),
      });
      return;
    case 'MaintenanceBlockPlaced':
      model.blocks.set(event.data.blockId, { start: msOf(event.data.start), end: msOf(event.data.end) });
      model.everBlocked.push(event.data.blockId);
      return;
    case 'MaintenanceBlockLifted':
      model.blocks.delete(event.data.blockId);
      return;
    case 'RoomPolicyApplied':
    case 'SeriesOccurrencesSkipped':
      return;
  }
}

/** The invariant, read from the decider's own folded state and counted point by point. */
function expectNoOverbooking(state: RoomScheduleState, now: number, model: Model) {
  if (state.status === 'unknown') throw new Error('room unknown');
  const live = [...state.bookings.values()]
    .filter((b) => b.status === 'confirmed' || (b.status === 'held' && msOf(b.expiresAt) > now))
    .map((b) => occupied(model, { start: msOf(b.start), end: msOf(b.end) }));
  const blocks = [...state.maintenance.values()].map((b) => ({ start: msOf(b.start), end: msOf(b.end) }));
  let mostAtOnce = 0;
  let underMaintenance = 0;
  for (const entry of live)
    for (let point = entry.start; point < entry.end; point += SLOT) {
      mostAtOnce = Math.max(mostAtOnce, live.filter((o) => o.start <= point && point < o.end).length);
      if (blocks.some((b) => b.start <= point && point < b.end)) underMaintenance += 1;
    }
  expect(mostAtOnce).toBeLessThanOrEqual(model.seats);
  expect(underMaintenance).toBe(0);
  // Evolve and the model agree on what is live, apart from what the decider has forgotten.
  const sorted = (ids: string[]) => ids.sort().join(',');
  const liveInState = [...state.bookings.values()].filter(
    (b) =>
      !isForgotten(b, state, now) &&
      (b.status === 'confirmed' || (b.status === 'held' && msOf(b.expiresAt) > now)),
  );
  const liveInModel = liveEntries(model, now).filter(([, e]) => e.end >= now - DAY_MS);
  expect(sorted(liveInState.map((b) => b.bookingId))).toEqual(sorted(liveInModel.map(([id]) => id)));
}
