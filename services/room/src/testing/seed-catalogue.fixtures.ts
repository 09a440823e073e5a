/**
 * A seeded room catalogue for the search, shared by `search.int.spec.ts` and
 * `scripts/bench/room-search.bench.ts`: 2,000 rooms (a deterministic pseudo-random mix of buildings
 * A–E, each in its own time zone, floors, capacities 2–30, amenities with and without `projector`,
 * buffers, shared rooms, a few changed and a few retired), registered through the room service's own
 * gRPC API, and bookings on a few hundred of them published on `booking.events.v1` exactly as the
 * booking service's relay publishes them (its `toKafkaMessage`, `ce_source /roomledger/booking`, key =
 * room id, one stream revision per room). Beside the seed: a brute-force model of the search (plain
 * TypeScript over what was seeded) to compare the service's answers with.
 *
 * Times: every room's bookings are placed around "tomorrow 14:00" on the wall clock of the room's own
 * time zone (its anchor); the scenario names say that local time. Search windows are instants, made
 * from a building's zone with {@link tomorrowIn}.
 */
import { encodeCheckpoint, uuidV5, type RecordedEvent } from '@roomledger/event-store';
import { toKafkaMessage } from '@roomledger/messaging';
import type { Kafka, Message } from 'kafkajs';
import type { Pool } from 'pg';
import { Temporal } from 'temporal-polyfill';
import { ROOM_BUSY_SCHEMA } from '../read-model/busy-intervals';
import { ROOM_READ_SCHEMA } from '../read-model/room-read.projection';

export const BOOKING_EVENTS_TOPIC = 'booking.events.v1';
/** Each building keeps one time zone, as a real building does. */
export const BUILDING_ZONES = {
  A: 'Europe/Berlin',
  B: 'Europe/London',
  C: 'America/New_York',
  D: 'Asia/Tokyo',
  E: 'UTC',
} as const;
export type Building = keyof typeof BUILDING_ZONES;

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
/** Namespace of the seed's event, booking and block ids (a random v4 UUID, fixed). */
const SEED_NAMESPACE = '5b0e7a64-4b6e-4d43-9a57-36f0c3a1d2e8';
const BOOKING_SOURCE = '/roomledger/booking';

/** A room as `RegisterRoom` takes it (the `RoomSpec` message, camelCase). */
export interface SeedRoomSpec {
  readonly name: string;
  readonly building: Building;
  readonly floor: string;
  readonly capacity: number;
  readonly seats: number;
  readonly timeZone: string;
  readonly amenities: readonly string[];
  readonly accessibility: readonly string[];
  readonly openingHours: readonly { weekday: string; opens: string; closes: string }[];
  readonly closures: readonly never[];
  readonly policy: {
    readonly minDurationMinutes: number;
    /** 0: no maximum. */
    readonly maxDurationMinutes: number;
    /** 0: no limit. */
    readonly bookingWindowDays: number;
    readonly minNoticeMinutes: number;
    readonly bufferBeforeMinutes: number;
    readonly bufferAfterMinutes: number;
  };
}

export interface SeededRoom {
  readonly id: string;
  /** As registered. */
  readonly registered: SeedRoomSpec;
  /** An `UpdateRoom` after registering, if any. */
  readonly change?: { readonly room: Partial<SeedRoomSpec>; readonly updateMask: readonly string[] };
  readonly retired: boolean;
  /** As search must see it: registered, then changed. */
  readonly current: SeedRoomSpec;
  /** Its version once all its commands are applied (1, +1 for the change, +1 for retiring). */
  readonly version: number;
  /** Tomorrow 14:00 on the room's wall clock: where its scenario's bookings are placed. */
  readonly anchor: number;
  readonly scenario?: ScenarioName;
}

/** A booking or maintenance block as it stands after all its messages: what the model reads. */
export interface SeededEntry {
  readonly roomId: string;
  readonly kind: 'booking' | 'maintenance';
  readonly id: string;
  readonly status: 'held' | 'confirmed' | 'cancelled' | 'expired' | 'active' | 'lifted';
  readonly start: number;
  readonly end: number;
  readonly expiresAt?: number;
}

export type BookingEventName =
  | 'held'
  | 'confirmed'
  | 'cancelled'
  | 'expired'
  | 'rescheduled'
  | 'maintenance-blocked'
  | 'maintenance-lifted';

/** One `booking.events.v1` message: its public name, payload, and the Kafka message carrying it. */
export interface SeededBookingMessage {
  readonly name: BookingEventName;
  readonly eventId: string;
  readonly data: Record<string, unknown>;
  readonly message: Message;
}

export interface SeededCatalogue {
  readonly runId: string;
  /** When the seed was made: holds and past events are placed relative to it. */
  readonly seededAt: number;
  readonly rooms: readonly SeededRoom[];
  readonly entries: readonly SeededEntry[];
  /** In each room's stream order (rooms interleave; one room's messages keep their order). */
  readonly messages: readonly SeededBookingMessage[];
}

// ---------------------------------------------------------------------------------------------------
// Scenarios: what a room's schedule holds around its anchor (tomorrow 14:00, local time).

interface ScenarioContext {
  /** The anchor plus `minutes`. */
  readonly at: (minutes: number) => number;
  /** 14:00 UTC on the anchor's local date: a booking someone entered in the wrong zone. */
  readonly utcTwoPm: number;
  readonly now: number;
}

const SCENARIOS = {
  'confirmed 14:30–15:30': (feed, { at }) => feed.book(at(30), at(90)),
  'confirmed 13:00–16:00': (feed, { at }) => feed.book(at(-60), at(120)),
  'confirmed 14:15–14:45': (feed, { at }) => feed.book(at(15), at(45)),
  'confirmed 14:00–14:30 and 14:30–15:00': (feed, { at }) => {
    feed.book(at(0), at(30));
    feed.book(at(30), at(60));
  },
  'confirmed 13:00–14:00': (feed, { at }) => feed.book(at(-60), at(0)),
  'confirmed 15:00–16:00': (feed, { at }) => feed.book(at(60), at(120)),
  'confirmed 13:00–14:00 and 15:00–16:00': (feed, { at }) => {
    feed.book(at(-60), at(0));
    feed.book(at(60), at(120));
  },
  'confirmed 12:30–13:50': (feed, { at }) => feed.book(at(-90), at(-10)),
  'confirmed 15:10–15:40': (feed, { at }) => feed.book(at(70), at(100)),
  'confirmed 14:00–15:00 UTC': (feed, { utcTwoPm }) => feed.book(utcTwoPm, utcTwoPm + HOUR),
  'confirmed 14:00–15:00 the day after': (feed, { at }) => feed.book(at(24 * 60), at(25 * 60)),
  'held, then confirmed, 14:00–15:00': (feed, { at, now }) => {
    feed.advanceTo(now - 20 * MINUTE);
    feed.confirm(feed.hold(at(0), at(60), now - 10 * MINUTE));
  },
  'held until after the search, 14:00–15:00': (feed, { at, now }) => {
    feed.advanceTo(now - MINUTE);
    feed.hold(at(0), at(60), now + 30 * MINUTE);
  },
  'hold expired, 14:00–15:00': (feed, { at, now }) => {
    feed.advanceTo(now - 30 * MINUTE);
    const bookingId = feed.hold(at(0), at(60), now - 15 * MINUTE);
    feed.advanceTo(now - 14 * MINUTE);
    feed.expire(bookingId);
  },
  // The booking service's expirer has not written HoldExpired yet: the search alone must drop it.
  'hold lapsed, no expired event yet, 14:00–15:00': (feed, { at, now }) => {
    feed.advanceTo(now - 16 * MINUTE);
    feed.hold(at(0), at(60), now - MINUTE);
  },
  'confirmed, then cancelled, 14:00–15:00': (feed, { at }) => feed.cancel(feed.book(at(0), at(60))),
  'held, then cancelled, 14:30–15:30': (feed, { at, now }) => {
    feed.advanceTo(now - 5 * MINUTE);
    feed.cancel(feed.hold(at(30), at(90), now + 30 * MINUTE));
  },
  'confirmed 14:00–15:00, rescheduled to 17:00–18:00': (feed, { at }) =>
    feed.reschedule(feed.book(at(0), at(60)), at(180), at(240)),
  'confirmed 18:00–19:00, rescheduled to 14:30–15:00': (feed, { at }) =>
    feed.reschedule(feed.book(at(240), at(300)), at(30), at(60)),
  'maintenance 13:00–17:00': (feed, { at }) => feed.block(at(-60), at(180)),
  'maintenance 13:00–17:00, lifted': (feed, { at }) => feed.lift(feed.block(at(-60), at(180))),
  'maintenance 15:00–16:00': (feed, { at }) => feed.block(at(60), at(120)),
} satisfies Record<string, (feed: RoomScheduleFeed, context: ScenarioContext) => unknown>;

export type ScenarioName = keyof typeof SCENARIOS;
export const SCENARIO_NAMES = Object.keys(SCENARIOS) as ScenarioName[];

// ---------------------------------------------------------------------------------------------------

/**
 * The catalogue: `rooms` rooms (default 2,000) from a fixed seed, ids `s<runId>-0000` onwards. Rooms a
 * search for "8 people, projector, building A" finds get the scenarios in turn (most of them; some
 * get none), about one in seven of the others a random one. `bookingsAhead` adds that many confirmed
 * bookings per room on the days after tomorrow, in distinct office hours (the benchmark's background).
 */
export function seedCatalogue(options: {
  runId: string;
  rooms?: number;
  now?: number;
  bookingsAhead?: number;
  seed?: number;
}): SeededCatalogue {
  const now = options.now ?? Date.now();
  const random = prng(options.seed ?? 0x5eed_2026);
  // A stream of its own, so that the background leaves the rooms and scenarios as they are without it.
  const background = prng((options.seed ?? 0x5eed_2026) ^ 0x0bac_6d00);
  const rooms: SeededRoom[] = [];
  const entries: SeededEntry[] = [];
  const messages: SeededBookingMessage[] = [];
  let nextScenario = 0;
  const count = options.rooms ?? 2_000;
  for (let index = 0; index < count; index += 1) {
    const id = `s${options.runId}-${String(index).padStart(4, '0')}`;
    const { registered, change, retired } = roomFrom(random, index);
    const current = { ...registered, ...change?.room };
    const anchor = localTime(current.timeZone, 1, '14:00', now);
    const wanted =
      current.building === 'A' && current.capacity >= 8 && current.amenities.includes('projector');
    const scenario = wanted
      ? random.chance(0.85)
        ? SCENARIO_NAMES[nextScenario++ % SCENARIO_NAMES.length]
        : undefined
      : random.chance(0.15)
        ? random.pick(SCENARIO_NAMES)
        : undefined;
    rooms.push({
      id,
      registered,
      ...(change && { change }),
      retired,
      current,
      version: 1 + (change ? 1 : 0) + (retired ? 1 : 0),
      anchor,
      ...(scenario && { scenario }),
    });

    const feed = new RoomScheduleFeed(options.runId, id, random.int(0, 40), now - 3 * HOUR);
    for (const [day, hour] of officeHours(background, options.bookingsAhead ?? 0)) {
      const start = localTime(current.timeZone, day, `${String(hour).padStart(2, '0')}:00`, now);
      feed.book(start, start + background.pick([30, 45, 60]) * MINUTE);
    }
    if (scenario) {
      const localDate = Temporal.Instant.fromEpochMilliseconds(anchor)
        .toZonedDateTimeISO(current.timeZone)
        .toPlainDate();
      const utcTwoPm = Date.parse(`${localDate.toString()}T14:00:00Z`);
      SCENARIOS[scenario](feed, { at: (minutes) => anchor + minutes * MINUTE, utcTwoPm, now });
    }
    messages.push(...feed.messages);
    entries.push(...feed.entries());
  }
  return { runId: options.runId, seededAt: now, rooms, entries, messages };
}

function roomFrom(random: Random, index: number): Pick<SeededRoom, 'registered' | 'change' | 'retired'> {
  const building = random.pick(Object.keys(BUILDING_ZONES) as Building[]);
  const floor = String(random.int(0, 5));
  const capacity = random.int(2, 30);
  const seats = random.chance(0.1) ? Math.min(capacity, random.int(2, 3)) : 1;
  const amenities = (
    [
      ['projector', 0.45],
      ['whiteboard', 0.5],
      ['display', 0.3],
      ['video_conference', 0.3],
      ['phone', 0.2],
      ['wifi', 0.7],
    ] as const
  )
    .filter(([, p]) => random.chance(p))
    .map(([name]) => name as string)
    .sort();
  const accessibility = (
    [
      ['hearing_loop', 0.15],
      ['step_free', 0.6],
      ['wheelchair_access', 0.3],
    ] as const
  )
    .filter(([, p]) => random.chance(p))
    .map(([name]) => name as string);
  const buffered = random.chance(0.2);
  const registered: SeedRoomSpec = {
    name: `${building} ${floor}.${String(index).padStart(4, '0')}`,
    building,
    floor,
    capacity,
    seats,
    timeZone: BUILDING_ZONES[building],
    amenities,
    accessibility,
    openingHours: random.chance(0.5)
      ? ['mon', 'tue', 'wed', 'thu', 'fri'].map((weekday) => ({ weekday, opens: '07:00', closes: '20:00' }))
      : [],
    closures: [],
    policy: {
      minDurationMinutes: random.pick([0, 15, 30]),
      maxDurationMinutes: random.pick([0, 240, 480]),
      bookingWindowDays: random.pick([0, 90, 365]),
      minNoticeMinutes: random.pick([0, 15, 60]),
      bufferBeforeMinutes: buffered ? random.pick([0, 5, 10, 15]) : 0,
      bufferAfterMinutes: buffered ? random.pick([5, 10, 15, 30]) : 0,
    },
  };
  let change: SeededRoom['change'];
  if (random.chance(0.05)) {
    change = random.chance(0.5)
      ? { room: { capacity: otherCapacity(random, capacity, seats) }, updateMask: ['capacity'] }
      : {
          room: {
            amenities: amenities.includes('projector')
              ? amenities.filter((name) => name !== 'projector')
              : [...amenities, 'projector'].sort(),
          },
          updateMask: ['amenities'],
        };
  }
  return { registered, change, retired: random.chance(0.06) };
}

/** A capacity other than `capacity` (an update to the same value would change nothing), >= seats. */
function otherCapacity(random: Random, capacity: number, seats: number): number {
  const other = random.int(Math.max(seats, 2), 29);
  return other >= capacity ? other + 1 : other;
}

/** `count` distinct (day, hour) pairs: days 3..9 after today (clear of the scenarios), hours 08..17. */
function officeHours(random: Random, count: number): [number, number][] {
  const taken = new Set<string>();
  const slots: [number, number][] = [];
  while (slots.length < Math.min(count, 70)) {
    const slot: [number, number] = [random.int(3, 9), random.int(8, 17)];
    if (taken.has(slot.join())) continue;
    taken.add(slot.join());
    slots.push(slot);
  }
  return slots;
}

/**
 * One room's schedule stream as the booking service would write it, published as its relay would:
 * each event one `booking.events.v1` message with the stream's next revision; it remembers where
 * every booking and block ends up.
 */
class RoomScheduleFeed {
  readonly messages: SeededBookingMessage[] = [];
  private readonly bookings = new Map<string, SeededEntry & { version: number }>();
  private readonly blocks = new Map<string, SeededEntry & { version: number }>();
  private made = 0;

  constructor(
    private readonly runId: string,
    private readonly roomId: string,
    private revision: number,
    /** When the next event occurs; one minute passes after each. */
    private clock: number,
  ) {}

  advanceTo(instant: number): void {
    this.clock = Math.max(this.clock, instant);
  }

  book(start: number, end: number): string {
    const bookingId = this.newId('booking');
    this.bookings.set(bookingId, this.entry('booking', bookingId, 'confirmed', start, end));
    this.emitBooking('confirmed', bookingId, { title: 'seeded' });
    return bookingId;
  }

  hold(start: number, end: number, expiresAt: number): string {
    const bookingId = this.newId('booking');
    this.bookings.set(bookingId, { ...this.entry('booking', bookingId, 'held', start, end), expiresAt });
    this.emitBooking('held', bookingId, { title: 'seeded', heldBy: 'seed-user', expiresAt: iso(expiresAt) });
    return bookingId;
  }

  confirm(bookingId: string): void {
    this.update(bookingId, { status: 'confirmed' });
    this.emitBooking('confirmed', bookingId, { title: 'seeded' });
  }

  cancel(bookingId: string): void {
    const previousStatus = this.booking(bookingId).status;
    this.update(bookingId, { status: 'cancelled' });
    this.emitBooking('cancelled', bookingId, { previousStatus, cancelledBy: 'seed-user' });
  }

  expire(bookingId: string): void {
    this.update(bookingId, { status: 'expired' });
    this.emitBooking('expired', bookingId, { expiresAt: iso(this.booking(bookingId).expiresAt!) });
  }

  reschedule(bookingId: string, start: number, end: number): void {
    const before = this.booking(bookingId);
    this.update(bookingId, { start, end });
    this.emitBooking('rescheduled', bookingId, {
      previous: { start: iso(before.start), end: iso(before.end) },
      rescheduledBy: 'seed-user',
    });
  }

  block(start: number, end: number): string {
    const blockId = this.newId('block');
    this.blocks.set(blockId, this.entry('maintenance', blockId, 'active', start, end));
    this.emit('maintenance-blocked', blockId, {
      blockId,
      start: iso(start),
      end: iso(end),
      placedBy: 'seed-admin',
      reason: 'seeded maintenance',
      cancelledBookingIds: [],
    });
    return blockId;
  }

  lift(blockId: string): void {
    const block = this.blocks.get(blockId)!;
    this.blocks.set(blockId, { ...block, status: 'lifted' });
    this.emit('maintenance-lifted', blockId, {
      blockId,
      start: iso(block.start),
      end: iso(block.end),
      liftedBy: 'seed-admin',
    });
  }

  entries(): SeededEntry[] {
    return [...this.bookings.values(), ...this.blocks.values()].map(({ version: _, ...entry }) => entry);
  }

  private entry(
    kind: SeededEntry['kind'],
    id: string,
    status: SeededEntry['status'],
    start: number,
    end: number,
  ) {
    return { roomId: this.roomId, kind, id, status, start, end, version: 0 };
  }

  private booking(bookingId: string) {
    return this.bookings.get(bookingId)!;
  }

  private update(bookingId: string, changes: Partial<SeededEntry>): void {
    this.bookings.set(bookingId, { ...this.booking(bookingId), ...changes });
  }

  /** The booking as it is after the event (every booking event carries the whole booking). */
  private emitBooking(name: BookingEventName, bookingId: string, extra: Record<string, unknown>): void {
    const booking = this.booking(bookingId);
    const version = booking.version + 1;
    this.bookings.set(bookingId, { ...booking, version });
    this.emit(name, bookingId, {
      bookingId,
      start: iso(booking.start),
      end: iso(booking.end),
      organizerId: 'seed-user',
      version,
      status: booking.status,
      ...extra,
    });
  }

  private emit(name: BookingEventName, subject: string, fields: Record<string, unknown>): void {
    const streamRevision = this.revision++;
    const occurredAt = this.clock;
    this.clock += MINUTE;
    const eventId = uuidV5(`${this.runId}/${this.roomId}/${streamRevision}`, SEED_NAMESPACE);
    const data = { roomId: this.roomId, occurredAt: iso(occurredAt), ...fields, streamRevision };
    const recorded: RecordedEvent = {
      type: DOMAIN_EVENT[name],
      data,
      eventId,
      metadata: {},
      streamName: `roomSchedule-${this.roomId}`,
      revision: BigInt(streamRevision),
      position: 0n,
      checkpoint: encodeCheckpoint({ major: 0n, minor: 0n }),
      createdAt: new Date(occurredAt),
    };
    const message = toKafkaMessage(
      recorded,
      { type: `roomledger.booking.${name}.v1`, subject, data },
      BOOKING_SOURCE,
    );
    this.messages.push({ name, eventId, data, message });
  }

  private newId(what: string): string {
    return uuidV5(`${this.runId}/${this.roomId}/${what}/${this.made++}`, SEED_NAMESPACE);
  }
}

/** The booking service's event behind each public name. */
const DOMAIN_EVENT: Record<BookingEventName, string> = {
  held: 'HoldPlaced',
  confirmed: 'BookingConfirmed',
  cancelled: 'BookingCancelled',
  expired: 'HoldExpired',
  rescheduled: 'BookingRescheduled',
  'maintenance-blocked': 'MaintenanceBlockPlaced',
  'maintenance-lifted': 'MaintenanceBlockLifted',
};

// ---------------------------------------------------------------------------------------------------
// Seeding through the service and Kafka, and waiting until search sees it all.

/** A unary call to `roomledger.room.v1.RoomService` (the test's and the bench's gRPC clients both fit). */
export type RoomServiceCall = (
  method: string,
  request: object,
  metadata: Record<string, string>,
) => Promise<unknown>;

export const SEED_ADMIN = { 'x-roomledger-user-id': 'seed-admin', 'x-roomledger-roles': 'member,admin' };

/**
 * Registers every room (`RegisterRoom`, `concurrency` at a time), then sends the changes
 * (`UpdateRoom` with `If-Match` 1) and retires (`RetireRoom`). Command ids name each step, so a retried
 * call would change nothing twice. Returns how long each phase took.
 */
export async function registerCatalogue(
  call: RoomServiceCall,
  catalogue: SeededCatalogue,
  options: { concurrency?: number } = {},
): Promise<{ registerMs: number; changeMs: number; retireMs: number }> {
  const concurrency = options.concurrency ?? 16;
  const as = (room: SeededRoom, step: string) => ({
    ...SEED_ADMIN,
    'x-roomledger-command-id': `seed-${room.id}-${step}`,
  });
  let t0 = performance.now();
  await inParallel(catalogue.rooms, concurrency, (room) =>
    call('RegisterRoom', { roomId: room.id, room: room.registered }, as(room, 'register')),
  );
  const registerMs = performance.now() - t0;
  t0 = performance.now();
  await inParallel(
    catalogue.rooms.filter((room) => room.change),
    concurrency,
    (room) =>
      call(
        'UpdateRoom',
        { roomId: room.id, room: room.change!.room, updateMask: room.change!.updateMask, expectedVersion: 1 },
        as(room, 'change'),
      ),
  );
  const changeMs = performance.now() - t0;
  t0 = performance.now();
  await inParallel(
    catalogue.rooms.filter((room) => room.retired),
    concurrency,
    (room) => call('RetireRoom', { roomId: room.id, reason: 'seeded as retired' }, as(room, 'retire')),
  );
  return { registerMs, changeMs, retireMs: performance.now() - t0 };
}

/** Publishes the seed's booking messages with the relay's producer settings. */
export async function publishBookings(
  kafka: Kafka,
  catalogue: SeededCatalogue,
  topic = BOOKING_EVENTS_TOPIC,
): Promise<void> {
  const producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
  });
  await producer.connect();
  try {
    for (let offset = 0; offset < catalogue.messages.length; offset += 1_000) {
      await producer.send({
        topic,
        messages: catalogue.messages.slice(offset, offset + 1_000).map(({ message }) => message),
      });
    }
  } finally {
    await producer.disconnect();
  }
}

/**
 * Until the search sees the whole seed: every room in `room_read.rooms` at its final version, and
 * every booking message in the busy intervals' inbox for `groupId` (so applied). Reads only.
 */
export async function waitUntilSearchable(
  pool: Pool,
  catalogue: SeededCatalogue,
  options: { groupId: string; timeoutMs?: number; progress?: (line: string) => void },
): Promise<{ roomsMs: number; bookingsMs: number }> {
  const t0 = performance.now();
  const deadline = t0 + (options.timeoutMs ?? 120_000);
  const ids = catalogue.rooms.map((room) => room.id);
  const versions = catalogue.rooms.map((room) => room.version);
  const eventIds = catalogue.messages.map((message) => message.eventId);
  const count = async (sql: string, values: unknown[]) => {
    try {
      return (await pool.query<{ n: number }>(sql, values)).rows[0].n;
    } catch (error) {
      if ((error as { code?: string }).code === '42P01') return 0; // not created yet
      throw error;
    }
  };
  let roomsMs: number | undefined;
  let bookingsMs: number | undefined;
  let reported = t0;
  for (;;) {
    const rooms = await count(
      `select count(*)::int as n from ${ROOM_READ_SCHEMA}.rooms r
         join unnest($1::text[], $2::int[]) as seeded(id, version)
           on r.room_id = seeded.id and r.version = seeded.version`,
      [ids, versions],
    );
    const applied = await count(
      `select count(*)::int as n from ${ROOM_BUSY_SCHEMA}.inbox where consumer_group = $1 and event_id = any($2::text[])`,
      [options.groupId, eventIds],
    );
    const elapsed = performance.now() - t0;
    if (rooms === ids.length) roomsMs ??= elapsed;
    if (applied === eventIds.length) bookingsMs ??= elapsed;
    if (roomsMs !== undefined && bookingsMs !== undefined) return { roomsMs, bookingsMs };
    const state = `${rooms} of ${ids.length} rooms in room_read, ${applied} of ${eventIds.length} booking messages applied`;
    if (performance.now() > deadline) throw new Error(`the seed is not searchable yet: ${state}`);
    if (options.progress && performance.now() - reported > 5_000) {
      reported = performance.now();
      options.progress(state);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

// ---------------------------------------------------------------------------------------------------
// The model.

/** A `SearchRooms` request (camelCase), without paging. */
export interface RoomSearch {
  readonly minCapacity?: number;
  readonly amenities?: readonly string[];
  readonly accessibility?: readonly string[];
  readonly building?: string;
  readonly floor?: string;
  readonly freeFrom?: string;
  readonly freeTo?: string;
  readonly includeRetired?: boolean;
}

/**
 * The ids of the rooms `search` must find, by brute force over the seed: the catalogue filters, then
 * "free for the whole of [from, to)" as the room service defines it (README): no active maintenance
 * overlapping the window widened by the room's buffers, and fewer live bookings (confirmed, or held
 * and expiring after `now`) overlapping the window widened by both buffers on each side than seats.
 */
export function expectedRooms(catalogue: SeededCatalogue, search: RoomSearch, now = Date.now()): string[] {
  const byRoom = new Map<string, SeededEntry[]>();
  for (const entry of catalogue.entries)
    byRoom.set(entry.roomId, [...(byRoom.get(entry.roomId) ?? []), entry]);
  const from = search.freeFrom === undefined ? undefined : Date.parse(search.freeFrom);
  const to = search.freeTo === undefined ? undefined : Date.parse(search.freeTo);
  const same = (a: string | undefined, b: string | undefined) =>
    b === undefined || (a ?? '').toLowerCase() === b.toLowerCase();
  const overlaps = (entry: SeededEntry, start: number, end: number) => entry.start < end && start < entry.end;
  return catalogue.rooms
    .filter(({ current: room, retired, id }) => {
      if (retired && !search.includeRetired) return false;
      if (room.capacity < (search.minCapacity ?? 0)) return false;
      if (!(search.amenities ?? []).every((name) => room.amenities.includes(name.toLowerCase())))
        return false;
      if (!(search.accessibility ?? []).every((name) => room.accessibility.includes(name.toLowerCase())))
        return false;
      if (!same(room.building, search.building) || !same(room.floor, search.floor)) return false;
      if (from === undefined || to === undefined) return true;
      const before = room.policy.bufferBeforeMinutes * MINUTE;
      const after = room.policy.bufferAfterMinutes * MINUTE;
      const entries = byRoom.get(id) ?? [];
      const blocked = entries.some(
        (entry) =>
          entry.kind === 'maintenance' &&
          entry.status === 'active' &&
          overlaps(entry, from - before, to + after),
      );
      const live = entries.filter(
        (entry) =>
          entry.kind === 'booking' &&
          (entry.status === 'confirmed' || (entry.status === 'held' && entry.expiresAt! > now)) &&
          overlaps(entry, from - before - after, to + before + after),
      );
      return !blocked && live.length < room.seats;
    })
    .map((room) => room.id);
}

// ---------------------------------------------------------------------------------------------------

/** `time` (HH:MM) on the date `days` after today, on the wall clock of `timeZone`, as epoch ms. */
export function localTime(timeZone: string, days: number, time: string, now = Date.now()): number {
  return Temporal.Instant.fromEpochMilliseconds(now)
    .toZonedDateTimeISO(timeZone)
    .toPlainDate()
    .add({ days })
    .toZonedDateTime({ timeZone, plainTime: Temporal.PlainTime.from(time) }).epochMilliseconds;
}

/** `freeFrom`/`freeTo` for `from`–`to` (HH:MM) tomorrow in `building`'s zone. */
export function tomorrowIn(
  building: Building,
  from: string,
  to: string,
  now = Date.now(),
): { freeFrom: string; freeTo: string } {
  const zone = BUILDING_ZONES[building];
  return { freeFrom: iso(localTime(zone, 1, from, now)), freeTo: iso(localTime(zone, 1, to, now)) };
}

const iso = (instant: number): string => new Date(instant).toISOString();

async function inParallel<T>(items: readonly T[], concurrency: number, work: (item: T) => Promise<unknown>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) await work(items[next++]);
    }),
  );
}

interface Random {
  chance(p: number): boolean;
  int(min: number, max: number): number;
  pick<T>(list: readonly T[]): T;
}

/** mulberry32: small, fast, and the same sequence everywhere for one seed. */
function prng(seed: number): Random {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  return {
    chance: (p) => next() < p,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    pick: (list) => list[Math.floor(next() * list.length)],
  };
}
