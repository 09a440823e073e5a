import { isTransientDatabaseError } from './sql';
import { versionedUpsertStatement } from './versioned-upsert';

describe('A versioned upsert', () => {
  it('inserts the row, or updates it only where the stored version is older', () => {
    const statement = versionedUpsertStatement({
      table: 'booking_read.bookings_by_room',
      key: ['booking_id'],
      versionColumn: 'last_applied_checkpoint',
      row: {
        booking_id: 'b-1',
        room_id: 'r-1',
        holds: 1,
        last_applied_checkpoint: '0000000000000001/0000000000000002',
      },
      update: { holds: 'current.holds + 1' },
    });

    expect(statement.text).toBe(
      'insert into "booking_read"."bookings_by_room" as current ("booking_id", "room_id", "holds", "last_applied_checkpoint") ' +
        'values ($1, $2, $3, $4) on conflict ("booking_id") do update set ' +
        '"room_id" = excluded."room_id", "holds" = current.holds + 1, "last_applied_checkpoint" = excluded."last_applied_checkpoint" ' +
        'where current."last_applied_checkpoint" < excluded."last_applied_checkpoint"',
    );
    expect(statement.values).toEqual(['b-1', 'r-1', 1, '0000000000000001/0000000000000002']);
  });

  it('refuses a row without its key or version', () => {
    expect(() =>
      versionedUpsertStatement({ table: 't', key: ['id'], versionColumn: 'version', row: { id: 1 } }),
    ).toThrow('row lacks column version');
  });

  it('refuses names that are not plain identifiers', () => {
    expect(() =>
      versionedUpsertStatement({
        table: 't; drop table x',
        key: ['id'],
        versionColumn: 'v',
        row: { id: 1, v: 1 },
      }),
    ).toThrow(/identifier/);
  });
});

describe('Telling a transient database failure from a persistent one', () => {
  it.each([
    ['a lost connection', { code: '08006' }],
    ['a serialization failure', { code: '40001' }],
    ['a deadlock', { code: '40P01' }],
    ['too many connections', { code: '53300' }],
    ['an administrator shutdown', { code: '57P01' }],
    ['a refused connection', { code: 'ECONNREFUSED' }],
    ['a terminated connection', new Error('Connection terminated unexpectedly')],
  ])('retries %s', (_case, error) => {
    expect(isTransientDatabaseError(error)).toBe(true);
  });

  it.each([
    ['a unique violation', { code: '23505' }],
    ['a syntax error', { code: '42601' }],
    ['a missing table', { code: '42P01' }],
    ['an error thrown by projection code', new Error('cannot apply Poison')],
  ])('does not retry %s', (_case, error) => {
    expect(isTransientDatabaseError(error)).toBe(false);
  });
});
