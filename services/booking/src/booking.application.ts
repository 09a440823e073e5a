import {
  AlreadyExists,
  InvalidBookingState,
  NotFound,
  VersionMismatch,
  ValidationFailed,
  HOUR_MS,
  availability,
  isoOf,
  parseInstant,
  statusAfter,
  type Actor,
  type BookingStatus,
  type Availability,
  RoomNotKnown,
  type RoomPolicy,
  type RoomScheduleCommand,
  type RoomScheduleEvent,
  type SeriesConflictPolicy,
  type SeriesOccurrence,
  type SkippedOccurrence,
  type BookingConfirmed,
  type TimeSpan,
} from '@roomledger/booking-domain';
import { uuidV5, type EventMetadata } from '@roomledger/event-store';
import type { Pool } from 'pg';
import type { Decision, LoadedSchedule, RoomScheduleHandler } from './schedule/room-schedule.handler';

export type { BookingStatus };

/** A booking as the API shows it. */
export interface BookingView {
  readonly id: string;
  readonly roomId: string;
  readonly start: string;
  readonly end: string;
  readonly status: BookingStatus;
  readonly organizerId: string;
  readonly title: string;
  readonly version: number;
  readonly expiresAt?: string;
  readonly meetingId?: string;
  readonly seriesId?: string;
  readonly cancelReason?: string;
  readonly updatedAt?: string;
}

export interface MaintenanceView {
  readonly id: string;
  readonly roomId: string;
  readonly start: string;
  readonly end: string;
  readonly status: 'active' | 'lifted';
  readonly cancelledBookingIds: readonly string[];
}

export interface HistoryEntryView {
  readonly type: string;
  readonly occurredAt: string;
  readonly actorId?: string;
  readonly version: number;
  readonly start: string;
  readonly end: string;
  readonly data: unknown;
}

/** Who asks and which decision this is: from the caller's metadata. */
export interface RequestContext {
  readonly actor: Actor;
  /** Names the decision; the same id sent again appends nothing twice. */
  readonly commandId: string;
  readonly metadata?: EventMetadata;
}

export interface NewBookingInput {
  readonly roomId: string;
  readonly start: string;
  readonly end: string;
  readonly title: string;
  readonly organizerId?: string;
  readonly bookingId?: string;
  readonly meetingId?: string;
}

/** What `bookSeries` did: the occurrences booked and those skipped (`skip-conflicts`). */
export interface SeriesBookingOutcome {
  readonly booked: readonly BookingConfirmed['data'][];
  readonly skipped: readonly SkippedOccurrence[];
  /** The same series had been booked before (a repeated command): nothing new. */
  readonly repeated?: boolean;
}

export interface ListQuery {
  readonly roomId?: string;
  readonly organizerId?: string;
  readonly from?: string;
  readonly to?: string;
  readonly statuses?: readonly BookingStatus[];
  readonly limit?: number;
  readonly cursor?: string;
}

export interface BookingApplicationOptions {
  readonly clock?: () => Date;
  /**
   * Waits (at most `timeoutMs`) until the read model has applied everything appended so far. A lookup by
   * booking id that finds nothing calls it once and looks again, so a booking is found right after the
   * decision that created it, on any instance.
   */
  readonly awaitReadModel?: (timeoutMs: number) => Promise<void>;
}

const DEFAULT_HOLD_TTL_SECONDS = 300;
const READ_MODEL_WAIT_MS = 2_000;
const MAX_PAGE = 200;

interface BookingRow {
  booking_id: string;
  room_id: string;
  organizer_id: string;
  title: string;
  status: BookingStatus;
  start_at: Date;
  end_at: Date;
  expires_at: Date | null;
  meeting_id: string | null;
  series_id: string | null;
  cancel_reason: string | null;
  version: number;
  updated_at: Date;
}

/**
 * The booking service's use cases, between the transport (gRPC) and the domain: commands go through
 * the {@link RoomScheduleHandler} (strongly consistent, per room); reads of one room's time
 * (availability, alternatives) fold the room's stream too; lists and lookups by id read the
 * `booking_read` projection (eventually consistent, typically within tens of milliseconds).
 */
/** Ids the service chooses are derived from the command id, so a repeated command names the same booking. */
const BOOKING_ID_NAMESPACE = '5b0e1f0a-3a4d-4c55-9d7e-6f1b2c3d4e5f';
const derivedId = (kind: 'booking' | 'maintenance', context: RequestContext) =>
  uuidV5(`${kind}/${context.commandId}`, BOOKING_ID_NAMESPACE);

export class BookingApplication {
  private readonly clock: () => Date;

  constructor(
    private readonly handler: RoomScheduleHandler,
    private readonly pool: Pool,
    private readonly options: BookingApplicationOptions = {},
  ) {
    this.clock = options.clock ?? (() => new Date());
  }

  async placeHold(
    context: RequestContext,
    input: NewBookingInput & { ttlSeconds?: number },
  ): Promise<BookingView> {
    const bookingId = input.bookingId || derivedId('booking', context);
    return this.newBooking(context, input.roomId, bookingId, input, {
      type: 'PlaceHold',
      data: {
        ...this.newBookingData(input, bookingId),
        ttlSeconds: input.ttlSeconds || DEFAULT_HOLD_TTL_SECONDS,
      },
      metadata: this.commandMetadata(context),
    });
  }

  async bookDirectly(context: RequestContext, input: NewBookingInput): Promise<BookingView> {
    const bookingId = input.bookingId || derivedId('booking', context);
    return this.newBooking(context, input.roomId, bookingId, input, {
      type: 'BookDirectly',
      data: this.newBookingData(input, bookingId),
      metadata: this.commandMetadata(context),
    });
  }

  /** `knownRoomId`: the caller knows the room (a saga's own hold), so the read model is not asked. */
  async confirm(
    context: RequestContext,
    bookingId: string,
    expectedVersion?: number,
    knownRoomId?: string,
  ): Promise<BookingView> {
    const roomId = knownRoomId ?? (await this.roomOf(bookingId));
    const decision = await this.handler.handle(
      roomId,
      {
        type: 'ConfirmBooking',
        data: { bookingId, expectedVersion },
        metadata: this.commandMetadata(context),
      },
      context,
    );
    return this.bookingAfter(decision, bookingId);
  }

  async cancel(
    context: RequestContext,
    bookingId: string,
    options: { reason?: string; expectedVersion?: number; roomId?: string } = {},
  ): Promise<BookingView> {
    const roomId = options.roomId ?? (await this.roomOf(bookingId));
    const decision = await this.handler.handle(
      roomId,
      {
        type: 'CancelBooking',
        data: { bookingId, reason: options.reason, expectedVersion: options.expectedVersion },
        metadata: this.commandMetadata(context),
      },
      context,
    );
    return this.bookingAfter(decision, bookingId);
  }

  async reschedule(
    context: RequestContext,
    bookingId: string,
    input: { start: string; end: string; expectedVersion?: number; roomId?: string },
  ): Promise<BookingView> {
    const roomId = input.roomId ?? (await this.roomOf(bookingId));
    const decision = await this.handler.handle(
      roomId,
      {
        type: 'RescheduleBooking',
        data: { bookingId, start: input.start, end: input.end, expectedVersion: input.expectedVersion },
        metadata: this.commandMetadata(context),
      },
      context,
    );
    return this.bookingAfter(decision, bookingId);
  }

  /**
   * Moves a confirmed booking to another room, keeping its id: a saga of two decisions on two streams.
   * Booked in the new room first (so the booking never has no room), then cancelled in the old one with
   * reason `moved`; if that cancellation cannot be written (the booking changed meanwhile, a version
   * mismatch), the new room's booking is released again and the error is returned. The booking's version
   * restarts in the new room (version 1 there): its ETag after a move is the new room's.
   */
  async move(
    context: RequestContext,
    bookingId: string,
    input: { roomId: string; start?: string; end?: string; expectedVersion?: number },
  ): Promise<BookingView> {
    // The move copies the booking's interval and title into the new room: read them after the read
    // model has caught up with every decision so far, so a change made just before is not lost.
    await this.options.awaitReadModel?.(READ_MODEL_WAIT_MS).catch(() => undefined);
    const current = await this.getBooking(bookingId);
    if (current.roomId === input.roomId) {
      if (!input.start || !input.end) return current;
      return this.reschedule(context, bookingId, {
        start: input.start,
        end: input.end,
        expectedVersion: input.expectedVersion,
      });
    }
    if (current.status !== 'confirmed') {
      throw new InvalidBookingState(
        bookingId,
        current.status,
        'only a confirmed booking can move to another room',
      );
    }
    if (input.expectedVersion !== undefined && input.expectedVersion !== current.version) {
      throw new VersionMismatch(bookingId, input.expectedVersion, current.version);
    }
    const step = (name: string): RequestContext => ({
      ...context,
      commandId: `${context.commandId}:${name}`,
    });
    const moved = await this.handler.handle(
      input.roomId,
      {
        type: 'BookDirectly',
        data: {
          bookingId,
          start: input.start ?? current.start,
          end: input.end ?? current.end,
          title: current.title,
          organizerId: current.organizerId,
          ...(current.meetingId ? { meetingId: current.meetingId } : {}),
        },
        metadata: this.commandMetadata(step('book')),
      },
      step('book'),
    );
    try {
      await this.handler.handle(
        current.roomId,
        {
          type: 'CancelBooking',
          data: { bookingId, reason: 'moved', expectedVersion: current.version },
          metadata: this.commandMetadata(step('cancel')),
        },
        step('cancel'),
      );
    } catch (error) {
      await this.handler
        .handle(
          input.roomId,
          {
            type: 'CancelBooking',
            data: { bookingId, reason: 'move_failed' },
            metadata: { ...this.commandMetadata(step('release')), actor: SYSTEM_ADMIN },
          },
          step('release'),
        )
        .catch(() => undefined);
      throw error;
    }
    // Commands by booking id find its room in the read model: let it see the move before answering, so
    // the caller's next command goes to the new room.
    await this.options.awaitReadModel?.(READ_MODEL_WAIT_MS).catch(() => undefined);
    return this.bookingAfter(moved, bookingId);
  }

  async blockForMaintenance(
    context: RequestContext,
    input: { roomId: string; start: string; end: string; reason?: string; force?: boolean; blockId?: string },
  ): Promise<MaintenanceView> {
    const blockId = input.blockId || derivedId('maintenance', context);
    const decision = await this.handler.handle(
      input.roomId,
      {
        type: 'BlockForMaintenance',
        data: { blockId, start: input.start, end: input.end, reason: input.reason, force: input.force },
        metadata: this.commandMetadata(context),
      },
      context,
    );
    const placed = decision.events.find((event) => event.type === 'MaintenanceBlockPlaced');
    return {
      id: blockId,
      roomId: input.roomId,
      start: placed?.data.start ?? input.start,
      end: placed?.data.end ?? input.end,
      status: 'active',
      cancelledBookingIds: placed?.data.cancelledBookingIds ?? [],
    };
  }

  async liftMaintenance(context: RequestContext, roomId: string, blockId: string): Promise<MaintenanceView> {
    const decision = await this.handler.handle(
      roomId,
      { type: 'LiftMaintenance', data: { blockId }, metadata: this.commandMetadata(context) },
      context,
    );
    const lifted = decision.events.find((event) => event.type === 'MaintenanceBlockLifted');
    return {
      id: blockId,
      roomId,
      start: lifted?.data.start ?? '',
      end: lifted?.data.end ?? '',
      status: 'lifted',
      cancelledBookingIds: [],
    };
  }

  /** Expires a hold whose time is up (the background expirer); idempotent. */
  async expireHold(roomId: string, bookingId: string): Promise<Decision> {
    return this.handler.handle(roomId, {
      type: 'ExpireHold',
      data: { bookingId },
      metadata: { commandId: `expire-hold:${bookingId}`, actor: SYSTEM, now: this.clock().toISOString() },
    });
  }

  /** Applies a room's replicated policy to its schedule; `commandId` from the source event, so redelivery is harmless. */
  async applyRoomPolicy(
    commandId: string,
    roomId: string,
    policy: Extract<RoomScheduleCommand, { type: 'ApplyRoomPolicy' }>['data']['policy'],
    metadata?: EventMetadata,
  ): Promise<Decision> {
    return this.handler.handle(
      roomId,
      {
        type: 'ApplyRoomPolicy',
        data: { roomId, policy },
        metadata: { commandId, actor: SYSTEM, now: this.clock().toISOString() },
      },
      { metadata },
    );
  }

  /**
   * Books occurrences of a recurring meeting in one room in one decision (`BookSeries`): with
   * `all-or-nothing` one taken occurrence refuses them all (`SlotTaken` listing each), with
   * `skip-conflicts` the others are booked and the skipped ones reported. Ids come from the caller
   * (derived from the series and each occurrence's original start), so a repeat books nothing twice.
   */
  async bookSeries(
    context: RequestContext,
    input: {
      roomId: string;
      seriesId: string;
      title: string;
      organizerId?: string;
      meetingId?: string;
      onConflict: SeriesConflictPolicy;
      occurrences: readonly SeriesOccurrence[];
    },
  ): Promise<SeriesBookingOutcome> {
    const command: RoomScheduleCommand = {
      type: 'BookSeries',
      data: {
        seriesId: input.seriesId,
        title: input.title,
        onConflict: input.onConflict,
        occurrences: input.occurrences,
        ...(input.organizerId ? { organizerId: input.organizerId } : {}),
        ...(input.meetingId ? { meetingId: input.meetingId } : {}),
      },
      metadata: this.commandMetadata(context),
    };
    try {
      const decision = await this.handler.handle(input.roomId, command, context);
      return {
        booked: decision.events
          .filter((event) => event.type === 'BookingConfirmed')
          .map((event) => event.data),
        skipped: decision.events.flatMap((event) =>
          event.type === 'SeriesOccurrencesSkipped' ? event.data.skipped : [],
        ),
      };
    } catch (error) {
      // The same series sent again after it was booked: its ids are taken by itself.
      if (!(error instanceof AlreadyExists)) throw error;
      const { state } = await this.handler.load(input.roomId);
      const known = state.status === 'unknown' ? undefined : state.bookings;
      const ours = input.occurrences.filter((occurrence) => known?.has(occurrence.bookingId));
      if (ours.length === 0) throw error;
      return { booked: [], skipped: [], repeated: true };
    }
  }

  /** The room's replicated policy (its booking window, notice, time zone), as decisions see it. */
  async roomPolicy(roomId: string): Promise<RoomPolicy> {
    const { state } = await this.handler.load(roomId);
    if (state.status === 'unknown') throw new RoomNotKnown();
    return state.policy;
  }

  /** The room's schedule as decisions see it (for dry runs of a series). */
  roomSchedule(roomId: string): Promise<LoadedSchedule> {
    return this.handler.load(roomId);
  }

  /**
   * The live (held or confirmed) bookings of a room series starting at or after `fromStart` and still
   * running at `endingAfter`, from the read model once it has caught up with the rooms' streams.
   */
  async seriesBookings(
    seriesId: string,
    options: { fromStart?: string; endingAfter?: string } = {},
  ): Promise<BookingView[]> {
    await this.options.awaitReadModel?.(READ_MODEL_WAIT_MS).catch(() => undefined);
    const { rows } = await this.pool.query<BookingRow>(
      `select * from booking_read.bookings
        where series_id = $1 and status in ('held', 'confirmed')
          and ($2::timestamptz is null or start_at >= $2) and ($3::timestamptz is null or end_at > $3)
        order by start_at`,
      [seriesId, options.fromStart ?? null, options.endingAfter ?? null],
    );
    return rows.map(viewOf);
  }

  async getBooking(bookingId: string): Promise<BookingView> {
    const row = await this.lookUp(bookingId);
    if (!row) throw new NotFound('booking', bookingId);
    return viewOf(row);
  }

  /** The booking's read-model row; when missing, once more after the read model caught up. */
  private async lookUp(bookingId: string): Promise<BookingRow | undefined> {
    const query = () =>
      this.pool
        .query<BookingRow>('select * from booking_read.bookings where booking_id = $1', [bookingId])
        .then((result) => result.rows[0]);
    const found = await query();
    if (found || !this.options.awaitReadModel) return found;
    await this.options.awaitReadModel(READ_MODEL_WAIT_MS).catch(() => undefined);
    return query();
  }

  async history(bookingId: string): Promise<HistoryEntryView[]> {
    const { rows } = await this.pool.query<{
      type: string;
      occurred_at: Date;
      actor_id: string | null;
      version: number;
      start_at: Date;
      end_at: Date;
      data: unknown;
    }>(
      `select type, occurred_at, actor_id, version, start_at, end_at, data from booking_read.booking_history
        where booking_id = $1 order by occurred_at, stream_revision`,
      [bookingId],
    );
    if (rows.length === 0) throw new NotFound('booking', bookingId);
    return rows.map((row) => ({
      type: row.type,
      occurredAt: row.occurred_at.toISOString(),
      actorId: row.actor_id ?? undefined,
      version: row.version,
      start: row.start_at.toISOString(),
      end: row.end_at.toISOString(),
      data: row.data,
    }));
  }

  /**
   * By room (overlapping [from, to), ordered by start) or by organizer (from `from` on), a page at a
   * time; the cursor is the last row's (start, id).
   */
  async list(query: ListQuery): Promise<{ items: BookingView[]; nextCursor?: string }> {
    if (!query.roomId === !query.organizerId) {
      throw new ValidationFailed('roomId', 'give exactly one of roomId and organizerId');
    }
    const limit = Math.min(Math.max(query.limit || 50, 1), MAX_PAGE);
    const statuses = query.statuses?.length ? query.statuses : ['held', 'confirmed'];
    const from = query.from
      ? instant(query.from, 'from')
      : query.roomId
        ? undefined
        : this.clock().toISOString();
    const to = query.to ? instant(query.to, 'to') : undefined;
    // "My bookings" start now unless told otherwise, so a `to` alone may lie before that `from`.
    if (from && to && Date.parse(to) <= Date.parse(from)) {
      throw new ValidationFailed(
        'to',
        query.from ? 'must be after from' : 'must be after now (the default from)',
      );
    }
    const after = query.cursor ? decodeCursor(query.cursor) : undefined;
    const values: unknown[] = [query.roomId ?? query.organizerId, statuses, from ?? null, to ?? null];
    let keyset = '';
    if (after) {
      values.push(after.start, after.id);
      keyset = `and (start_at, booking_id) > ($5::timestamptz, $6)`;
    }
    values.push(limit + 1);
    const { rows } = await this.pool.query<BookingRow>(
      `select * from booking_read.bookings
        where ${query.roomId ? 'room_id' : 'organizer_id'} = $1 and status = any($2)
          and period && tstzrange($3::timestamptz, $4::timestamptz, '[)') ${keyset}
        order by start_at, booking_id limit $${values.length}`,
      values,
    );
    const items = rows.slice(0, limit).map(viewOf);
    const last = items[items.length - 1];
    return rows.length > limit && last ? { items, nextCursor: encodeCursor(last.start, last.id) } : { items };
  }

  async availability(
    roomId: string,
    query: { from: string; to: string; minDurationMinutes?: number },
  ): Promise<Availability> {
    const { state } = await this.handler.load(roomId);
    return availability(state, {
      from: instant(query.from, 'from'),
      to: instant(query.to, 'to'),
      minDurationMinutes: query.minDurationMinutes ?? 0,
      now: this.clock().toISOString(),
    });
  }

  /**
   * For a slot that was refused: the nearest free slots of the same length in the same room (same
   * day, either side), then the same slot in other rooms of at least the same capacity.
   */
  async alternatives(
    roomId: string,
    slot: TimeSpan,
    limit = 3,
  ): Promise<{ roomId: string; start: string; end: string }[]> {
    const start = Date.parse(instant(slot.start, 'start'));
    const end = Date.parse(instant(slot.end, 'end'));
    const length = end - start;
    if (!(length > 0)) throw new ValidationFailed('end', 'must be after start');
    const found: { roomId: string; start: string; end: string; distance: number }[] = [];
    const window = {
      from: new Date(start - 12 * HOUR_MS).toISOString(),
      to: new Date(end + 12 * HOUR_MS).toISOString(),
    };
    const here = await this.availability(roomId, {
      ...window,
      minDurationMinutes: Math.ceil(length / 60_000),
    }).catch(() => ({ free: [] as TimeSpan[] }));
    for (const free of here.free) {
      const freeStart = Date.parse(free.start);
      const freeEnd = Date.parse(free.end);
      // the candidate nearest to the asked start inside this free span
      const candidate = Math.min(Math.max(start, freeStart), freeEnd - length);
      if (candidate < freeStart || candidate === start) continue;
      found.push({
        roomId,
        start: new Date(candidate).toISOString(),
        end: new Date(candidate + length).toISOString(),
        distance: Math.abs(candidate - start),
      });
    }
    found.sort((a, b) => a.distance - b.distance);
    const sameRoom = found.slice(0, limit);
    if (sameRoom.length >= limit) return sameRoom.map(({ distance: _distance, ...rest }) => rest);

    const { rows } = await this.pool.query<{ room_id: string }>(
      `select other.room_id from booking_read.rooms other
         left join booking_read.rooms asked on asked.room_id = $1
        where other.room_id <> $1 and not other.retired and other.capacity >= coalesce(asked.capacity, 1)
        order by other.capacity, other.room_id limit 20`,
      [roomId],
    );
    const others: { roomId: string; start: string; end: string }[] = [];
    for (const row of rows) {
      if (sameRoom.length + others.length >= limit) break;
      const there = await this.availability(row.room_id, {
        from: new Date(start).toISOString(),
        to: new Date(end).toISOString(),
        minDurationMinutes: Math.ceil(length / 60_000),
      }).catch(() => undefined);
      const fits = there?.free.some((free) => Date.parse(free.start) <= start && Date.parse(free.end) >= end);
      if (fits)
        others.push({
          roomId: row.room_id,
          start: new Date(start).toISOString(),
          end: new Date(end).toISOString(),
        });
    }
    return [...sameRoom.map(({ distance: _distance, ...rest }) => rest), ...others];
  }

  private async newBooking(
    context: RequestContext,
    roomId: string,
    bookingId: string,
    input: NewBookingInput,
    command: RoomScheduleCommand,
  ): Promise<BookingView> {
    try {
      const decision = await this.handler.handle(roomId, command, context);
      return this.bookingAfter(decision, bookingId);
    } catch (error) {
      // The same request sent again (same booking id, given or derived from the same command id; same
      // slot, same organizer): answer as the first time.
      if (error instanceof AlreadyExists) {
        const existing = await this.getBooking(bookingId).catch(() => undefined);
        const organizerId = input.organizerId || context.actor.userId;
        if (
          existing &&
          existing.roomId === roomId &&
          existing.organizerId === organizerId &&
          Date.parse(existing.start) === Date.parse(input.start) &&
          Date.parse(existing.end) === Date.parse(input.end)
        ) {
          return existing;
        }
      }
      throw error;
    }
  }

  private newBookingData(input: NewBookingInput, bookingId: string) {
    return {
      bookingId,
      start: input.start,
      end: input.end,
      title: input.title,
      ...(input.organizerId ? { organizerId: input.organizerId } : {}),
      ...(input.meetingId ? { meetingId: input.meetingId } : {}),
    };
  }

  private commandMetadata(context: RequestContext) {
    return { commandId: context.commandId, actor: context.actor, now: this.clock().toISOString() };
  }

  /** The booking after a decision: from the events it appended, else (nothing to do) from the read model. */
  private async bookingAfter(decision: Decision, bookingId: string): Promise<BookingView> {
    const events = decision.events.filter(
      (event): event is Extract<RoomScheduleEvent, { data: { bookingId: string } }> =>
        'bookingId' in event.data && event.data.bookingId === bookingId,
    );
    const last = events[events.length - 1];
    if (!last) return this.getBooking(bookingId);
    const data = last.data as unknown as Record<string, unknown> & {
      roomId: string;
      start: string;
      end: string;
      organizerId: string;
      version: number;
    };
    const status = statusAfter(last.type);
    const fromState =
      decision.state.status === 'unknown' ? undefined : decision.state.bookings.get(bookingId);
    const title =
      typeof data.title === 'string'
        ? data.title
        : fromState && 'title' in fromState
          ? fromState.title
          : await this.getBooking(bookingId).then(
              (booking) => booking.title,
              () => '',
            );
    return {
      id: bookingId,
      roomId: data.roomId,
      start: data.start,
      end: data.end,
      status: status ?? (fromState?.status as BookingStatus) ?? 'confirmed',
      organizerId: data.organizerId,
      title,
      version: data.version,
      ...(last.type === 'HoldPlaced' ? { expiresAt: last.data.expiresAt } : {}),
      ...(typeof data.meetingId === 'string' ? { meetingId: data.meetingId } : {}),
      ...(typeof data.seriesId === 'string' ? { seriesId: data.seriesId } : {}),
      ...(typeof data.reason === 'string' ? { cancelReason: data.reason } : {}),
      updatedAt: String(data.occurredAt),
    };
  }

  /** Which room a booking is in: the read model knows (a booking never changes room without a new event). */
  private async roomOf(bookingId: string): Promise<string> {
    const row = await this.lookUp(bookingId);
    if (!row) throw new NotFound('booking', bookingId);
    return row.room_id;
  }
}

export const SYSTEM: Actor = { userId: 'system', roles: ['system'] };
/** The saga's compensation acts for the organizer, whoever started the move. */
const SYSTEM_ADMIN: Actor = { userId: 'system', roles: ['system', 'admin'] };

function viewOf(row: BookingRow): BookingView {
  return {
    id: row.booking_id,
    roomId: row.room_id,
    start: row.start_at.toISOString(),
    end: row.end_at.toISOString(),
    status: row.status,
    organizerId: row.organizer_id,
    title: row.title,
    version: row.version,
    ...(row.expires_at && row.status === 'held' ? { expiresAt: row.expires_at.toISOString() } : {}),
    ...(row.meeting_id ? { meetingId: row.meeting_id } : {}),
    ...(row.series_id ? { seriesId: row.series_id } : {}),
    ...(row.cancel_reason ? { cancelReason: row.cancel_reason } : {}),
    updatedAt: row.updated_at.toISOString(),
  };
}

function instant(value: string, field: string): string {
  const ms = parseInstant(value);
  if (ms === undefined) throw new ValidationFailed(field, 'an RFC 3339 date-time with an offset');
  return isoOf(ms);
}

function encodeCursor(start: string, id: string): string {
  return Buffer.from(JSON.stringify([start, id])).toString('base64url');
}

function decodeCursor(cursor: string): { start: string; id: string } {
  try {
    const [start, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [string, string];
    if (typeof start !== 'string' || typeof id !== 'string') throw new Error('shape');
    return { start, id };
  } catch {
    throw new ValidationFailed('cursor', 'not a cursor this service issued');
  }
}
