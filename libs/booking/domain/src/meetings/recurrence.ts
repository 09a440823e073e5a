import { RRule, type Options } from 'rrule';
import { Temporal } from 'temporal-polyfill';
import { DAY_MS, isoOf, msOf, type IsoInstant } from '../instants';
import { WEEKDAYS } from '../opening-hours';
import type { MeetingDetails, MeetingRoom, RecurrenceRule } from './meeting.model';

/**
 * RFC 5545 recurrence, expanded with `rrule` in FLOATING local time: the rule gets no TZID, so the
 * Dates it returns hold the local wall-clock fields in their UTC slots (09:00 local is `09:00Z`).
 * Each local date-time is then placed in the series' IANA zone with Temporal, so a weekly 09:00
 * Europe/Berlin meeting stays at 09:00 local across DST. Disambiguation is `compatible` (RFC 5545
 * §3.3.5 and Temporal's default): a time inside a spring-forward gap moves later by the gap's length
 * (02:30 → 03:30), and of a time that happens twice at fall-back the earlier one is taken.
 */

/** No expansion returns more occurrences than this, whatever the window. */
export const MAX_OCCURRENCES = 1_000;

export type SeriesTiming = Pick<MeetingDetails, 'start' | 'end' | 'timeZone' | 'recurrence'>;
export type SeriesInput = SeriesTiming &
  Pick<MeetingDetails, 'meetingId' | 'title' | 'description' | 'room' | 'overrides'>;

export interface Occurrence {
  readonly meetingId: string;
  /** The start the rule gave it: the key of its overrides, EXDATE and per-occurrence answers. */
  readonly originalStart: IsoInstant;
  readonly start: IsoInstant;
  readonly end: IsoInstant;
  readonly title: string;
  readonly description: string;
  readonly room?: MeetingRoom;
  /** It has a record of its own: changed (scope `this`), or answered on its own by someone. */
  readonly overridden: boolean;
}

export interface SeriesExpansion {
  /** Every occurrence that overlaps the window, by start; at most `maxOccurrences`. */
  readonly occurrences: readonly Occurrence[];
  /** More occurrences overlap the window than were returned. */
  readonly truncated: boolean;
}

const FREQUENCIES = {
  daily: RRule.DAILY,
  weekly: RRule.WEEKLY,
  monthly: RRule.MONTHLY,
  yearly: RRule.YEARLY,
};
const DAYS = [RRule.MO, RRule.TU, RRule.WE, RRule.TH, RRule.FR, RRule.SA, RRule.SU];

/** The wall-clock time of an instant in a zone, as a floating Date (local fields in the UTC slots). */
export const floatingOf = (epochMs: number, timeZone: string): Date => {
  const t = Temporal.Instant.fromEpochMilliseconds(epochMs).toZonedDateTimeISO(timeZone);
  return new Date(Date.UTC(t.year, t.month - 1, t.day, t.hour, t.minute, t.second, t.millisecond));
};

/** The instant a floating Date's wall-clock time happens in a zone (`compatible`, see above). */
export const instantOfFloating = (floating: Date, timeZone: string): number =>
  Temporal.PlainDateTime.from({
    year: floating.getUTCFullYear(),
    month: floating.getUTCMonth() + 1,
    day: floating.getUTCDate(),
    hour: floating.getUTCHours(),
    minute: floating.getUTCMinutes(),
    second: floating.getUTCSeconds(),
    millisecond: floating.getUTCMilliseconds(),
  }).toZonedDateTime(timeZone, { disambiguation: 'compatible' }).epochMilliseconds;

const rruleOf = (rule: RecurrenceRule, start: number, timeZone: string): RRule => {
  const options: Partial<Options> = {
    freq: FREQUENCIES[rule.frequency],
    interval: rule.interval ?? 1,
    dtstart: floatingOf(start, timeZone),
    wkst: RRule.MO,
  };
  if (rule.byWeekday?.length)
    options.byweekday = rule.byWeekday.map((day) => {
      const weekday = DAYS[WEEKDAYS.indexOf(day)];
      return rule.weekdayPosition ? weekday.nth(rule.weekdayPosition) : weekday;
    });
  if (rule.byMonthDay?.length) options.bymonthday = [...rule.byMonthDay];
  if (rule.byMonth?.length) options.bymonth = [...rule.byMonth];
  if (rule.count !== undefined) options.count = rule.count;
  if (rule.until !== undefined) options.until = floatingOf(msOf(rule.until), timeZone);
  return new RRule(options);
};

/**
 * The starts (epoch ms) the rule generates in [from, to), EXDATEs not removed, ascending, at most
 * `limit` (then `truncated`). A single meeting generates its start. Local time is within a day of UTC,
 * so the floating search runs a day wider on each side and the instants are filtered exactly.
 */
export const generatedStarts = (
  timing: SeriesTiming,
  from: number,
  to: number,
  limit = MAX_OCCURRENCES,
): { starts: number[]; truncated: boolean } => {
  const start = msOf(timing.start);
  if (!timing.recurrence) return { starts: start >= from && start < to ? [start] : [], truncated: false };
  // At most two occurrences a local day, so the leading day of slack holds at most three.
  const cap = limit + 3;
  const floating: Date[] = [];
  rruleOf(timing.recurrence.rule, start, timing.timeZone).between(
    new Date(from - DAY_MS),
    new Date(to + DAY_MS),
    true,
    (date) => floating.push(date) < cap,
  );
  const starts = floating
    .map((date) => instantOfFloating(date, timing.timeZone))
    .filter((ms) => ms >= from && ms < to);
  return { starts: starts.slice(0, limit), truncated: starts.length > limit };
};

/** Whether the rule generates this start and no EXDATE removes it. */
export const isOccurrence = (timing: SeriesTiming, originalStart: number): boolean =>
  generatedStarts(timing, originalStart, originalStart + 1).starts.length === 1 &&
  !(timing.recurrence?.exdates ?? []).some((exdate) => msOf(exdate) === originalStart);

/**
 * The occurrences of a meeting (single or series) that overlap [from, to): the rule's starts, EXDATEs
 * removed, overrides applied (an override moved into the window counts, one moved out of it does not).
 * Each lasts the series' exact duration (RFC 5545 §3.8.5.3), so a one-hour meeting stays one hour
 * on DST days. Bounded by the window and by `maxOccurrences` (at most `MAX_OCCURRENCES`).
 */
export const expandSeries = (
  meeting: SeriesInput,
  window: { readonly from: IsoInstant; readonly to: IsoInstant },
  options: { readonly maxOccurrences?: number } = {},
): SeriesExpansion => {
  const limit = Math.min(options.maxOccurrences ?? MAX_OCCURRENCES, MAX_OCCURRENCES);
  const from = msOf(window.from);
  const to = msOf(window.to);
  const duration = msOf(meeting.end) - msOf(meeting.start);
  const excluded = new Set((meeting.recurrence?.exdates ?? []).map(msOf));
  const overrides = new Map(meeting.overrides.map((o) => [msOf(o.originalStart), o]));
  const generated = generatedStarts(meeting, from - duration + 1, to, limit);
  const base = { meetingId: meeting.meetingId, title: meeting.title, description: meeting.description };
  const found: Occurrence[] = generated.starts
    .filter((start) => !excluded.has(start) && !overrides.has(start))
    .map((start) => ({
      ...base,
      originalStart: isoOf(start),
      start: isoOf(start),
      end: isoOf(start + duration),
      ...(meeting.room ? { room: meeting.room } : {}),
      overridden: false,
    }));
  for (const [originalStart, override] of overrides) {
    if (excluded.has(originalStart) || msOf(override.start) >= to || msOf(override.end) <= from) continue;
    const room = override.room === undefined ? meeting.room : (override.room ?? undefined);
    found.push({
      ...base,
      originalStart: override.originalStart,
      start: override.start,
      end: override.end,
      title: override.title ?? meeting.title,
      description: override.description ?? meeting.description,
      ...(room ? { room } : {}),
      overridden: true,
    });
  }
  found.sort((a, b) => msOf(a.start) - msOf(b.start) || msOf(a.originalStart) - msOf(b.originalStart));
  return { occurrences: found.slice(0, limit), truncated: generated.truncated || found.length > limit };
};

const utcStamp = (instant: IsoInstant): string =>
  isoOf(msOf(instant))
    .replace(/\.\d+Z$/, 'Z')
    .replace(/[-:]/g, '');

/** The rule as an iCalendar RRULE value (for a DTSTART with TZID: UNTIL in UTC, RFC 5545 §3.3.10). */
export const rruleText = (rule: RecurrenceRule): string => {
  const days = rule.byWeekday?.map((day) => `${rule.weekdayPosition ?? ''}${day.slice(0, 2).toUpperCase()}`);
  return [
    `FREQ=${rule.frequency.toUpperCase()}`,
    rule.interval && rule.interval !== 1 ? `INTERVAL=${rule.interval}` : undefined,
    days?.length ? `BYDAY=${days.join(',')}` : undefined,
    rule.byMonthDay?.length ? `BYMONTHDAY=${rule.byMonthDay.join(',')}` : undefined,
    rule.byMonth?.length ? `BYMONTH=${rule.byMonth.join(',')}` : undefined,
    rule.count !== undefined ? `COUNT=${rule.count}` : undefined,
    rule.until !== undefined ? `UNTIL=${utcStamp(rule.until)}` : undefined,
  ]
    .filter((part) => part !== undefined)
    .join(';');
};
