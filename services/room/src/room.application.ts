import { uuidV5, type EventMetadata } from '@roomledger/event-store';
import {
  RoomNotFound,
  ValidationFailed,
  type Actor,
  type BookingPolicy,
  type RegisteredRoom,
  type RoomChanges,
  type RoomCommand,
  type RoomProfile,
  type RoomProfileInput,
} from '@roomledger/room-domain';
import type { Pool } from 'pg';
import type { RoomDecision, RoomHandler } from './catalogue/room.handler';
import { ROOM_BUSY_SCHEMA } from './read-model/busy-intervals';
import { ROOM_READ_SCHEMA } from './read-model/room-read.projection';

/** A room as the API shows it. */
export interface RoomView extends RoomProfile {
  readonly id: string;
  readonly retired: boolean;
  /** Its ETag: the stream revision + 1. */
  readonly version: number;
  readonly updatedAt: string;
}

/** Who asks and which decision this is: from the caller's metadata. */
export interface RequestContext {
  readonly actor: Actor;
  /** Names the decision; the same id sent again appends nothing twice. */
  readonly commandId: string;
  readonly metadata?: EventMetadata;
}

export interface SearchQuery {
  readonly minCapacity?: number;
  /** All of these. */
  readonly amenities?: readonly string[];
  readonly accessibility?: readonly string[];
  readonly building?: string;
  readonly floor?: string;
  /** Free for the whole of [freeFrom, freeTo): both or neither. */
  readonly freeFrom?: string;
  readonly freeTo?: string;
  readonly includeRetired?: boolean;
  readonly limit?: number;
  readonly cursor?: string;
}

/** Namespace of room ids derived from command ids (a random v4 UUID, fixed forever). */
const ROOM_ID_NAMESPACE = '1c3e52eb-0c1a-4126-ae0a-62d5e6e899e6';
const MAX_PAGE = 200;

interface RoomRow {
  room_id: string;
  name: string;
  building: string | null;
  floor: string | null;
  capacity: number;
  seats: number;
  time_zone: string;
  amenities: string[];
  accessibility: string[];
  opening_hours: RoomProfile['openingHours'];
  closures: RoomProfile['closures'];
  policy: BookingPolicy;
  retired: boolean;
  version: number;
  updated_at: Date;
}

/**
 * The room service's use cases, between gRPC and the domain: commands go through the
 * {@link RoomHandler} (the room's own stream, strongly consistent), `get` reads that stream too (a room
 * stream is a handful of events), `search` reads `room_read` and `room_busy` (eventually consistent).
 */
export class RoomApplication {
  private readonly clock: () => Date;

  constructor(
    private readonly handler: RoomHandler,
    private readonly pool: Pool,
    options: { clock?: () => Date } = {},
  ) {
    this.clock = options.clock ?? (() => new Date());
  }

  /** Without a room id, the id derives from the command id, so a retried command registers one room. */
  async register(
    context: RequestContext,
    input: { roomId?: string; room: RoomProfileInput },
  ): Promise<RoomView> {
    const roomId = input.roomId || uuidV5(`room/${context.commandId}`, ROOM_ID_NAMESPACE);
    return this.decide(context, roomId, {
      type: 'RegisterRoom',
      data: { roomId, room: input.room },
      metadata: this.commandMetadata(context),
    });
  }

  async update(
    context: RequestContext,
    roomId: string,
    changes: RoomChanges,
    expectedVersion?: number,
  ): Promise<RoomView> {
    return this.decide(context, roomId, {
      type: 'UpdateRoom',
      data: { roomId, changes, ...(expectedVersion !== undefined && { expectedVersion }) },
      metadata: this.commandMetadata(context),
    });
  }

  async retire(
    context: RequestContext,
    roomId: string,
    options: { reason?: string; expectedVersion?: number } = {},
  ): Promise<RoomView> {
    return this.decide(context, roomId, {
      type: 'RetireRoom',
      data: {
        roomId,
        ...(options.reason !== undefined && { reason: options.reason }),
        ...(options.expectedVersion !== undefined && { expectedVersion: options.expectedVersion }),
      },
      metadata: this.commandMetadata(context),
    });
  }

  async get(roomId: string): Promise<RoomView> {
    const { state } = await this.handler.load(roomId);
    if (state.status === 'unregistered') throw new RoomNotFound(roomId);
    return viewOf(state);
  }

  /**
   * Catalogue search in one SQL query over `room_read.rooms`, ordered by (name, id), a page at a time
   * (the cursor is the last row's name and id). "Free for the whole of [from, to)" asks `room_busy`:
   * no active maintenance block within the window widened by the room's buffers, and fewer live
   * bookings (confirmed, or held with `expires_at` after now) than seats within it widened by both
   * buffers (an entry blocks the buffers on each side of it). For a room of one seat that is "none at
   * all"; for a shared room it may answer busy where seats would still be free at every instant, never
   * the other way round. Overlap is spelled on the bounds (`end_at` after the window's start, `start_at`
   * before its end, the entry not empty), the same as `period && [from, to)`, so the btree on
   * `(room_id, end_at)` serves it (`read-model/busy-intervals.ts`).
   */
  async search(query: SearchQuery): Promise<{ items: RoomView[]; nextCursor?: string }> {
    const limit = Math.min(Math.max(query.limit || 50, 1), MAX_PAGE);
    if (query.minCapacity !== undefined && !(Number.isInteger(query.minCapacity) && query.minCapacity >= 0)) {
      throw new ValidationFailed('minCapacity', 'a non-negative integer');
    }
    if (!query.freeFrom !== !query.freeTo) {
      throw new ValidationFailed(
        query.freeFrom ? 'freeTo' : 'freeFrom',
        'give both freeFrom and freeTo, or neither',
      );
    }
    const from = query.freeFrom ? instant(query.freeFrom, 'freeFrom') : null;
    const to = query.freeTo ? instant(query.freeTo, 'freeTo') : null;
    if (from && to && Date.parse(to) <= Date.parse(from))
      throw new ValidationFailed('freeTo', 'after freeFrom');
    const after = query.cursor ? decodeCursor(query.cursor) : undefined;
    const values: unknown[] = [
      query.minCapacity || null,
      features(query.amenities),
      features(query.accessibility),
      query.building?.trim() || null,
      query.floor?.trim() || null,
      query.includeRetired === true,
      from,
      to,
      this.clock().toISOString(),
      after?.name ?? null,
      after?.id ?? null,
      limit + 1,
    ];
    const { rows } = await this.pool.query<RoomRow>(
      `select r.* from ${ROOM_READ_SCHEMA}.rooms r
        where ($1::int is null or r.capacity >= $1)
          and r.amenities @> $2::text[]
          and r.accessibility @> $3::text[]
          and ($4::text is null or lower(r.building) = lower($4))
          and ($5::text is null or lower(r.floor) = lower($5))
          and ($6::boolean or not r.retired)
          and ($10::text is null or (r.name, r.room_id) > ($10::text, $11::text))
          and ($7::timestamptz is null or (
            not exists (
              select 1 from ${ROOM_BUSY_SCHEMA}.intervals block
               where block.room_id = r.room_id and block.kind = 'maintenance' and block.status = 'active'
                 and block.end_at > $7::timestamptz - make_interval(mins => r.buffer_before_minutes)
                 and block.start_at < $8::timestamptz + make_interval(mins => r.buffer_after_minutes)
                 and block.start_at < block.end_at)
            and (
              select count(*) from ${ROOM_BUSY_SCHEMA}.intervals busy
               where busy.room_id = r.room_id and busy.kind = 'booking'
                 and (busy.status = 'confirmed' or (busy.status = 'held' and busy.expires_at > $9::timestamptz))
                 and busy.end_at > $7::timestamptz - make_interval(mins => r.buffer_before_minutes + r.buffer_after_minutes)
                 and busy.start_at < $8::timestamptz + make_interval(mins => r.buffer_before_minutes + r.buffer_after_minutes)
                 and busy.start_at < busy.end_at
            ) < r.seats))
        order by r.name, r.room_id
        limit $12`,
      values,
    );
    const items = rows.slice(0, limit).map(viewOfRow);
    const last = items[items.length - 1];
    return rows.length > limit && last ? { items, nextCursor: encodeCursor(last.name, last.id) } : { items };
  }

  private async decide(context: RequestContext, roomId: string, command: RoomCommand): Promise<RoomView> {
    const decision: RoomDecision = await this.handler.handle(roomId, command, context.metadata);
    if (decision.state.status === 'unregistered') throw new RoomNotFound(roomId);
    return viewOf(decision.state);
  }

  private commandMetadata(context: RequestContext) {
    return { commandId: context.commandId, actor: context.actor, now: this.clock().toISOString() };
  }
}

function viewOf(state: RegisteredRoom): RoomView {
  return {
    id: state.roomId,
    ...state.room,
    retired: state.status === 'retired',
    version: state.version,
    updatedAt: state.updatedAt,
  };
}

function viewOfRow(row: RoomRow): RoomView {
  return {
    id: row.room_id,
    name: row.name,
    ...(row.building !== null && { building: row.building }),
    ...(row.floor !== null && { floor: row.floor }),
    capacity: row.capacity,
    seats: row.seats,
    timeZone: row.time_zone,
    amenities: row.amenities,
    accessibility: row.accessibility,
    openingHours: row.opening_hours,
    closures: row.closures,
    policy: row.policy,
    retired: row.retired,
    version: row.version,
    updatedAt: row.updated_at.toISOString(),
  };
}

/** Filter lists match how rooms store them: trimmed, lower-case. */
function features(values: readonly string[] | undefined): string[] {
  return [...new Set((values ?? []).map((value) => value.trim().toLowerCase()).filter(Boolean))];
}

function instant(value: string, field: string): string {
  const ms = Date.parse(value);
  if (!/^\d{4}-\d{2}-\d{2}T.*(?:Z|[+-]\d{2}:\d{2})$/i.test(value) || Number.isNaN(ms)) {
    throw new ValidationFailed(field, 'an RFC 3339 date-time with an offset');
  }
  return new Date(ms).toISOString();
}

function encodeCursor(name: string, id: string): string {
  return Buffer.from(JSON.stringify([name, id])).toString('base64url');
}

function decodeCursor(cursor: string): { name: string; id: string } {
  try {
    const [name, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [string, string];
    if (typeof name !== 'string' || typeof id !== 'string') throw new Error('shape');
    return { name, id };
  } catch {
    throw new ValidationFailed('cursor', 'not a cursor this service issued');
  }
}
