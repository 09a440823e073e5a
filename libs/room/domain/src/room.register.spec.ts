// Specs may use the shared test helpers; the domain code itself may not (see README).
import { DeciderSpecification } from '@roomledger/testing';
import { Forbidden, RoomAlreadyExists, ValidationFailed } from './errors';
import { room } from './room';
import type { RoomProfileInput } from './room-profile';
import { NOW, ROOM, alice, profile, registerRoom, roomRegistered, roomRetired } from './room.fixtures';

const given = DeciderSpecification.for(room);

describe('Room: registering', () => {
  describe('When the room id is free', () => {
    it('registers the room, every field explicit', () => {
      given([]).when(registerRoom()).then([roomRegistered()]);
    });

    it('fills in neutral defaults: one seat, no features, open around the clock, no policy limits', () => {
      given([])
        .when(registerRoom(minimal))
        .then([
          roomRegistered({
            name: 'Box',
            capacity: 2,
            seats: 1,
            timeZone: 'UTC',
            amenities: [],
            accessibility: [],
            openingHours: [],
            closures: [],
            policy: {
              minDurationMinutes: 0,
              maxDurationMinutes: null,
              bookingWindowDays: null,
              minNoticeMinutes: 0,
              bufferBeforeMinutes: 0,
              bufferAfterMinutes: 0,
            },
          }),
        ]);
    });

    it('keeps one spelling: trimmed text, the canonical time zone, features lower-case, sorted, once each', () => {
      given([])
        .when(
          registerRoom({
            name: '  Spree 3.12 ',
            building: ' Spree ',
            timeZone: 'europe/berlin',
            amenities: ['Whiteboard', 'projector', 'whiteboard'],
          }),
        )
        .then([roomRegistered()]);
    });

    it('drops an empty building or floor', () => {
      const { building: _building, floor: _floor, ...withoutPlace } = profile();
      given([])
        .when(registerRoom({ building: '', floor: '  ' }))
        .then([roomRegistered(withoutPlace)]);
    });

    it('accepts free tags beside the curated amenities and accessibility features', () => {
      given([])
        .when(
          registerRoom({
            amenities: ['tag:standing-desk', 'video_conference'],
            accessibility: ['tag:ramp_east'],
          }),
        )
        .then([
          roomRegistered(
            profile({
              amenities: ['tag:standing-desk', 'video_conference'],
              accessibility: ['tag:ramp_east'],
            }),
          ),
        ]);
    });

    it('accepts spans across midnight, touching spans, 24:00 as closing time and a shared room', () => {
      const openingHours = [
        { weekday: 'fri', opens: '18:00', closes: '02:00' },
        { weekday: 'sat', opens: '02:00', closes: '24:00' },
        { weekday: 'sun', opens: '22:00', closes: '06:00' },
        { weekday: 'mon', opens: '06:00', closes: '12:00' },
      ] as const;
      given([])
        .when(registerRoom({ openingHours, seats: 4 }))
        .then([roomRegistered(profile({ openingHours, seats: 4 }))]);
    });

    it('keeps dated closures, whole days and parts of days', () => {
      const closures = [
        { date: '2026-12-24', from: '13:00', to: '24:00', reason: 'Christmas Eve' },
        { date: '2026-12-25' },
      ];
      given([])
        .when(registerRoom({ closures }))
        .then([roomRegistered(profile({ closures }))]);
    });
  });

  describe('When the caller is not an admin', () => {
    it('refuses, whatever the input', () => {
      given([])
        .when(registerRoom({}, { by: alice }))
        .thenThrows(Forbidden, (error) => error.code === 'forbidden');
      given([])
        .when(registerRoom({ capacity: 0 }, { by: alice }))
        .thenThrows(Forbidden);
    });
  });

  describe('When the input is invalid', () => {
    it.each<[string, Partial<RoomProfileInput> & { roomId?: string }]>([
      ['name', { name: '' }],
      ['name', { name: 'x'.repeat(201) }],
      ['name', { name: 'nul\u0000room' }],
      ['building', { building: 'A\u0007' }],
      ['capacity', { capacity: 0 }],
      ['capacity', { capacity: 2.5 }],
      ['seats', { seats: 0 }],
      ['seats', { capacity: 4, seats: 5 }],
      ['timeZone', { timeZone: 'Mars/Olympus' }],
      ['timeZone', { timeZone: '+01:00' }],
      ['amenities[1]', { amenities: ['projector', 'projecter'] }],
      ['amenities[0]', { amenities: ['tag:'] }],
      ['accessibility[0]', { accessibility: ['ramp'] }],
      [
        'openingHours[0]',
        { openingHours: [{ weekday: 'monday' as never, opens: '08:00', closes: '18:00' }] },
      ],
      ['openingHours[0]', { openingHours: [{ weekday: 'mon', opens: '24:00', closes: '02:00' }] }],
      ['openingHours[0]', { openingHours: [{ weekday: 'mon', opens: '8:00', closes: '18:00' }] }],
      ['closures[0]', { closures: [{ date: '2026-02-30' }] }],
      ['closures[0]', { closures: [{ date: '2026-03-03', from: '13:00', to: '12:00' }] }],
      ['closures[0]', { closures: [{ date: '2026-03-03', from: '13:00' }] }],
      ['policy.maxDurationMinutes', { policy: { minDurationMinutes: 60, maxDurationMinutes: 30 } }],
      ['policy.minDurationMinutes', { policy: { minDurationMinutes: -1 } }],
      ['policy.bookingWindowDays', { policy: { bookingWindowDays: 0 } }],
      ['policy.minNoticeMinutes', { policy: { minNoticeMinutes: 1.5 } }],
      ['policy.bufferBeforeMinutes', { policy: { bufferBeforeMinutes: -5 } }],
      ['policy.bufferAfterMinutes', { policy: { bufferAfterMinutes: 721 } }],
    ])('refuses a bad %s', (field, input) => {
      given([])
        .when(registerRoom(input))
        .thenThrows(ValidationFailed, (error) => {
          expect({ field: error.field, code: error.code }).toEqual({ field, code: 'validation_failed' });
        });
    });

    it('refuses a room id that cannot name a stream or a Kafka key plainly', () => {
      for (const roomId of ['', ' room', '$all', 'a/b', 'x'.repeat(101)]) {
        given([])
          .when(registerRoom({}, { roomId }))
          .thenThrows(ValidationFailed, (error) => error.field === 'roomId');
      }
    });

    it('accepts buffers up to 720 minutes', () => {
      const policy = { ...profile().policy, bufferBeforeMinutes: 720, bufferAfterMinutes: 720 };
      given([])
        .when(registerRoom({ policy }))
        .then([roomRegistered(profile({ policy }))]);
    });
  });

  describe('When opening spans overlap', () => {
    it('refuses two spans on one day that share time, naming the later one', () => {
      given([])
        .when(
          registerRoom({
            openingHours: [
              { weekday: 'mon', opens: '08:00', closes: '12:00' },
              { weekday: 'tue', opens: '08:00', closes: '12:00' },
              { weekday: 'mon', opens: '11:00', closes: '14:00' },
            ],
          }),
        )
        .thenThrows(ValidationFailed, (error) => {
          expect(error.field).toBe('openingHours[2]');
          expect(error.message).toContain('openingHours[0]');
        });
    });

    it('refuses a span past midnight that runs into the next day’s span', () => {
      given([])
        .when(
          registerRoom({
            openingHours: [
              { weekday: 'tue', opens: '22:00', closes: '03:00' },
              { weekday: 'wed', opens: '02:00', closes: '10:00' },
            ],
          }),
        )
        .thenThrows(ValidationFailed, (error) => error.field === 'openingHours[1]');
    });

    it('refuses a Sunday night span that runs into Monday morning’s', () => {
      given([])
        .when(
          registerRoom({
            openingHours: [
              { weekday: 'mon', opens: '05:00', closes: '09:00' },
              { weekday: 'sun', opens: '23:00', closes: '06:00' },
            ],
          }),
        )
        .thenThrows(ValidationFailed, (error) => error.field === 'openingHours[1]');
    });

    it('refuses the same span twice', () => {
      const span = { weekday: 'fri', opens: '09:00', closes: '17:00' } as const;
      given([])
        .when(registerRoom({ openingHours: [span, span] }))
        .thenThrows(ValidationFailed, (error) => error.field === 'openingHours[1]');
    });
  });

  describe('When the room id is taken', () => {
    it('changes nothing for the very same room (a retried command), as read back from the store too', () => {
      given([roomRegistered()]).when(registerRoom()).thenNothingHappened();
      const stored = JSON.parse(
        JSON.stringify(profile(), (_key, value: unknown) =>
          value && typeof value === 'object' && !Array.isArray(value)
            ? Object.fromEntries(Object.entries(value).reverse())
            : value,
        ),
      ) as ReturnType<typeof profile>;
      given([roomRegistered(stored)])
        .when(registerRoom())
        .thenNothingHappened();
    });

    it('refuses another room under that id', () => {
      given([roomRegistered()])
        .when(registerRoom({ capacity: 12 }))
        .thenThrows(RoomAlreadyExists, (error) => error.code === 'already_exists' && error.roomId === ROOM);
    });

    it('refuses it even for the same details once the room was retired', () => {
      given([roomRegistered(), roomRetired()]).when(registerRoom()).thenThrows(RoomAlreadyExists);
    });
  });

  it('refuses a decision without a time', () => {
    const command = registerRoom();
    given([])
      .when({ ...command, metadata: { ...command.metadata, now: NOW.replace('Z', '') } })
      .thenThrows(ValidationFailed, (error) => error.field === 'metadata.now');
  });
});

const minimal: RoomProfileInput = {
  name: 'Box',
  capacity: 2,
  timeZone: 'UTC',
  building: undefined,
  floor: undefined,
  seats: undefined,
  amenities: undefined,
  accessibility: undefined,
  openingHours: undefined,
  closures: undefined,
  policy: undefined,
};
