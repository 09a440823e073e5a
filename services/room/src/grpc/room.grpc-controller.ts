import type { Metadata } from '@grpc/grpc-js';
import { Controller, Inject, Injectable, UseFilters } from '@nestjs/common';
import { GrpcMethod } from '@nestjs/microservices';
import type { EventMetadata } from '@roomledger/event-store';
import {
  Forbidden,
  RoomError,
  ValidationFailed,
  type BookingPolicy,
  type RoomChanges,
  type RoomProfileInput,
} from '@roomledger/room-domain';
import {
  GrpcErrorFilter,
  LOGGER,
  callerOf,
  commandIdOf,
  optionalText,
  traceContext,
  type ErrorMapper,
} from '@roomledger/service-runtime';
import type { Logger } from 'pino';
import { RoomContended } from '../catalogue/room.handler';
import type { RequestContext, RoomView } from '../room.application';
import { RoomRuntime } from '../room.runtime';

/** Domain refusals as the API's codes; a bad field travels in ErrorInfo metadata `field`. */
export const mapRoomError: ErrorMapper = (error): ReturnType<ErrorMapper> => {
  if (error instanceof ValidationFailed) {
    return { code: 'validation_failed', message: error.message, info: { field: error.field } };
  }
  if (error instanceof RoomError || error instanceof Forbidden)
    return { code: error.code, message: error.message };
  if (error instanceof RoomContended) {
    return { code: 'contended', message: 'the room is busy with other changes; try again' };
  }
  return undefined;
};

@Injectable()
export class RoomGrpcErrorFilter extends GrpcErrorFilter {
  constructor(@Inject(LOGGER) logger: Logger) {
    super(logger, mapRoomError);
  }
}

interface Req {
  [field: string]: unknown;
}

/** `roomledger.room.v1.RoomService`: decodes requests, calls the application, encodes replies. */
@Controller()
@UseFilters(RoomGrpcErrorFilter)
export class RoomGrpcController {
  constructor(@Inject(RoomRuntime) private readonly runtime: RoomRuntime) {}

  private get app() {
    return this.runtime.application;
  }

  @GrpcMethod('RoomService', 'RegisterRoom')
  register(request: Req, metadata: Metadata) {
    return this.decision('RegisterRoom', async () =>
      roomReply(
        await this.app.register(requestContext(metadata), {
          roomId: text(request.roomId),
          room: profileInput(spec(request.room)),
        }),
      ),
    );
  }

  @GrpcMethod('RoomService', 'UpdateRoom')
  update(request: Req, metadata: Metadata) {
    return this.decision('UpdateRoom', async () => {
      const context = requestContext(metadata);
      return roomReply(
        await this.app.update(
          context,
          required(request, 'roomId'),
          changesFrom(spec(request.room), request.updateMask),
          version(request),
        ),
      );
    });
  }

  @GrpcMethod('RoomService', 'RetireRoom')
  retire(request: Req, metadata: Metadata) {
    return this.decision('RetireRoom', async () => {
      const context = requestContext(metadata);
      return roomReply(
        await this.app.retire(context, required(request, 'roomId'), {
          reason: text(request.reason),
          expectedVersion: version(request),
        }),
      );
    });
  }

  @GrpcMethod('RoomService', 'GetRoom')
  async get(request: Req, metadata: Metadata) {
    requestContext(metadata);
    return roomReply(await this.app.get(required(request, 'roomId')));
  }

  @GrpcMethod('RoomService', 'SearchRooms')
  async search(request: Req, metadata: Metadata) {
    requestContext(metadata);
    const page = await this.app.search({
      minCapacity: Number(request.minCapacity) || undefined,
      amenities: strings(request.amenities),
      accessibility: strings(request.accessibility),
      building: text(request.building),
      floor: text(request.floor),
      freeFrom: text(request.freeFrom),
      freeTo: text(request.freeTo),
      includeRetired: request.includeRetired === true,
      limit: Number(request.limit) || undefined,
      cursor: text(request.cursor),
    });
    return { items: page.items.map(roomReply), nextCursor: page.nextCursor ?? '' };
  }

  /** Counts the outcome of a command. */
  private async decision<T>(command: string, run: () => Promise<T>): Promise<T> {
    try {
      const result = await run();
      this.runtime.metrics.decisions.inc({ command, outcome: 'ok' });
      return result;
    } catch (error) {
      this.runtime.metrics.decisions.inc({ command, outcome: mapRoomError(error)?.code ?? 'internal' });
      throw error;
    }
  }
}

/** Who is asking (from the gateway's metadata) and which decision this is. */
export function requestContext(metadata: Metadata): RequestContext {
  const commandId = commandIdOf(metadata);
  const eventMetadata: EventMetadata = { correlationId: commandId, ...traceContext() };
  return { actor: callerOf(metadata), commandId, metadata: eventMetadata };
}

/** The `RoomSpec` message as decoded (camelCase, defaults filled in). */
interface Spec {
  name: string;
  building: string;
  floor: string;
  capacity: number;
  seats: number;
  timeZone: string;
  amenities: string[];
  accessibility: string[];
  openingHours: { weekday: string; opens: string; closes: string }[];
  closures: { date: string; from: string; to: string; reason: string }[];
  policy: Record<keyof BookingPolicy, number> | null;
}

function spec(value: unknown): Spec {
  const given = (typeof value === 'object' && value !== null ? value : {}) as Partial<Spec>;
  return {
    name: given.name ?? '',
    building: given.building ?? '',
    floor: given.floor ?? '',
    capacity: Number(given.capacity ?? 0),
    seats: Number(given.seats ?? 0),
    timeZone: given.timeZone ?? '',
    amenities: given.amenities ?? [],
    accessibility: given.accessibility ?? [],
    openingHours: given.openingHours ?? [],
    closures: given.closures ?? [],
    policy: given.policy ?? null,
  };
}

/** Proto has no null: 0 means "no maximum" / "no limit" for the two rules whose minimum is 1. */
function policyInput(policy: Spec['policy']): Partial<BookingPolicy> | undefined {
  if (!policy) return undefined;
  return {
    minDurationMinutes: Number(policy.minDurationMinutes ?? 0),
    maxDurationMinutes: Number(policy.maxDurationMinutes ?? 0) || null,
    bookingWindowDays: Number(policy.bookingWindowDays ?? 0) || null,
    minNoticeMinutes: Number(policy.minNoticeMinutes ?? 0),
    bufferBeforeMinutes: Number(policy.bufferBeforeMinutes ?? 0),
    bufferAfterMinutes: Number(policy.bufferAfterMinutes ?? 0),
  };
}

function closuresInput(closures: Spec['closures']): RoomProfileInput['closures'] {
  return closures.map(({ date, from, to, reason }) => ({
    date,
    ...(from ? { from } : {}),
    ...(to ? { to } : {}),
    ...(reason ? { reason } : {}),
  }));
}

function profileInput(room: Spec): RoomProfileInput {
  return {
    name: room.name,
    capacity: room.capacity,
    timeZone: room.timeZone,
    ...(room.building ? { building: room.building } : {}),
    ...(room.floor ? { floor: room.floor } : {}),
    ...(room.seats ? { seats: room.seats } : {}),
    amenities: room.amenities,
    accessibility: room.accessibility,
    openingHours: room.openingHours as RoomProfileInput['openingHours'],
    closures: closuresInput(room.closures),
    policy: policyInput(room.policy),
  };
}

const POLICY_PATHS: Record<string, keyof BookingPolicy> = {
  'policy.min_duration_minutes': 'minDurationMinutes',
  'policy.max_duration_minutes': 'maxDurationMinutes',
  'policy.booking_window_days': 'bookingWindowDays',
  'policy.min_notice_minutes': 'minNoticeMinutes',
  'policy.buffer_before_minutes': 'bufferBeforeMinutes',
  'policy.buffer_after_minutes': 'bufferAfterMinutes',
};

/** `update_mask` paths (snake_case or camelCase) → the domain's partial changes. */
function changesFrom(room: Spec, mask: unknown): RoomChanges {
  const paths = strings(mask).map((path) => path.trim().replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`));
  if (paths.length === 0) throw new ValidationFailed('updateMask', 'name at least one field to change');
  const policy = policyInput(room.policy ?? ({} as Spec['policy'])) ?? {};
  const changes: Record<string, unknown> = {};
  const policyChanges: Record<string, unknown> = {};
  for (const path of paths) {
    switch (path) {
      case 'name':
      case 'capacity':
      case 'amenities':
      case 'accessibility':
        changes[path] = room[path];
        break;
      case 'building':
      case 'floor':
        changes[path] = room[path] || null;
        break;
      case 'seats':
        changes.seats = room.seats || 1;
        break;
      case 'time_zone':
        changes.timeZone = room.timeZone;
        break;
      case 'opening_hours':
        changes.openingHours = room.openingHours;
        break;
      case 'closures':
        changes.closures = closuresInput(room.closures);
        break;
      case 'policy':
        Object.assign(policyChanges, policy);
        break;
      default: {
        const rule = POLICY_PATHS[path];
        if (!rule) throw new ValidationFailed('updateMask', `unknown field ${path}`);
        policyChanges[rule] = policy[rule];
      }
    }
  }
  if (Object.keys(policyChanges).length > 0) changes.policy = policyChanges;
  return changes as RoomChanges;
}

function roomReply(room: RoomView) {
  return {
    id: room.id,
    name: room.name,
    building: room.building ?? '',
    floor: room.floor ?? '',
    capacity: room.capacity,
    seats: room.seats,
    timeZone: room.timeZone,
    amenities: [...room.amenities],
    accessibility: [...room.accessibility],
    openingHours: room.openingHours.map((span) => ({ ...span })),
    closures: room.closures.map((closure) => ({
      date: closure.date,
      from: closure.from ?? '',
      to: closure.to ?? '',
      reason: closure.reason ?? '',
    })),
    policy: {
      ...room.policy,
      maxDurationMinutes: room.policy.maxDurationMinutes ?? 0,
      bookingWindowDays: room.policy.bookingWindowDays ?? 0,
    },
    retired: room.retired,
    version: room.version,
    updatedAt: room.updatedAt,
  };
}

const text = optionalText;

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}

function required(request: Req, field: string): string {
  const value = text(request[field]);
  if (!value) throw new ValidationFailed(field, 'required');
  return value;
}

function version(request: Req): number | undefined {
  const value = Number(request.expectedVersion ?? 0);
  if (!Number.isInteger(value) || value < 0) throw new ValidationFailed('expectedVersion', 'a version');
  return value === 0 ? undefined : value;
}
