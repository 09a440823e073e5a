// Specs may use the shared test helpers; the domain code itself may not (see README).
import { DeciderSpecification } from '@roomledger/testing';
import {
  AlreadyExists,
  Forbidden,
  OutsideOpeningHours,
  RoomRetired,
  SlotTaken,
  ValidationFailed,
} from './errors';
import type { SeriesOccurrence } from './room-schedule.commands';
import { roomSchedule } from './room-schedule';
import type { SeriesOccurrencesSkipped } from './room-schedule.events';
import {
  ada,
  at,
  bookSeries,
  bookingConfirmed,
  holdPlaced,
  maintenancePlaced,
  policy,
  policyApplied,
} from './room-schedule.fixtures';

const given = DeciderSpecification.for(roomSchedule);

describe('RoomSchedule: booking a series', () => {
  describe('When every occurrence is free', () => {
    it('confirms each occurrence with the series and meeting', () => {
      given([open])
        .when(bookSeries({ occurrences: weekly, meetingId: 'meeting-9' }))
        .then(weekly.map((occurrence) => confirmed(occurrence, { meetingId: 'meeting-9' })));
    });

    it('lets an admin book a series for someone else', () => {
      given([open])
        .when(bookSeries({ occurrences: weekly, organizerId: 'bob', by: ada }))
        .then(weekly.map((occurrence) => confirmed(occurrence, { organizerId: 'bob' })));
    });

    it('refuses a series for someone else by a non-admin', () => {
      given([open])
        .when(bookSeries({ occurrences: weekly, organizerId: 'bob' }))
        .thenThrows(Forbidden);
    });

    it('writes no summary under skip-conflicts when nothing was skipped', () => {
      given([open])
        .when(bookSeries({ occurrences: weekly, onConflict: 'skip-conflicts' }))
        .then(weekly.map((occurrence) => confirmed(occurrence)));
    });
  });

  describe('When some occurrences conflict, all-or-nothing', () => {
    it('books nothing and names every conflicting occurrence', () => {
      given([open, takenInWeek2, takenInWeek3])
        .when(bookSeries({ occurrences: weekly }))
        .thenThrows(SlotTaken, (error) => {
          expect(error.details.occurrences).toEqual([
            { ...weekly[1], conflicts: [{ start: at('10:30', WEEK_2), end: at('11:30', WEEK_2) }] },
            { ...weekly[2], conflicts: [{ start: at('09:00', WEEK_3), end: at('10:15', WEEK_3) }] },
          ]);
          expect(error.conflicts).toHaveLength(2);
        });
    });

    it('throws the first policy violation as is', () => {
      given([open, policyApplied(policy({ closures: [{ date: WEEK_2 }] }))])
        .when(bookSeries({ occurrences: weekly }))
        .thenThrows(OutsideOpeningHours, (error) => error.interval?.start === weekly[1].start);
    });
  });

  describe('When some occurrences conflict, skip-conflicts', () => {
    it('books the rest and records which were skipped and why', () => {
      given([open, takenInWeek2, maintenancePlaced({ start: at('09:00', WEEK_3), end: at('12:00', WEEK_3) })])
        .when(bookSeries({ occurrences: weekly, onConflict: 'skip-conflicts' }))
        .then([
          confirmed(weekly[0]),
          confirmed(weekly[3]),
          skippedEvent([
            {
              ...weekly[1],
              reason: {
                code: 'slot_taken',
                conflicts: [{ start: at('10:30', WEEK_2), end: at('11:30', WEEK_2) }],
              },
            },
            { ...weekly[2], reason: { code: 'policy_violation', rule: 'under_maintenance' } },
          ]),
        ]);
    });

    it('lets an earlier occurrence win over a later one that overlaps it', () => {
      const overlapping = [
        occurrence('o1', WEEK_1, '10:00', '11:00'),
        occurrence('o2', WEEK_1, '10:30', '11:30'),
      ];
      given([open])
        .when(bookSeries({ occurrences: overlapping, onConflict: 'skip-conflicts' }))
        .then([
          confirmed(overlapping[0]),
          skippedEvent([
            {
              ...overlapping[1],
              reason: {
                code: 'slot_taken',
                conflicts: [{ start: at('10:00', WEEK_1), end: at('11:00', WEEK_1) }],
              },
            },
          ]),
        ]);
    });

    it('records a series of which nothing could be booked', () => {
      given([open, policyApplied(policy({ closures: weekly.map((o) => ({ date: o.start.slice(0, 10) })) }))])
        .when(bookSeries({ occurrences: weekly.slice(0, 1), onConflict: 'skip-conflicts' }))
        .then([
          skippedEvent([
            { ...weekly[0], reason: { code: 'policy_violation', rule: 'outside_opening_hours' } },
          ]),
        ]);
    });
  });

  describe('When the series itself is wrong', () => {
    it('refuses no occurrences, repeated ids, a bad interval or an id already used', () => {
      given([open])
        .when(bookSeries({ occurrences: [] }))
        .thenThrows(ValidationFailed);
      given([open])
        .when(bookSeries({ occurrences: [weekly[0], { ...weekly[1], bookingId: weekly[0].bookingId }] }))
        .thenThrows(ValidationFailed);
      given([open])
        .when(bookSeries({ occurrences: [{ ...weekly[0], end: weekly[0].start }] }))
        .thenThrows(ValidationFailed, (error) => error.field === 'occurrences[0].end');
      given([open, holdPlaced({ bookingId: weekly[3].bookingId })])
        .when(bookSeries({ occurrences: weekly, onConflict: 'skip-conflicts' }))
        .thenThrows(AlreadyExists);
    });

    it('refuses in a retired room even under skip-conflicts', () => {
      given([policyApplied(policy({ retired: true }))])
        .when(bookSeries({ occurrences: weekly, onConflict: 'skip-conflicts' }))
        .thenThrows(RoomRetired);
    });
  });
});

// Fixtures
const WEEK_1 = '2026-03-03';
const WEEK_2 = '2026-03-10';
const WEEK_3 = '2026-03-17';
const WEEK_4 = '2026-03-24';
function occurrence(bookingId: string, day: string, start: string, end: string): SeriesOccurrence {
  return { bookingId, start: at(start, day), end: at(end, day) };
}
const weekly = [WEEK_1, WEEK_2, WEEK_3, WEEK_4].map((day, i) =>
  occurrence(`s1-${i + 1}`, day, '10:00', '11:00'),
);
const open = policyApplied();
const takenInWeek2 = bookingConfirmed({
  bookingId: 'x2',
  start: at('10:30', WEEK_2),
  end: at('11:30', WEEK_2),
});
const takenInWeek3 = bookingConfirmed({
  bookingId: 'x3',
  start: at('09:00', WEEK_3),
  end: at('10:15', WEEK_3),
});
function confirmed(o: SeriesOccurrence, overrides: Parameters<typeof bookingConfirmed>[0] = {}) {
  return bookingConfirmed({ ...o, title: 'Weekly sync', seriesId: 's1', ...overrides });
}
function skippedEvent(skipped: SeriesOccurrencesSkipped['data']['skipped']): SeriesOccurrencesSkipped {
  return {
    type: 'SeriesOccurrencesSkipped',
    data: {
      roomId: 'room-1',
      seriesId: 's1',
      organizerId: 'alice',
      skipped,
      occurredAt: at('08:00', '2026-03-02'),
    },
  };
}
