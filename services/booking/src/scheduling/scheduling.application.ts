import {
  DAY_MS,
  ValidationFailed,
  findTimes,
  isTimeZone,
  isoOf,
  parseInstant,
  subtract,
  type FindTimesResult,
  type SchedulingAttendee,
  type TimeSpan,
  type WorkingHoursSpan,
} from '@roomledger/booking-domain';
import type { Pool } from 'pg';
import type { BookingApplication } from '../booking.application';
import type { CalendarQueries } from '../meetings/calendar.queries';

export interface RoomRequirements {
  /** Seats needed; 0: the number of attendees. */
  readonly minCapacity?: number;
  readonly amenities?: readonly string[];
  readonly building?: string;
  readonly roomIds?: readonly string[];
}

export interface FindTimesInput {
  readonly requiredAttendees: readonly string[];
  readonly optionalAttendees: readonly string[];
  readonly durationMinutes: number;
  readonly from: string;
  readonly to: string;
  /** For attendees without a profile. */
  readonly timeZone?: string;
  readonly ignoreWorkingHours?: boolean;
  readonly stepMinutes?: number;
  readonly maxCandidates?: number;
  readonly minAttendeeShare?: number;
  readonly room?: RoomRequirements;
}

export interface FindTimesAnswer {
  readonly result: FindTimesResult;
  readonly required: ReadonlySet<string>;
  readonly unknownAttendees: readonly string[];
  readonly roomsConsidered: readonly string[];
}

/** A window the assistant searches spans at most this much. */
const MAX_WINDOW_DAYS = 31;
const MAX_ROOMS = 20;
const MAX_ATTENDEES = 200;

/**
 * The scheduling assistant over the read models: each attendee's busy time from the calendar rows
 * (`booking_read.calendar_entries`), their zone and working hours from `booking_directory.user_profiles`,
 * candidate rooms from the replicated catalogue (`booking_read.rooms` for capacity and retirement,
 * `booking_directory.room_profiles` for building and amenities) and each room's free time from its
 * schedule (opening hours, notice, buffers, booking window applied); then the domain's `findTimes`.
 */
export class SchedulingApplication {
  constructor(
    private readonly pool: Pool,
    private readonly calendars: CalendarQueries,
    private readonly bookings: BookingApplication,
  ) {}

  async findTimes(input: FindTimesInput): Promise<FindTimesAnswer> {
    const from = parseInstant(input.from);
    const to = parseInstant(input.to);
    if (from === undefined) throw new ValidationFailed('from', 'an RFC 3339 date-time with an offset');
    if (to === undefined || to <= from) throw new ValidationFailed('to', 'an RFC 3339 date-time after from');
    if (to - from > MAX_WINDOW_DAYS * DAY_MS)
      throw new ValidationFailed('to', `at most ${MAX_WINDOW_DAYS} days after from`);
    const fallbackZone = input.timeZone || 'UTC';
    if (!isTimeZone(fallbackZone)) throw new ValidationFailed('timeZone', 'an IANA time zone');
    const required = new Set(input.requiredAttendees.filter(Boolean));
    const ids = [...new Set([...required, ...input.optionalAttendees.filter(Boolean)])];
    if (ids.length === 0) throw new ValidationFailed('requiredAttendees', 'at least one attendee');
    if (ids.length > MAX_ATTENDEES)
      throw new ValidationFailed('requiredAttendees', `at most ${MAX_ATTENDEES}`);
    const window = { from, to };

    const [profiles, busy, rooms] = await Promise.all([
      this.pool.query<{ user_id: string; time_zone: string; working_hours: WorkingHoursSpan[] }>(
        'select user_id, time_zone, working_hours from booking_directory.user_profiles where user_id = any($1)',
        [ids],
      ),
      this.calendars.busy(ids, window),
      input.room ? this.matchingRooms(input.room, ids.length) : Promise.resolve(undefined),
    ]);
    const profileOf = new Map(profiles.rows.map((row) => [row.user_id, row]));
    const attendees: SchedulingAttendee[] = ids.map((id) => {
      const profile = profileOf.get(id);
      return {
        id,
        required: required.has(id),
        timeZone: profile?.time_zone ?? fallbackZone,
        workingHours: input.ignoreWorkingHours ? [] : (profile?.working_hours ?? []),
        busy: busy.get(id) ?? [],
      };
    });
    const roomBusy = rooms
      ? await Promise.all(rooms.map((roomId) => this.roomBusy(roomId, window, input.durationMinutes)))
      : undefined;
    const result = findTimes({
      attendees,
      durationMinutes: input.durationMinutes,
      window: { from: isoOf(from), to: isoOf(to) },
      stepMinutes: input.stepMinutes || 15,
      maxCandidates: input.maxCandidates || 10,
      minAttendeeShare: input.minAttendeeShare ?? 0,
      ...(rooms && roomBusy ? { rooms: rooms.map((roomId, i) => ({ roomId, busy: roomBusy[i] })) } : {}),
    });
    return {
      result,
      required,
      unknownAttendees: ids.filter((id) => !profileOf.has(id)),
      roomsConsidered: rooms ?? [],
    };
  }

  /** Rooms that meet the requirements, smallest first (at most 20). */
  private async matchingRooms(requirements: RoomRequirements, attendees: number): Promise<string[]> {
    const amenities = (requirements.amenities ?? []).map((amenity) => amenity.toLowerCase()).filter(Boolean);
    const { rows } = await this.pool.query<{ room_id: string }>(
      `select r.room_id from booking_read.rooms r
         left join booking_directory.room_profiles p on p.room_id = r.room_id
        where not r.retired and r.capacity >= $1
          and (cardinality($2::text[]) = 0 or p.amenities @> $2::text[])
          and ($3::text is null or p.building = $3)
          and (cardinality($4::text[]) = 0 or r.room_id = any($4::text[]))
        order by r.capacity, r.room_id limit $5`,
      [
        requirements.minCapacity || attendees,
        amenities,
        requirements.building || null,
        [...(requirements.roomIds ?? [])],
        MAX_ROOMS,
      ],
    );
    return rows.map((row) => row.room_id);
  }

  /** Where the room cannot take a meeting of this length: the complement of its free time. */
  private async roomBusy(
    roomId: string,
    window: { from: number; to: number },
    durationMinutes: number,
  ): Promise<TimeSpan[]> {
    const availability = await this.bookings
      .availability(roomId, {
        from: isoOf(window.from),
        to: isoOf(window.to),
        minDurationMinutes: Math.max(0, Math.floor(durationMinutes) || 0),
      })
      .catch(() => ({ free: [] as TimeSpan[] }));
    const free = availability.free.map((span) => ({
      start: Date.parse(span.start),
      end: Date.parse(span.end),
    }));
    return subtract([{ start: window.from, end: window.to }], free).map((span) => ({
      start: isoOf(span.start),
      end: isoOf(span.end),
    }));
  }
}
