/** Wall-clock rendering of UTC instants on a person's clock (Intl, so DST and offsets are the zone's). */

const LOCALE = 'en-GB';

/** The zone if Intl knows it, else UTC: a message in UTC beats no message. */
export function usableTimeZone(timeZone: string): string {
  try {
    formatFor(timeZone);
    return timeZone;
  } catch {
    return 'UTC';
  }
}

/** Building a formatter costs far more than using one (ICU loads the zone): one per zone, kept. */
const formats = new Map<string, Intl.DateTimeFormat>();

function formatFor(timeZone: string): Intl.DateTimeFormat {
  let format = formats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat(LOCALE, {
      timeZone,
      weekday: 'long',
      day: 'numeric',
      month: 'long',
      year: 'numeric',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
      timeZoneName: 'short',
    });
    formats.set(timeZone, format);
  }
  return format;
}

function parts(instant: string, timeZone: string) {
  const format = formatFor(timeZone);
  const byType = Object.fromEntries(
    format.formatToParts(new Date(instant)).map((part) => [part.type, part.value]),
  ) as Record<Intl.DateTimeFormatPartTypes, string>;
  return {
    date: `${byType.weekday} ${byType.day} ${byType.month} ${byType.year}`,
    time: `${byType.hour}:${byType.minute}`,
    zoneName: byType.timeZoneName,
  };
}

/** `Monday 2 March 2026, 10:00` on the zone's clock. */
export function localDateTime(instant: string, timeZone: string): string {
  const { date, time } = parts(instant, usableTimeZone(timeZone));
  return `${date}, ${time}`;
}

/**
 * `Monday 2 March 2026, 10:00–11:00 (Europe/Berlin, CET)`; an interval ending on another local day
 * names both days. The zone's offset name comes from the start (an interval spanning a DST change
 * still shows each end on the correct clock).
 */
export function localInterval(start: string, end: string, timeZone: string): string {
  const zone = usableTimeZone(timeZone);
  const from = parts(start, zone);
  const to = parts(end, zone);
  const span =
    from.date === to.date
      ? `${from.date}, ${from.time}–${to.time}`
      : `${from.date}, ${from.time} – ${to.date}, ${to.time}`;
  return `${span} (${zone}, ${from.zoneName})`;
}

const wallClocks = new Map<string, Intl.DateTimeFormat>();

/**
 * The wall-clock time of an instant in a zone as `YYYY-MM-DDTHH:MM:SS` (no offset): what an iCalendar
 * `DTSTART;TZID=<zone>:` value says. An unknown zone gives UTC's clock.
 */
export function wallClock(instant: string, timeZone: string): string {
  const zone = usableTimeZone(timeZone);
  let format = wallClocks.get(zone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-CA', {
      timeZone: zone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
    });
    wallClocks.set(zone, format);
  }
  const byType = Object.fromEntries(
    format.formatToParts(new Date(instant)).map((part) => [part.type, part.value]),
  ) as Record<Intl.DateTimeFormatPartTypes, string>;
  return `${byType.year}-${byType.month}-${byType.day}T${byType.hour}:${byType.minute}:${byType.second}`;
}

/** `15 minutes`, `1 hour`, `1 day`, `1 day 2 hours`. */
export function durationText(minutes: number): string {
  const parts: string[] = [];
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  const rest = minutes % 60;
  if (days) parts.push(`${days} ${days === 1 ? 'day' : 'days'}`);
  if (hours) parts.push(`${hours} ${hours === 1 ? 'hour' : 'hours'}`);
  if (rest || parts.length === 0) parts.push(`${rest} ${rest === 1 ? 'minute' : 'minutes'}`);
  return parts.join(' ');
}
