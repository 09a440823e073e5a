import { ValidationFailed } from '../errors';
import { findTimes, type FindTimesQuery, type SchedulingAttendee } from './find-times';

/**
 * Monday 2027-06-07 (summer time everywhere it applies): Berlin working hours 09-17 are 07:00-15:00Z,
 * New York's 13:00-21:00Z, so the two overlap 13:00-15:00Z.
 */
describe('Finding a time', () => {
  describe('When the required attendees overlap', () => {
    it('offers the start times where everyone is free, earliest first among equals', () => {
      const result = findTimes(query({ attendees: [ann, ben], maxCandidates: 5 }));
      expect(result.candidates.map((c) => [c.start, c.end, c.confidence])).toEqual([
        ['2027-06-07T13:00:00Z', '2027-06-07T14:00:00Z', 1],
        ['2027-06-07T13:30:00Z', '2027-06-07T14:30:00Z', 1],
        ['2027-06-07T14:00:00Z', '2027-06-07T15:00:00Z', 1],
      ]);
      expect(result.candidates[0].attendees).toEqual([
        { id: 'ann', availability: 'free' },
        { id: 'ben', availability: 'free' },
      ]);
    });

    it('leaves out times a required attendee is busy and stops at maxCandidates', () => {
      const busyAnn = { ...ann, busy: [{ start: '2027-06-07T12:45:00Z', end: '2027-06-07T13:30:00Z' }] };
      const result = findTimes(query({ attendees: [busyAnn, ben], maxCandidates: 1 }));
      expect(result.candidates.map((c) => c.start)).toEqual(['2027-06-07T13:30:00Z']);
    });

    it('ranks by how many optional attendees can come', () => {
      const dan = attendee('dan', 'Europe/London', {
        required: false,
        busy: [{ start: '2027-06-07T13:00:00Z', end: '2027-06-07T13:45:00Z' }],
      });
      const result = findTimes(query({ attendees: [ann, ben, dan], maxCandidates: 5 }));
      expect(
        result.candidates.map((c) => [c.start.slice(11, 16), round(c.confidence), round(c.attendeeShare)]),
      ).toEqual([
        ['14:00', 1, 1],
        ['13:00', 0.667, 0.667],
        ['13:30', 0.667, 0.667],
      ]);
      expect(result.candidates[1].attendees[2]).toEqual({ id: 'dan', availability: 'busy' });
    });

    it('counts an optional attendee outside working hours as half there', () => {
      const result = findTimes(query({ attendees: [ann, ben, tokyo], maxCandidates: 1 }));
      expect(result.candidates[0]).toMatchObject({
        confidence: 2.5 / 3,
        attendees: [
          expect.anything(),
          expect.anything(),
          { id: 'kei', availability: 'outside_working_hours' },
        ],
      });
    });

    it('follows working hours that run past midnight', () => {
      // Monday 22:00 to Tuesday 06:00 in Tokyo is 13:00 to 21:00Z on Monday.
      const nightShift = attendee('yui', 'Asia/Tokyo', {
        workingHours: [{ weekday: 'mon', start: '22:00', end: '06:00' }],
      });
      const result = findTimes(query({ attendees: [ann, nightShift], maxCandidates: 10 }));
      expect(result.candidates.map((c) => c.start.slice(11, 16))).toEqual(['13:00', '13:30', '14:00']);
    });
  });

  describe('When a room is needed', () => {
    it('lists the rooms free for the whole slot, and needs one', () => {
      const rooms = [
        { roomId: 'r1', busy: [{ start: '2027-06-07T13:00:00Z', end: '2027-06-07T14:00:00Z' }] },
        { roomId: 'r2', busy: [{ start: '2027-06-07T14:00:00Z', end: '2027-06-07T15:00:00Z' }] },
      ];
      const result = findTimes(query({ attendees: [ann, ben], rooms, maxCandidates: 5 }));
      // 13:30-14:30 runs into both rooms' busy time.
      expect(result.candidates.map((c) => [c.start.slice(11, 16), c.rooms])).toEqual([
        ['13:00', ['r2']],
        ['14:00', ['r1']],
      ]);
    });

    it('says no_room when the attendees could meet but no room is free', () => {
      const rooms = [
        { roomId: 'r1', busy: [{ start: '2027-06-07T00:00:00Z', end: '2027-06-08T00:00:00Z' }] },
      ];
      expect(findTimes(query({ attendees: [ann, ben], rooms }))).toEqual({
        candidates: [],
        reason: 'no_room',
      });
      expect(findTimes(query({ attendees: [ann, ben], rooms: [] }))).toEqual({
        candidates: [],
        reason: 'no_room',
      });
    });
  });

  describe('When there is no time', () => {
    it('blames the attendees first', () => {
      const busyBen = { ...ben, busy: [{ start: '2027-06-07T00:00:00Z', end: '2027-06-08T00:00:00Z' }] };
      expect(findTimes(query({ attendees: [ann, busyBen] }))).toEqual({
        candidates: [],
        reason: 'attendees_unavailable',
      });
    });

    it('then working hours, when they could meet only outside them', () => {
      const busyAnn = { ...ann, busy: [{ start: '2027-06-07T12:00:00Z', end: '2027-06-07T16:00:00Z' }] };
      expect(findTimes(query({ attendees: [busyAnn, ben] }))).toEqual({
        candidates: [],
        reason: 'outside_working_hours',
      });
      expect(findTimes(query({ attendees: [ann, ben, tokyo], minAttendeeShare: 1 }))).toEqual({
        candidates: [],
        reason: 'outside_working_hours',
      });
    });
  });

  describe('When the query is wrong', () => {
    it('names the field', () => {
      const refused = (field: string, changes: Partial<FindTimesQuery>) =>
        expect(() => findTimes(query(changes))).toThrow(expect.objectContaining({ field }) as never);
      refused('durationMinutes', { durationMinutes: 0 });
      refused('window', { window: { from: '2027-06-08T00:00:00Z', to: '2027-06-07T00:00:00Z' } });
      refused('minAttendeeShare', { minAttendeeShare: 2 });
      refused('attendees[0].timeZone', { attendees: [{ ...ann, timeZone: 'Nowhere/Land' }] });
      refused('attendees[0].workingHours[0]', {
        attendees: [{ ...ann, workingHours: [{ weekday: 'mon', start: '24:00', end: '02:00' }] }],
      });
      refused('attendees[0].busy[0]', {
        attendees: [{ ...ann, busy: [{ start: '2027-06-07T10:00:00', end: '2027-06-07T11:00:00Z' }] }],
      });
      refused('attendees[1].id', { attendees: [ann, { ...ben, id: 'ann' }] });
      expect(() => findTimes(query({ durationMinutes: 0 }))).toThrow(ValidationFailed);
    });
  });
});

// Fixtures
const workweek = (start: string, end: string) =>
  (['mon', 'tue', 'wed', 'thu', 'fri'] as const).map((weekday) => ({ weekday, start, end }));
function attendee(id: string, timeZone: string, extra: Partial<SchedulingAttendee> = {}): SchedulingAttendee {
  return { id, required: true, timeZone, workingHours: workweek('09:00', '17:00'), busy: [], ...extra };
}
function query(changes: Partial<FindTimesQuery> = {}): FindTimesQuery {
  return {
    attendees: [],
    durationMinutes: 60,
    window: { from: '2027-06-07T00:00:00Z', to: '2027-06-08T00:00:00Z' },
    stepMinutes: 30,
    maxCandidates: 10,
    minAttendeeShare: 0,
    ...changes,
  };
}
function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}
const ann = attendee('ann', 'Europe/Berlin');
const ben = attendee('ben', 'America/New_York');
const tokyo = attendee('kei', 'Asia/Tokyo', { required: false });
