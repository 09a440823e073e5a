import { durationText } from './local-time';
import { DEFAULT_REMINDER_OFFSETS_MINUTES, planReminders, reminderJobId } from './reminder';

describe('Planning reminders', () => {
  const start = '2030-07-01T14:00:00.000Z';
  const now = Date.parse('2030-06-01T00:00:00Z');

  it('plans the default offsets, earliest first', () => {
    expect(planReminders(start, DEFAULT_REMINDER_OFFSETS_MINUTES, now)).toEqual([
      { offsetMinutes: 1440, fireAt: '2030-06-30T14:00:00.000Z' },
      { offsetMinutes: 60, fireAt: '2030-07-01T13:00:00.000Z' },
      { offsetMinutes: 15, fireAt: '2030-07-01T13:45:00.000Z' },
    ]);
  });

  it('leaves out times already past, duplicates and non-positive offsets', () => {
    const soon = Date.parse('2030-07-01T13:30:00Z');
    expect(planReminders(start, [15, 15, 60, 0, -5], soon)).toEqual([
      { offsetMinutes: 15, fireAt: '2030-07-01T13:45:00.000Z' },
    ]);
  });

  it('scales minutes for tests', () => {
    expect(planReminders(start, [2], now, 1_000)).toEqual([
      { offsetMinutes: 2, fireAt: '2030-07-01T13:59:58.000Z' },
    ]);
  });

  it('names a job per booking, recipient and offset', () => {
    expect(reminderJobId('b1', 'u1', 15)).toBe('reminder_b1_u1_15');
  });

  it('says how long until the start', () => {
    expect([15, 1, 60, 1440, 1500, 2880].map(durationText)).toEqual([
      '15 minutes',
      '1 minute',
      '1 hour',
      '1 day',
      '1 day 1 hour',
      '2 days',
    ]);
  });
});
