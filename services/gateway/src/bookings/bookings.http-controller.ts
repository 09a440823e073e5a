import { Controller, Inject } from '@nestjs/common';
import { context, Downstream } from '../edge/downstream';
import { Edge } from '../edge/edge.interceptor';
import { reply, Route, type EdgeRequest } from '../edge/operation';
import { optional, pageOf } from '../edge/schemas';
import {
  blockForMaintenance,
  bookDirectly,
  bookingHistory,
  cancelBooking,
  changeBooking,
  confirmBooking,
  findAlternatives,
  getBooking,
  listMyBookings,
  listRoomBookings,
  liftMaintenance,
  placeHold,
  roomAvailability,
} from './booking.operations';

/** A booking as the booking service's gRPC reply has it (proto3: '' for unset, int64 as a string). */
export interface BookingReply {
  id: string;
  roomId: string;
  start: string;
  end: string;
  status: string;
  organizerId: string;
  title: string;
  version: string;
  expiresAt: string;
  meetingId: string;
  seriesId: string;
  cancelReason: string;
  updatedAt: string;
}

interface MaintenanceReply {
  id: string;
  roomId: string;
  start: string;
  end: string;
  status: string;
  cancelledBookingIds: string[];
}

export const bookingOut = (booking: BookingReply) => ({
  id: booking.id,
  roomId: booking.roomId,
  start: booking.start,
  end: booking.end,
  status: booking.status,
  organizerId: booking.organizerId,
  title: booking.title,
  version: Number(booking.version),
  expiresAt: optional(booking.expiresAt),
  meetingId: optional(booking.meetingId),
  seriesId: optional(booking.seriesId),
  cancelReason: optional(booking.cancelReason),
  updatedAt: optional(booking.updatedAt),
});

const bookingReply = (booking: BookingReply, created = false) =>
  reply(bookingOut(booking), {
    version: booking.version,
    ...(created ? { location: `/v1/bookings/${booking.id}` } : {}),
  });

/** Bookings, holds, availability and maintenance: mapped onto roomledger.booking.v1.BookingService. */
@Controller()
export class BookingsHttpController {
  constructor(@Inject(Downstream) private readonly services: Downstream) {}

  @Route(bookDirectly)
  async bookDirectly(@Edge() request: EdgeRequest<typeof bookDirectly>) {
    const booked = await this.services.call<BookingReply>(
      'booking',
      'BookDirectly',
      request.body,
      context(request),
    );
    return bookingReply(booked, true);
  }

  @Route(placeHold)
  async placeHold(@Edge() request: EdgeRequest<typeof placeHold>) {
    const held = await this.services.call<BookingReply>(
      'booking',
      'PlaceHold',
      request.body,
      context(request),
    );
    return bookingReply(held, true);
  }

  @Route(findAlternatives)
  async alternatives(@Edge() request: EdgeRequest<typeof findAlternatives>) {
    const found = await this.services.call<{ items: { roomId: string; start: string; end: string }[] }>(
      'booking',
      'FindAlternatives',
      request.query,
      context(request),
    );
    return { items: found.items };
  }

  @Route(getBooking)
  async get(@Edge() request: EdgeRequest<typeof getBooking>) {
    return bookingReply(await this.find(request.params.bookingId, request));
  }

  @Route(confirmBooking)
  async confirm(@Edge() request: EdgeRequest<typeof confirmBooking>) {
    const confirmed = await this.services.call<BookingReply>(
      'booking',
      'ConfirmBooking',
      { bookingId: request.params.bookingId, expectedVersion: request.expectedVersion },
      context(request),
    );
    return bookingReply(confirmed);
  }

  @Route(cancelBooking)
  async cancel(@Edge() request: EdgeRequest<typeof cancelBooking>) {
    const cancelled = await this.services.call<BookingReply>(
      'booking',
      'CancelBooking',
      {
        bookingId: request.params.bookingId,
        reason: request.body.reason ?? '',
        expectedVersion: request.expectedVersion,
      },
      context(request),
    );
    return bookingReply(cancelled);
  }

  /** A new interval in the same room, or another room (then a move, keeping the booking id). */
  @Route(changeBooking)
  async change(@Edge() request: EdgeRequest<typeof changeBooking>) {
    const { bookingId } = request.params;
    const { roomId, start, end } = request.body;
    if (roomId) {
      const moved = await this.services.call<BookingReply>(
        'booking',
        'MoveBooking',
        { bookingId, roomId, start: start ?? '', end: end ?? '', expectedVersion: request.expectedVersion },
        context(request),
      );
      return bookingReply(moved);
    }
    // A change of one end keeps the other: read it first (the If-Match check still happens in the decision).
    const current = start && end ? undefined : await this.find(bookingId, request);
    const rescheduled = await this.services.call<BookingReply>(
      'booking',
      'RescheduleBooking',
      {
        bookingId,
        start: start ?? current!.start,
        end: end ?? current!.end,
        expectedVersion: request.expectedVersion,
      },
      context(request),
    );
    return bookingReply(rescheduled);
  }

  @Route(bookingHistory)
  async history(@Edge() request: EdgeRequest<typeof bookingHistory>) {
    const history = await this.services.call<{
      bookingId: string;
      entries: {
        type: string;
        occurredAt: string;
        actorId: string;
        version: string;
        start: string;
        end: string;
        dataJson: string;
      }[];
    }>('booking', 'GetBookingHistory', { bookingId: request.params.bookingId }, context(request));
    return {
      bookingId: history.bookingId,
      entries: history.entries.map((entry) => ({
        type: entry.type,
        occurredAt: entry.occurredAt,
        actorId: optional(entry.actorId),
        version: Number(entry.version),
        start: optional(entry.start),
        end: optional(entry.end),
        data: entry.dataJson ? (JSON.parse(entry.dataJson) as Record<string, unknown>) : {},
      })),
    };
  }

  @Route(listRoomBookings)
  async roomBookings(@Edge() request: EdgeRequest<typeof listRoomBookings>) {
    return this.list(request, { roomId: request.params.roomId });
  }

  @Route(listMyBookings)
  async myBookings(@Edge() request: EdgeRequest<typeof listMyBookings>) {
    return this.list(request, { organizerId: 'me' });
  }

  @Route(roomAvailability)
  async availability(@Edge() request: EdgeRequest<typeof roomAvailability>) {
    const { from, to, minDuration } = request.query;
    return this.services.call<{ roomId: string; busy: unknown[]; free: unknown[] }>(
      'booking',
      'GetRoomAvailability',
      { roomId: request.params.roomId, from, to, minDurationMinutes: minDuration ?? 0 },
      context(request),
    );
  }

  @Route(blockForMaintenance)
  async block(@Edge() request: EdgeRequest<typeof blockForMaintenance>) {
    return this.services.call<MaintenanceReply>(
      'booking',
      'BlockForMaintenance',
      { roomId: request.params.roomId, ...request.body },
      context(request),
    );
  }

  @Route(liftMaintenance)
  async lift(@Edge() request: EdgeRequest<typeof liftMaintenance>) {
    return this.services.call<MaintenanceReply>(
      'booking',
      'LiftMaintenance',
      request.params,
      context(request),
    );
  }

  private find(bookingId: string, request: EdgeRequest): Promise<BookingReply> {
    return this.services.call<BookingReply>('booking', 'GetBooking', { bookingId }, context(request));
  }

  private async list(
    request: EdgeRequest<typeof listMyBookings | typeof listRoomBookings>,
    who: { roomId: string } | { organizerId: string },
  ) {
    const { from, to, status, limit, cursor } = request.query;
    const found = await this.services.call<{ items: BookingReply[]; nextCursor: string }>(
      'booking',
      'ListBookings',
      { ...who, from: from ?? '', to: to ?? '', statuses: status, limit: limit ?? 0, cursor: cursor ?? '' },
      context(request),
    );
    return pageOf(found, bookingOut);
  }
}
