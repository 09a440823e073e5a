import type { Metadata } from '@grpc/grpc-js';
import { Controller, Inject, Injectable, UseFilters } from '@nestjs/common';
import { GrpcMethod } from '@nestjs/microservices';
import {
  DomainError,
  MeetingCancelledAlready,
  PolicyViolation,
  SlotTaken,
  ValidationFailed,
  isoOf,
  msOf,
  type TimeSpan,
} from '@roomledger/booking-domain';
import { isUuid, type EventMetadata } from '@roomledger/event-store';
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
import type {
  BookingStatus,
  BookingView,
  HistoryEntryView,
  MaintenanceView,
  RequestContext,
} from '../booking.application';
import { BookingRuntime } from '../booking.runtime';
import { AttendeesBusy } from '../meetings/meeting.errors';
import { StreamContended } from '../schedule/decision-handler';

/** A refused slot with the alternatives found for it (for `409 slot_taken`). */
export class SlotTakenWithAlternatives extends Error {
  constructor(
    readonly refusal: SlotTaken,
    readonly alternatives: readonly { roomId: string; start: string; end: string }[],
  ) {
    super(refusal.message);
  }
}

/** Domain refusals as the API's codes, with what the caller needs in ErrorInfo metadata. */
export const mapBookingError: ErrorMapper = (error): ReturnType<ErrorMapper> => {
  if (error instanceof SlotTakenWithAlternatives) {
    return {
      code: 'slot_taken',
      message: error.message,
      info: {
        conflicts: JSON.stringify(error.refusal.conflicts),
        alternatives: JSON.stringify(error.alternatives),
        ...occurrencesOf(error.refusal),
      },
    };
  }
  if (error instanceof SlotTaken) {
    return {
      code: 'slot_taken',
      message: error.message,
      info: { conflicts: JSON.stringify(error.conflicts), ...occurrencesOf(error) },
    };
  }
  if (error instanceof AttendeesBusy) {
    return {
      code: 'attendees_busy',
      message: error.message,
      info: { attendees: JSON.stringify(error.attendees) },
    };
  }
  if (error instanceof MeetingCancelledAlready) {
    return { code: 'invalid_meeting_state', message: error.message };
  }
  if (error instanceof PolicyViolation) {
    return {
      code: 'policy_violation',
      message: error.message,
      info: { rule: error.rule, ...(error.interval ? { interval: JSON.stringify(error.interval) } : {}) },
    };
  }
  if (error instanceof ValidationFailed) {
    return { code: 'validation_failed', message: error.message, info: { field: error.field } };
  }
  if (error instanceof StreamContended) {
    return { code: 'contended', message: 'the room or meeting is busy with other decisions; try again' };
  }
  if (error instanceof DomainError) return { code: error.code, message: error.message };
  return undefined;
};

/** A refused series: which occurrences conflicted, each with what it ran into. */
function occurrencesOf(refusal: SlotTaken): { occurrences?: string } {
  const occurrences = refusal.details.occurrences;
  return occurrences?.length ? { occurrences: JSON.stringify(occurrences) } : {};
}

@Injectable()
export class BookingGrpcErrorFilter extends GrpcErrorFilter {
  constructor(@Inject(LOGGER) logger: Logger) {
    super(logger, mapBookingError);
  }
}

interface Req {
  [field: string]: unknown;
}

/** `roomledger.booking.v1.BookingService`: decodes requests, calls the application, encodes replies. */
@Controller()
@UseFilters(BookingGrpcErrorFilter)
export class BookingGrpcController {
  constructor(@Inject(BookingRuntime) private readonly runtime: BookingRuntime) {}

  private get app() {
    return this.runtime.application;
  }

  @GrpcMethod('BookingService', 'PlaceHold')
  placeHold(request: Req, metadata: Metadata) {
    return this.decision('PlaceHold', async () =>
      bookingReply(
        await this.withAlternatives(request, () =>
          this.app.placeHold(requestContext(metadata), {
            ...newBookingInput(request),
            ttlSeconds: Number(request.ttlSeconds) || undefined,
          }),
        ),
      ),
    );
  }

  @GrpcMethod('BookingService', 'BookDirectly')
  bookDirectly(request: Req, metadata: Metadata) {
    return this.decision('BookDirectly', async () =>
      bookingReply(
        await this.withAlternatives(request, () =>
          this.app.bookDirectly(requestContext(metadata), newBookingInput(request)),
        ),
      ),
    );
  }

  @GrpcMethod('BookingService', 'ConfirmBooking')
  confirm(request: Req, metadata: Metadata) {
    return this.decision('ConfirmBooking', async () =>
      bookingReply(
        await this.app.confirm(requestContext(metadata), required(request, 'bookingId'), version(request)),
      ),
    );
  }

  @GrpcMethod('BookingService', 'CancelBooking')
  cancel(request: Req, metadata: Metadata) {
    return this.decision('CancelBooking', async () =>
      bookingReply(
        await this.app.cancel(requestContext(metadata), required(request, 'bookingId'), {
          reason: text(request.reason),
          expectedVersion: version(request),
        }),
      ),
    );
  }

  @GrpcMethod('BookingService', 'RescheduleBooking')
  reschedule(request: Req, metadata: Metadata) {
    return this.decision('RescheduleBooking', async () =>
      bookingReply(
        await this.app.reschedule(requestContext(metadata), required(request, 'bookingId'), {
          start: required(request, 'start'),
          end: required(request, 'end'),
          expectedVersion: version(request),
        }),
      ),
    );
  }

  @GrpcMethod('BookingService', 'MoveBooking')
  move(request: Req, metadata: Metadata) {
    return this.decision('MoveBooking', async () =>
      bookingReply(
        await this.app.move(requestContext(metadata), required(request, 'bookingId'), {
          roomId: required(request, 'roomId'),
          start: text(request.start),
          end: text(request.end),
          expectedVersion: version(request),
        }),
      ),
    );
  }

  @GrpcMethod('BookingService', 'BlockForMaintenance')
  block(request: Req, metadata: Metadata) {
    return this.decision('BlockForMaintenance', async () =>
      maintenanceReply(
        await this.app.blockForMaintenance(requestContext(metadata), {
          roomId: required(request, 'roomId'),
          start: required(request, 'start'),
          end: required(request, 'end'),
          reason: text(request.reason),
          force: request.force === true,
          blockId: text(request.blockId),
        }),
      ),
    );
  }

  @GrpcMethod('BookingService', 'LiftMaintenance')
  lift(request: Req, metadata: Metadata) {
    return this.decision('LiftMaintenance', async () =>
      maintenanceReply(
        await this.app.liftMaintenance(
          requestContext(metadata),
          required(request, 'roomId'),
          required(request, 'blockId'),
        ),
      ),
    );
  }

  @GrpcMethod('BookingService', 'GetBooking')
  async getBooking(request: Req, metadata: Metadata) {
    requestContext(metadata);
    return bookingReply(await this.app.getBooking(required(request, 'bookingId')));
  }

  @GrpcMethod('BookingService', 'GetBookingHistory')
  async history(request: Req, metadata: Metadata) {
    requestContext(metadata);
    const bookingId = required(request, 'bookingId');
    const entries = await this.app.history(bookingId);
    return { bookingId, entries: entries.map(historyReply) };
  }

  @GrpcMethod('BookingService', 'ListBookings')
  async list(request: Req, metadata: Metadata) {
    const { actor } = requestContext(metadata);
    const organizerId = text(request.organizerId) === 'me' ? actor.userId : text(request.organizerId);
    const page = await this.app.list({
      roomId: text(request.roomId),
      organizerId,
      from: text(request.from),
      to: text(request.to),
      statuses: Array.isArray(request.statuses) ? (request.statuses as BookingStatus[]) : undefined,
      limit: Number(request.limit) || undefined,
      cursor: text(request.cursor),
    });
    return { items: page.items.map(bookingReply), nextCursor: page.nextCursor ?? '' };
  }

  @GrpcMethod('BookingService', 'GetRoomAvailability')
  async availability(request: Req, metadata: Metadata) {
    requestContext(metadata);
    const roomId = required(request, 'roomId');
    const result = await this.app.availability(roomId, {
      from: required(request, 'from'),
      to: required(request, 'to'),
      minDurationMinutes: Number(request.minDurationMinutes) || 0,
    });
    return { roomId, busy: result.busy.map(span), free: result.free.map(span) };
  }

  @GrpcMethod('BookingService', 'FindAlternatives')
  async alternatives(request: Req, metadata: Metadata) {
    requestContext(metadata);
    const items = await this.app.alternatives(
      required(request, 'roomId'),
      { start: required(request, 'start'), end: required(request, 'end') },
      Math.min(Number(request.limit) || 3, 20),
    );
    return { items: items.map((item) => ({ ...item, ...span(item) })) };
  }

  /** Counts the outcome of a command. */
  private async decision<T>(command: string, run: () => Promise<T>): Promise<T> {
    try {
      const result = await run();
      this.runtime.metrics.decisions.inc({ command, outcome: 'ok' });
      return result;
    } catch (error) {
      const code = mapBookingError(error)?.code ?? 'internal';
      this.runtime.metrics.decisions.inc({ command, outcome: code });
      throw error;
    }
  }

  /** A refused slot gets up to three alternatives (same room nearby, then other rooms). */
  private async withAlternatives(request: Req, run: () => Promise<BookingView>): Promise<BookingView> {
    try {
      return await run();
    } catch (error) {
      if (!(error instanceof SlotTaken)) throw error;
      const slot: TimeSpan = { start: String(request.start), end: String(request.end) };
      const alternatives = await this.app.alternatives(String(request.roomId), slot, 3).catch(() => []);
      throw new SlotTakenWithAlternatives(error, alternatives);
    }
  }
}

/** Who is asking (from the gateway's metadata) and which decision this is. */
export function requestContext(metadata: Metadata): RequestContext {
  const commandId = commandIdOf(metadata);
  const eventMetadata: EventMetadata = { correlationId: commandId, ...traceContext() };
  return { actor: callerOf(metadata), commandId, metadata: eventMetadata };
}

const text = optionalText;

function required(request: Req, field: string): string {
  const value = text(request[field]);
  if (!value) throw new ValidationFailed(field, 'required');
  return value;
}

/** Booking ids are UUIDs (the public contract says so); a caller may choose one, e.g. to retry safely. */
function uuid(request: Req, field: string): string | undefined {
  const value = text(request[field]);
  if (value !== undefined && !isUuid(value)) throw new ValidationFailed(field, 'a UUID');
  return value;
}

function version(request: Req): number | undefined {
  const value = Number(request.expectedVersion ?? 0);
  if (!Number.isInteger(value) || value < 0) throw new ValidationFailed('expectedVersion', 'a version');
  return value === 0 ? undefined : value;
}

function newBookingInput(request: Req) {
  return {
    roomId: required(request, 'roomId'),
    start: required(request, 'start'),
    end: required(request, 'end'),
    title: typeof request.title === 'string' ? request.title : '',
    organizerId: text(request.organizerId),
    bookingId: uuid(request, 'bookingId'),
    meetingId: text(request.meetingId),
  };
}

/** Replies name instants one way: UTC, `Z`, milliseconds only when there are any (as the domain writes them). */
function utc(value: string | undefined): string {
  return value ? isoOf(msOf(value)) : '';
}

function span(value: TimeSpan): TimeSpan {
  return { start: utc(value.start), end: utc(value.end) };
}

function bookingReply(booking: BookingView) {
  return {
    id: booking.id,
    roomId: booking.roomId,
    start: utc(booking.start),
    end: utc(booking.end),
    status: booking.status,
    organizerId: booking.organizerId,
    title: booking.title,
    version: booking.version,
    expiresAt: utc(booking.expiresAt),
    meetingId: booking.meetingId ?? '',
    seriesId: booking.seriesId ?? '',
    cancelReason: booking.cancelReason ?? '',
    updatedAt: utc(booking.updatedAt),
  };
}

function maintenanceReply(block: MaintenanceView) {
  return {
    ...block,
    start: utc(block.start),
    end: utc(block.end),
    cancelledBookingIds: [...block.cancelledBookingIds],
  };
}

function historyReply(entry: HistoryEntryView) {
  return {
    type: entry.type,
    occurredAt: utc(entry.occurredAt),
    actorId: entry.actorId ?? '',
    version: entry.version,
    start: utc(entry.start),
    end: utc(entry.end),
    dataJson: JSON.stringify(entry.data),
  };
}
