import { createTestDatabase, type TestDatabase } from '../postgres';

describe('PostgreSQL on the test stack', () => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await createTestDatabase('rl_smoke');
  });

  afterAll(async () => {
    await database.drop();
  });

  it('round-trips a row through a fresh database', async () => {
    await database.pool.query('create table probe (id int primary key, during tstzrange not null)');
    await database.pool.query(
      `insert into probe values (1, tstzrange('2026-01-01T09:00Z', '2026-01-01T10:00Z'))`,
    );
    const { rows } = await database.pool.query<{ id: number; upper: Date }>(
      'select id, upper(during) from probe',
    );
    expect(rows).toEqual([{ id: 1, upper: new Date('2026-01-01T10:00:00Z') }]);
  });

  it('has btree_gist for exclusion constraints on (room, interval)', async () => {
    await database.pool.query('create extension if not exists btree_gist');
    await database.pool.query(
      'create table slots (room text, during tstzrange, exclude using gist (room with =, during with &&))',
    );
    await database.pool.query(
      `insert into slots values ('a', tstzrange('2026-01-01T09:00Z', '2026-01-01T10:00Z'))`,
    );
    await expect(
      database.pool.query(
        `insert into slots values ('a', tstzrange('2026-01-01T09:30Z', '2026-01-01T10:30Z'))`,
      ),
    ).rejects.toMatchObject({ code: '23P01' });
  });
});
