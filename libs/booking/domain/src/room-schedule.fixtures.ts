/**
 * Builders shared by the RoomSchedule specifications (test code; not exported from the library).
 * Defaults describe one ordinary day: room-1 in UTC, open on weekdays 07:00-20:00, now is
 * Monday 2026-03-02 08:00Z, alice holds or books 10:00-11:00 as `b1`.
 */
import type { Actor, CommandMetadata, RoomScheduleCommand } from './room-schedule.commands';
import type {
  BookingCancelled,
  BookingConfirmed,
  BookingRescheduled,
  HoldExpired,
  HoldPlaced,
  MaintenanceBlockLifted,
  MaintenanceBlockPlaced,
  RoomPolicyApplied,
} from './room-schedule.events';
import type { RoomPolicy } from './room-policy';
import { isoOf, msOf, MINUTE_MS } from './instants';
import type { IsoInstant } from './instants';

export const ROOM = 'room-1';
export const DAY = '2026-03-02';

/** `at('10:00')` is 10:00 UTC on the fixture day; `at('10:00', '2026-03-03')` the next day. */
export const at = (time: string, day = DAY): IsoInstant => `${day}T${time}:00Z`;
export const plusMinutes = (instant: IsoInstant, minutes: number): IsoInstant =>
  isoOf(msOf(instant) + minutes * MINUTE_MS);

export const NOW = at('08:00');

export const alice: Actor = { userId: 'alice', roles: [] };
export const bob: Actor = { userId: 'bob', roles: [] };
export const ada: Actor = { userId: 'ada', roles: ['admin'] };

export const policy = (overrides: Partial<RoomPolicy> = {}): RoomPolicy => ({
  capacity: 8,
  seats: 1,
  timeZone: 'UTC',
  openingHours: (['mon', 'tue', 'wed', 'thu', 'fri'] as const).map((weekday) => ({
    weekday,
    opens: '07:00',
    closes: '20:00',
  })),
  closures: [],
  minDurationMinutes: 15,
  maxDurationMinutes: 480,
  bookingWindowDays: 30,
  minNoticeMinutes: 15,
  bufferBeforeMinutes: 0,
  bufferAfterMinutes: 0,
  retired: false,
  ...overrides,
});

type By = { by?: Actor; at?: IsoInstant };
const split = <T extends By>(args: T) => {
  const { by = alice, at: now = NOW, ...data } = args;
  const metadata: CommandMetadata = { commandId: 'command-1', actor: by, now };
  return { data, metadata };
};
const command =
  <C extends RoomScheduleCommand>(type: C['type'], defaults: Partial<C['data']>) =>
  (args: Partial<C['data']> & By = {}): C => {
    const { data, metadata } = split(args);
    return { type, data: { ...defaults, ...data }, metadata } as C;
  };

const slot = { bookingId: 'b1', start: at('10:00'), end: at('11:00') };

export const placeHold = command('PlaceHold', { ...slot, title: 'Planning', ttlSeconds: 300 });
export const bookDirectly = command('BookDirectly', { ...slot, title: 'Planning' });
export const confirmBooking = command('ConfirmBooking', { bookingId: 'b1' });
export const cancelBooking = command('CancelBooking', { bookingId: 'b1' });
export const expireHold = command('ExpireHold', { bookingId: 'b1' });
export const rescheduleBooking = command('RescheduleBooking', { ...slot });
export const blockForMaintenance = command('BlockForMaintenance', {
  blockId: 'm1',
  start: at('09:00'),
  end: at('12:00'),
});
export const liftMaintenance = command('LiftMaintenance', { blockId: 'm1' });
export const applyRoomPolicy = command('ApplyRoomPolicy', { roomId: ROOM, policy: policy() });
export const bookSeries = command('BookSeries', {
  seriesId: 's1',
  title: 'Weekly sync',
  onConflict: 'all-or-nothing',
  occurrences: [],
});

/** Events as the decider writes them; `occurredAt` defaults to NOW. */
export const policyApplied = (p: RoomPolicy = policy(), occurredAt = at('00:00')): RoomPolicyApplied => ({
  type: 'RoomPolicyApplied',
  data: { roomId: ROOM, policy: p, occurredAt },
});

const booking = {
  roomId: ROOM,
  bookingId: 'b1',
  start: at('10:00'),
  end: at('11:00'),
  organizerId: 'alice',
  occurredAt: NOW,
};

export const holdPlaced = (data: Partial<HoldPlaced['data']> = {}): HoldPlaced => ({
  type: 'HoldPlaced',
  data: {
    ...booking,
    version: 1,
    title: 'Planning',
    heldBy: data.organizerId ?? 'alice',
    expiresAt: plusMinutes(data.occurredAt ?? NOW, 5),
    ...data,
  },
});

export const bookingConfirmed = (data: Partial<BookingConfirmed['data']> = {}): BookingConfirmed => ({
  type: 'BookingConfirmed',
  data: { ...booking, version: 1, title: 'Planning', ...data },
});

export const bookingCancelled = (data: Partial<BookingCancelled['data']> = {}): BookingCancelled => ({
  type: 'BookingCancelled',
  data: { ...booking, version: 2, previousStatus: 'confirmed', cancelledBy: 'alice', ...data },
});

export const holdExpired = (data: Partial<HoldExpired['data']> = {}): HoldExpired => ({
  type: 'HoldExpired',
  data: { ...booking, version: 2, expiresAt: at('08:05'), occurredAt: at('08:05'), ...data },
});

export const bookingRescheduled = (data: Partial<BookingRescheduled['data']> = {}): BookingRescheduled => ({
  type: 'BookingRescheduled',
  data: {
    ...booking,
    version: 2,
    status: 'confirmed',
    previous: { start: at('10:00'), end: at('11:00') },
    rescheduledBy: 'alice',
    ...data,
  },
});

export const maintenancePlaced = (
  data: Partial<MaintenanceBlockPlaced['data']> = {},
): MaintenanceBlockPlaced => ({
  type: 'MaintenanceBlockPlaced',
  data: {
    roomId: ROOM,
    blockId: 'm1',
    start: at('09:00'),
    end: at('12:00'),
    placedBy: 'ada',
    cancelledBookingIds: [],
    occurredAt: NOW,
    ...data,
  },
});

export const maintenanceLifted = (
  data: Partial<MaintenanceBlockLifted['data']> = {},
): MaintenanceBlockLifted => ({
  type: 'MaintenanceBlockLifted',
  data: {
    roomId: ROOM,
    blockId: 'm1',
    start: at('09:00'),
    end: at('12:00'),
    liftedBy: 'ada',
    occurredAt: NOW,
    ...data,
  },
});
