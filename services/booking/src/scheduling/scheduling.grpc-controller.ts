import type { Metadata } from '@grpc/grpc-js';
import { Controller, Inject, UseFilters } from '@nestjs/common';
import { GrpcMethod } from '@nestjs/microservices';
import { ValidationFailed, isoOf } from '@roomledger/booking-domain';
import { optionalText } from '@roomledger/service-runtime';
import { BookingRuntime } from '../booking.runtime';
import { BookingGrpcErrorFilter, requestContext } from '../grpc/booking.grpc-controller';

interface Req {
  [field: string]: unknown;
}

const ids = (value: unknown): string[] =>
  Array.isArray(value)
    ? (value as unknown[]).filter((id): id is string => typeof id === 'string' && id !== '')
    : [];

/** `roomledger.scheduling.v1.SchedulingService`: the scheduling assistant over the read models. */
@Controller()
@UseFilters(BookingGrpcErrorFilter)
export class SchedulingGrpcController {
  constructor(@Inject(BookingRuntime) private readonly runtime: BookingRuntime) {}

  @GrpcMethod('SchedulingService', 'FindTimes')
  async findTimes(request: Req, metadata: Metadata) {
    const { actor } = requestContext(metadata);
    const required = ids(request.requiredAttendees);
    if (request.excludeCaller !== true && !required.includes(actor.userId)) required.unshift(actor.userId);
    const duration = Number(request.durationMinutes);
    if (!Number.isInteger(duration) || duration < 1 || duration > 1440)
      throw new ValidationFailed('durationMinutes', 'an integer 1..1440');
    const share = Number(request.minAttendeeShare ?? 0);
    if (!(share >= 0 && share <= 1)) throw new ValidationFailed('minAttendeeShare', '0..1');
    const room = request.room as Req | null | undefined;
    const answer = await this.runtime.meetings.scheduling.findTimes({
      requiredAttendees: required,
      optionalAttendees: ids(request.optionalAttendees),
      durationMinutes: duration,
      from: optionalText(request.from) ?? '',
      to: optionalText(request.to) ?? '',
      timeZone: optionalText(request.timeZone),
      ignoreWorkingHours: request.ignoreWorkingHours === true,
      stepMinutes: Number(request.stepMinutes) || undefined,
      maxCandidates: Math.min(Number(request.maxCandidates) || 10, 100),
      minAttendeeShare: share,
      ...(room
        ? {
            room: {
              minCapacity: Number(room.minCapacity) || 0,
              amenities: ids(room.amenities),
              building: optionalText(room.building),
              roomIds: ids(room.roomIds),
            },
          }
        : {}),
    });
    return {
      candidates: answer.result.candidates.map((candidate) => ({
        start: isoOf(Date.parse(candidate.start)),
        end: isoOf(Date.parse(candidate.end)),
        confidence: candidate.confidence,
        attendeeShare: candidate.attendeeShare,
        attendees: candidate.attendees.map((a) => ({
          userId: a.id,
          availability: a.availability,
          required: answer.required.has(a.id),
        })),
        roomIds: [...candidate.rooms],
      })),
      reason: answer.result.reason ?? '',
      unknownAttendees: [...answer.unknownAttendees],
      roomsConsidered: [...answer.roomsConsidered],
    };
  }
}
