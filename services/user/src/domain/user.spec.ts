import { validateEventPayload } from '@roomledger/contracts';
import { Forbidden, LastAdmin, UserNotFound, ValidationFailed } from './errors';
import {
  deactivate,
  erase,
  register,
  requireAdmin,
  requireSelfOrAdmin,
  setRoles,
  updateProfile,
  type User,
  type UserChange,
} from './user';

const id = '9b2d7c1a-3f4e-4b6a-8c1d-2e3f4a5b6c7d';
const t0 = new Date('2026-03-02T09:00:00Z');
const t1 = new Date('2026-03-02T10:00:00Z');

const ada = () =>
  register({ id, email: ' ada@example.org ', name: ' Ada Lovelace ', timeZone: 'europe/london', now: t0 })
    .user;

/** Every event a decision produced, checked against its public JSON Schema. */
function expectSchemaValid(change: UserChange): void {
  for (const event of change.events) {
    expect({
      event: event.name,
      result: validateEventPayload('user.events.v1', event.name, event.payload),
    }).toEqual({ event: event.name, result: { valid: true } });
  }
}

describe('Registering', () => {
  it('records a member with defaults and the time zone as the database spells it', () => {
    const change = register({
      id,
      email: ' ada@example.org ',
      name: ' Ada ',
      timeZone: 'europe/london',
      now: t0,
    });
    expect(change.user).toMatchObject({
      id,
      status: 'active',
      version: 1,
      email: 'ada@example.org',
      name: 'Ada',
      timeZone: 'Europe/London',
      roles: ['member'],
      preferences: { channels: ['email', 'in-app'], reminderOffsetsMinutes: [15] },
    });
    expect(change.user.workingHours).toHaveLength(5);
    expect(change.events.map((event) => event.name)).toEqual(['registered']);
    expect(change.events[0].payload).toMatchObject({ userId: id, version: 1, occurredAt: t0.toISOString() });
    expectSchemaValid(change);
  });

  it.each([
    [{ timeZone: '+01:00' }, 'timeZone', 'invalid_time_zone'],
    [{ timeZone: 'Mars/Olympus_Mons' }, 'timeZone', 'invalid_time_zone'],
    [{ email: 'ada' }, 'email', 'invalid'],
    [{ email: '' }, 'email', 'required'],
    [{ name: '   ' }, 'name', 'required'],
    [{ name: 'x'.repeat(201) }, 'name', 'invalid'],
  ])('refuses %j with a validation error on %s', (override, field, reason) => {
    const input = { id, email: 'ada@example.org', name: 'Ada', timeZone: 'UTC', now: t0, ...override };
    expect(() => register(input)).toThrow(ValidationFailed);
    try {
      register(input);
    } catch (error) {
      expect(error).toMatchObject({ field, reason });
    }
  });
});

describe('Updating a profile', () => {
  it('reports name, time zone and working hours as updated, preferences separately, each with its version', () => {
    const change = updateProfile(
      ada(),
      {
        timeZone: 'America/New_York',
        workingHours: [
          { weekday: 'tue', start: '13:00', end: '17:00' },
          { weekday: 'mon', start: '22:00', end: '02:00' },
          { weekday: 'tue', start: '08:00', end: '12:00' },
        ],
        preferences: { channels: ['in-app', 'email', 'in-app'], reminderOffsetsMinutes: [60, 10, 60] },
      },
      t1,
    );
    expect(change.events.map((event) => [event.name, event.payload.occurredAt])).toEqual([
      ['updated', t1.toISOString()],
      ['preferences-changed', t1.toISOString()],
    ]);
    expect(change.events.map((event) => (event.payload as { version: number }).version)).toEqual([2, 3]);
    expect(change.user).toMatchObject({
      version: 3,
      timeZone: 'America/New_York',
      workingHours: [
        { weekday: 'mon', start: '22:00', end: '02:00' },
        { weekday: 'tue', start: '08:00', end: '12:00' },
        { weekday: 'tue', start: '13:00', end: '17:00' },
      ],
      preferences: { channels: ['email', 'in-app'], reminderOffsetsMinutes: [10, 60] },
    });
    expectSchemaValid(change);
  });

  it('changes nothing, and says nothing, when nothing changes', () => {
    const user = ada();
    expect(updateProfile(user, { name: user.name, preferences: user.preferences }, t1)).toEqual({
      user,
      events: [],
    });
  });

  it.each([
    [{ workingHours: [{ weekday: 'monday', start: '09:00', end: '17:00' }] }, 'workingHours[0]'],
    [{ workingHours: [{ weekday: 'mon', start: '09:00', end: '09:00' }] }, 'workingHours[0]'],
    [{ workingHours: [{ weekday: 'mon', start: '24:00', end: '02:00' }] }, 'workingHours[0]'],
    [{ preferences: { channels: ['sms'], reminderOffsetsMinutes: [] } }, 'preferences.channels'],
    [
      { preferences: { channels: [], reminderOffsetsMinutes: [10081] } },
      'preferences.reminderOffsetsMinutes',
    ],
    [{ preferences: { channels: [], reminderOffsetsMinutes: [1.5] } }, 'preferences.reminderOffsetsMinutes'],
    [{ timeZone: 'CET+1' }, 'timeZone'],
  ])('refuses %j', (changes, field) => {
    expect(() => updateProfile(ada(), changes, t1)).toThrow(expect.objectContaining({ field }));
  });
});

describe('Roles', () => {
  it('replaces the roles and reports roles-changed', () => {
    const change = setRoles(ada(), ['member', 'admin'], 0, t1);
    expect(change.user).toMatchObject({ roles: ['admin', 'member'], version: 2 });
    expect(change.events.map((event) => event.name)).toEqual(['roles-changed']);
    expectSchemaValid(change);
  });

  it('refuses unknown roles', () => {
    expect(() => setRoles(ada(), ['root'], 0, t1)).toThrow(expect.objectContaining({ field: 'roles' }));
  });

  it('refuses to take the admin role from the last active admin, but not from one of two', () => {
    const admin = setRoles(ada(), ['admin'], 0, t0).user;
    expect(() => setRoles(admin, ['member'], 0, t1)).toThrow(LastAdmin);
    expect(setRoles(admin, ['member'], 1, t1).user).toMatchObject({ roles: ['member'] });
  });

  it('lets only admins act on others', () => {
    expect(() => requireAdmin({ userId: 'a', roles: ['member'] })).toThrow(Forbidden);
    expect(() => requireSelfOrAdmin({ userId: 'a', roles: ['member'] }, 'b')).toThrow(Forbidden);
    expect(() => requireSelfOrAdmin({ userId: 'a', roles: ['member'] }, 'a')).not.toThrow();
    expect(() => requireSelfOrAdmin({ userId: 'a', roles: ['admin'] }, 'b')).not.toThrow();
  });
});

describe('Deactivating', () => {
  it('reports deactivated once, and nothing the second time', () => {
    const change = deactivate(ada(), 0, t1);
    expect(change.user).toMatchObject({ status: 'deactivated', version: 2 });
    expect(
      change.events.map((event) => [event.name, (event.payload as { deactivated: boolean }).deactivated]),
    ).toEqual([['deactivated', true]]);
    expectSchemaValid(change);
    expect(deactivate(change.user, 0, t1).events).toEqual([]);
  });

  it('refuses to deactivate the last active admin', () => {
    expect(() => deactivate(setRoles(ada(), ['admin'], 0, t0).user, 0, t1)).toThrow(LastAdmin);
  });
});

describe('Erasing', () => {
  it('keeps only the id, and says only who and when', () => {
    const change = erase(ada(), 0, t1);
    expect(change.user).toEqual({
      id,
      status: 'erased',
      version: 2,
      createdAt: t0.toISOString(),
      updatedAt: t1.toISOString(),
    });
    expect(change.events).toEqual([
      { name: 'erased', payload: { userId: id, occurredAt: t1.toISOString() } },
    ]);
    expectSchemaValid(change);
    expect(erase(change.user, 0, t1).events).toEqual([]);
  });

  it('erases a deactivated user too, and treats an erased one as gone for every other change', () => {
    const erased: User = erase(deactivate(ada(), 0, t1).user, 0, t1).user;
    expect(() => updateProfile(erased, { name: 'Ada' }, t1)).toThrow(UserNotFound);
    expect(() => setRoles(erased, ['admin'], 0, t1)).toThrow(UserNotFound);
    expect(() => deactivate(erased, 0, t1)).toThrow(UserNotFound);
  });
});
