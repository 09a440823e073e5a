/** Reminders before a booking when the person stated no preference: 1 day, 1 hour, 15 minutes. */
export const DEFAULT_REMINDER_OFFSETS_MINUTES: readonly number[] = [1440, 60, 15];

export interface PlannedReminder {
  /** Minutes before the start (as the person said it). */
  readonly offsetMinutes: number;
  /** When to send it (UTC, RFC 3339). */
  readonly fireAt: string;
}

/**
 * The reminders of a booking starting at `start` for someone wanting them `offsets` minutes before:
 * one per distinct positive offset whose time is still ahead of `now` (a booking made 30 minutes ahead
 * gets the 15-minute one only). `minuteMs` is the length of a minute: 60,000 except in tests.
 */
export function planReminders(
  start: string,
  offsets: readonly number[],
  now: number,
  minuteMs = 60_000,
): PlannedReminder[] {
  const startMs = Date.parse(start);
  return [...new Set(offsets)]
    .filter((offset) => Number.isInteger(offset) && offset > 0)
    .sort((a, b) => b - a)
    .map((offsetMinutes) => ({ offsetMinutes, fireAtMs: startMs - offsetMinutes * minuteMs }))
    .filter(({ fireAtMs }) => fireAtMs > now)
    .map(({ offsetMinutes, fireAtMs }) => ({ offsetMinutes, fireAt: new Date(fireAtMs).toISOString() }));
}

/** The reminder job's id (BullMQ ids may not contain `:`): the same for the same (booking, recipient, offset), so scheduling again replaces it. */
export function reminderJobId(bookingId: string, recipientId: string, offsetMinutes: number): string {
  return `reminder_${bookingId}_${recipientId}_${offsetMinutes}`;
}
