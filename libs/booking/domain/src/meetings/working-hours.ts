import { ValidationFailed } from '../errors';
import type { Interval } from '../intervals';
import { openSpans, WEEKDAYS, type Weekday } from '../opening-hours';
import { isClosingTime, isLocalTime } from '../room-policy';

/** As the user service states them: `end` at or before `start` runs past midnight; empty = always working. */
export interface WorkingHoursSpan {
  readonly weekday: Weekday;
  readonly start: string;
  readonly end: string;
}

/** Working hours as instants around `range`, DST-correct (the opening-hours arithmetic). */
export const workingSpans = (
  hours: readonly WorkingHoursSpan[],
  timeZone: string,
  range: Interval,
): Interval[] =>
  openSpans(
    {
      timeZone,
      openingHours: hours.map((h) => ({ weekday: h.weekday, opens: h.start, closes: h.end })),
      closures: [],
    },
    range,
  );

/** Throws `ValidationFailed` for a span that is not `{weekday: mon..sun, start: HH:MM, end: HH:MM | 24:00}`. */
export const requireWorkingHours = (hours: unknown, field: string): WorkingHoursSpan[] => {
  if (!Array.isArray(hours)) throw new ValidationFailed(field, 'an array');
  hours.forEach((h: WorkingHoursSpan, i) => {
    if (!WEEKDAYS.includes(h?.weekday) || !isLocalTime(h.start) || !isClosingTime(h.end))
      throw new ValidationFailed(`${field}[${i}]`, 'weekday mon..sun, start HH:MM, end HH:MM or 24:00');
  });
  return hours;
};
