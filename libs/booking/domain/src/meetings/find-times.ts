import { ValidationFailed, type TimeSpan } from '../errors';
import { isoOf, MINUTE_MS, parseInstant, type IsoInstant } from '../instants';
import { clip, subtract, type Interval } from '../intervals';
import { busyOf, insideOne, overlapsAny, requireCount, requireRoomId } from './find-times.input';
import { requireTimeZone } from './meeting.input';
import { requireWorkingHours, workingSpans, type WorkingHoursSpan } from './working-hours';

/**
 * The scheduling assistant: start times in a window where the attendees (and a room) are free,
 * ranked. Pure: the caller brings every attendee's busy time (`busyPeriods`), zone and working hours.
 */

export interface SchedulingAttendee {
  readonly id: string;
  readonly required: boolean;
  readonly timeZone: string;
  readonly workingHours: readonly WorkingHoursSpan[];
  readonly busy: readonly TimeSpan[];
}

export interface FindTimesQuery {
  readonly attendees: readonly SchedulingAttendee[];
  readonly durationMinutes: number;
  readonly window: { readonly from: IsoInstant; readonly to: IsoInstant };
  /** Candidate starts are multiples of this many minutes since the epoch (UTC); default 15. */
  readonly stepMinutes?: number;
  readonly maxCandidates: number;
  /** 0..1: at least this share of all attendees free (required ones always all free). */
  readonly minAttendeeShare: number;
  /** Absent: no room needed. Present (even empty): a candidate needs one of these free. */
  readonly rooms?: readonly { readonly roomId: string; readonly busy: readonly TimeSpan[] }[];
}

export type AttendeeAvailability = 'free' | 'busy' | 'outside_working_hours';
export type NoTimeReason = 'attendees_unavailable' | 'no_room' | 'outside_working_hours';

export interface TimeCandidate extends TimeSpan {
  /**
   * 0..1: each attendee counts 1 when free, ½ when not busy but outside their working hours, 0 when
   * busy. Every required attendee is free in every candidate.
   */
  readonly confidence: number;
  /** Share of attendees free (not busy, within working hours). */
  readonly attendeeShare: number;
  readonly attendees: readonly { readonly id: string; readonly availability: AttendeeAvailability }[];
  /** Rooms free for the whole slot, in the order given. */
  readonly rooms: readonly string[];
}

/** `reason` exactly when there is no candidate: whom to blame first, attendees, then working hours, then rooms. */
export type FindTimesResult =
  | { readonly candidates: readonly TimeCandidate[]; readonly reason?: undefined }
  | { readonly candidates: readonly []; readonly reason: NoTimeReason };

export const MAX_START_TIMES = 20_000;

interface Prepared {
  readonly id: string;
  readonly required: boolean;
  readonly busy: Interval[];
  /** Not busy and within working hours, inside the window. */
  readonly free: Interval[];
  /** Not busy, inside the window. */
  readonly open: Interval[];
}

/** Counters of the sweep, one difference array each over the start-time grid. */
const FREE = 0;
const FREE_REQUIRED = 1;
const OPEN = 2;
const OPEN_REQUIRED = 3;
const ROOMS = 4;

/**
 * Sweep over the grid of start times: every stretch in which an attendee (or a room) could start a
 * meeting of this length adds 1 where it begins and takes it away after it ends, so one pass of
 * running sums yields, for every start time, how many attendees are free, how many are merely not
 * busy and how many rooms are free. O(busy intervals + start times); only the candidates returned
 * are looked at attendee by attendee.
 */
export const findTimes = (query: FindTimesQuery): FindTimesResult => {
  const duration = requireCount(query.durationMinutes, 'durationMinutes', 1, 24 * 60) * MINUTE_MS;
  const step = requireCount(query.stepMinutes ?? 15, 'stepMinutes', 1, 24 * 60) * MINUTE_MS;
  const maxCandidates = requireCount(query.maxCandidates, 'maxCandidates', 1, 1_000);
  const share = query.minAttendeeShare;
  if (typeof share !== 'number' || !(share >= 0 && share <= 1))
    throw new ValidationFailed('minAttendeeShare', '0..1');
  const from = parseInstant(query.window?.from);
  const to = parseInstant(query.window?.to);
  if (from === undefined || to === undefined || to - from < duration)
    throw new ValidationFailed('window', 'from and to with an offset, at least the duration apart');
  const first = Math.ceil(from / step) * step;
  const count = Math.floor((to - duration - first) / step) + 1;
  if (count < 1 || count > MAX_START_TIMES)
    throw new ValidationFailed(
      'window',
      `1..${MAX_START_TIMES} start times on the ${step / MINUTE_MS}-minute grid`,
    );
  if (!Array.isArray(query.attendees) || query.attendees.length > 1_000)
    throw new ValidationFailed('attendees', 'at most 1000');

  const window: Interval = { start: from, end: to };
  const ids = new Set<string>();
  const attendees: Prepared[] = query.attendees.map((a, i) => {
    const field = `attendees[${i}]`;
    if (typeof a?.id !== 'string' || a.id === '' || ids.has(a.id))
      throw new ValidationFailed(`${field}.id`, 'a distinct id');
    ids.add(a.id);
    if (typeof a.required !== 'boolean') throw new ValidationFailed(`${field}.required`, 'true or false');
    const zone = requireTimeZone(a.timeZone, `${field}.timeZone`);
    const hours = requireWorkingHours(a.workingHours, `${field}.workingHours`);
    const busy = busyOf(a.busy, `${field}.busy`);
    const working = workingSpans(hours, zone, window).flatMap((span) => clip(span, window) ?? []);
    return {
      id: a.id,
      required: a.required,
      busy,
      free: subtract(working, busy),
      open: subtract([window], busy),
    };
  });
  const rooms = (query.rooms ?? []).map((room, i) => ({
    roomId: requireRoomId(room?.roomId, `rooms[${i}].roomId`),
    busy: busyOf(room.busy, `rooms[${i}].busy`),
  }));

  const sums = [0, 1, 2, 3, 4].map(() => new Int32Array(count + 1));
  const addStretches = (intervals: readonly Interval[], counter: number) => {
    for (const { start, end } of intervals) {
      const lo = Math.max(0, Math.ceil((start - first) / step));
      const hi = Math.min(count - 1, Math.floor((end - duration - first) / step));
      if (lo > hi) continue;
      sums[counter][lo] += 1;
      sums[counter][hi + 1] -= 1;
    }
  };
  for (const a of attendees) {
    addStretches(a.free, FREE);
    addStretches(a.open, OPEN);
    if (a.required) addStretches(a.free, FREE_REQUIRED);
    if (a.required) addStretches(a.open, OPEN_REQUIRED);
  }
  for (const room of rooms) addStretches(subtract([window], room.busy), ROOMS);

  const n = attendees.length;
  const required = attendees.filter((a) => a.required).length;
  const enough = (k: number) => n === 0 || k >= share * n - 1e-9;
  const running = [0, 0, 0, 0, 0];
  const eligible: { index: number; score: number }[] = [];
  let anyOpen = false;
  let anyFree = false;
  for (let index = 0; index < count; index++) {
    for (let c = 0; c < running.length; c++) running[c] += sums[c][index];
    if (running[OPEN_REQUIRED] < required || !enough(running[OPEN])) continue;
    anyOpen = true;
    if (running[FREE_REQUIRED] < required || !enough(running[FREE])) continue;
    anyFree = true;
    if (query.rooms && running[ROOMS] === 0) continue;
    eligible.push({ index, score: n === 0 ? 1 : (running[FREE] + running[OPEN]) / (2 * n) });
  }
  if (eligible.length === 0)
    return {
      candidates: [],
      reason: !anyOpen ? 'attendees_unavailable' : !anyFree ? 'outside_working_hours' : 'no_room',
    };

  eligible.sort((a, b) => b.score - a.score || a.index - b.index);
  const candidates = eligible.slice(0, maxCandidates).map(({ index, score }): TimeCandidate => {
    const slot = { start: first + index * step, end: first + index * step + duration };
    const availability = attendees.map((a) => ({
      id: a.id,
      availability: overlapsAny(a.busy, slot)
        ? 'busy'
        : insideOne(a.free, slot)
          ? 'free'
          : 'outside_working_hours',
    })) satisfies TimeCandidate['attendees'];
    return {
      start: isoOf(slot.start),
      end: isoOf(slot.end),
      confidence: score,
      attendeeShare: n === 0 ? 1 : availability.filter((a) => a.availability === 'free').length / n,
      attendees: availability,
      rooms: rooms.filter((room) => !overlapsAny(room.busy, slot)).map((room) => room.roomId),
    };
  });
  return { candidates };
};
