import { ValidationFailed } from '../errors';
import { isoOf, parseInstant } from '../instants';
import { WEEKDAYS } from '../opening-hours';
import type { RecurrenceInput } from './meeting.commands';
import { requireInstant } from './meeting.input';
import { sortedInstants, type Recurrence, type RecurrenceRule } from './meeting.model';
import { generatedStarts, MAX_OCCURRENCES } from './recurrence';

const FREQUENCIES = ['daily', 'weekly', 'monthly', 'yearly'];
const isInt = (v: unknown, min: number, max: number): v is number =>
  Number.isInteger(v) && (v as number) >= min && (v as number) <= max;
const distinctInts = (v: unknown, ok: (n: number) => boolean): v is number[] =>
  Array.isArray(v) &&
  v.length > 0 &&
  new Set(v).size === v.length &&
  v.every((n) => Number.isInteger(n) && ok(n));

/** A rule with only the keys that are set, lists sorted: equal rules serialize equally. */
const requireRule = (value: unknown, start: number, field: string): RecurrenceRule => {
  const rule = value as RecurrenceRule | undefined;
  const fail = (key: string, message: string): never => {
    throw new ValidationFailed(`${field}.${key}`, message);
  };
  if (!FREQUENCIES.includes(rule?.frequency as string)) fail('frequency', 'daily, weekly, monthly or yearly');
  const r = rule as RecurrenceRule;
  const periodic = r.frequency === 'monthly' || r.frequency === 'yearly';
  if (r.interval !== undefined && !isInt(r.interval, 1, 999)) fail('interval', '1..999');
  if (
    r.byWeekday !== undefined &&
    !(
      Array.isArray(r.byWeekday) &&
      distinctInts(
        r.byWeekday.map((d) => WEEKDAYS.indexOf(d)),
        (n) => n >= 0,
      )
    )
  )
    fail('byWeekday', 'distinct days mon..sun');
  if (
    r.weekdayPosition !== undefined &&
    !(periodic && r.byWeekday && isInt(Math.abs(r.weekdayPosition), 1, 5))
  )
    fail('weekdayPosition', '±1..5 with byWeekday, monthly or yearly');
  if (
    r.byMonthDay !== undefined &&
    !(periodic && distinctInts(r.byMonthDay, (n) => n !== 0 && Math.abs(n) <= 31))
  )
    fail('byMonthDay', 'distinct days ±1..31, monthly or yearly');
  if (
    r.byMonth !== undefined &&
    !(r.frequency === 'yearly' && distinctInts(r.byMonth, (n) => n >= 1 && n <= 12))
  )
    fail('byMonth', 'distinct months 1..12, yearly');
  if (r.count !== undefined && r.until !== undefined) fail('until', 'not together with count');
  if (r.count !== undefined && !isInt(r.count, 1, MAX_OCCURRENCES)) fail('count', `1..${MAX_OCCURRENCES}`);
  const until = r.until === undefined ? undefined : parseInstant(r.until);
  if (r.until !== undefined && (until === undefined || until < start))
    fail('until', 'an instant not before the start');
  const byDay = (days: readonly string[]) => WEEKDAYS.filter((d) => days.includes(d));
  const sorted = (list: readonly number[]) => [...list].sort((a, b) => a - b);
  return {
    frequency: r.frequency,
    ...(r.interval !== undefined && r.interval !== 1 ? { interval: r.interval } : {}),
    ...(r.byWeekday ? { byWeekday: byDay(r.byWeekday) } : {}),
    ...(r.weekdayPosition !== undefined ? { weekdayPosition: r.weekdayPosition } : {}),
    ...(r.byMonthDay ? { byMonthDay: sorted(r.byMonthDay) } : {}),
    ...(r.byMonth ? { byMonth: sorted(r.byMonth) } : {}),
    ...(r.count !== undefined ? { count: r.count } : {}),
    ...(until !== undefined ? { until: isoOf(until) } : {}),
  };
};

/**
 * A recurrence for a series starting at `start` in `timeZone`: the start must be the rule's first
 * occurrence (RFC 5545 leaves a DTSTART off the rule undefined), and every EXDATE one of its occurrences.
 */
export const requireRecurrence = (
  value: unknown,
  start: number,
  end: number,
  timeZone: string,
  field: string,
): Recurrence => {
  const input = value as RecurrenceInput | undefined;
  const rule = requireRule(input?.rule, start, `${field}.rule`);
  const timing = { start: isoOf(start), end: isoOf(end), timeZone, recurrence: { rule, exdates: [] } };
  if (generatedStarts(timing, start, start + 1).starts.length !== 1)
    throw new ValidationFailed(`${field}.rule`, 'the start must be an occurrence of the rule');
  const exdates = input?.exdates ?? [];
  if (!Array.isArray(exdates) || exdates.length > MAX_OCCURRENCES)
    throw new ValidationFailed(`${field}.exdates`, `at most ${MAX_OCCURRENCES} instants`);
  const excluded = exdates.map((exdate, i) => {
    const ms = requireInstant(exdate, `${field}.exdates[${i}]`);
    if (generatedStarts(timing, ms, ms + 1).starts.length !== 1)
      throw new ValidationFailed(`${field}.exdates[${i}]`, 'an occurrence of the rule');
    return ms;
  });
  return { rule, exdates: sortedInstants(excluded) };
};
