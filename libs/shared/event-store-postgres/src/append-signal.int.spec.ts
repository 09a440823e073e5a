import { categoryOf } from '@roomledger/event-store';
import { createTestDatabase, type TestDatabase } from '@roomledger/testing';
import { AppendSignal } from './append-signal';

/** Lets every callback already due run (timers of 60 s are not). */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('AppendSignal', () => {
  let database: TestDatabase;
  const signals: AppendSignal[] = [];

  beforeAll(async () => {
    database = await createTestDatabase('rl_append_signal');
  });

  afterEach(async () => {
    await Promise.all(signals.splice(0).map((signal) => signal.close()));
  });

  afterAll(async () => {
    await database.drop();
  });

  function signal(channel: string, coalesceMs: number): AppendSignal {
    const created = new AppendSignal(database.pool, database.url, channel, coalesceMs);
    signals.push(created);
    return created;
  }

  it('wakes a subscription only for appends of the events it reads', async () => {
    const local = signal('rl_signal_local', -1);
    const everything = local.watch(undefined);
    const meetings = local.watch((streamName) => categoryOf(streamName) === 'meeting');
    everything.arm();
    meetings.arm();

    local.appended('roomSchedule-1', ['BookingConfirmed']);
    let meetingsWoken = false;
    void meetings.wait(60_000).then(() => (meetingsWoken = true));
    await everything.wait(60_000); // at once: an append it reads came after it armed
    await settle();
    expect(meetingsWoken).toBe(false);

    local.appended('meeting-1', ['MeetingScheduled']);
    await settle();
    expect(meetingsWoken).toBe(true);
  });

  it('wakes every subscription of another store through NOTIFY, saying nothing of what was appended', async () => {
    const writer = signal('rl_signal_shared', 0);
    const reader = signal('rl_signal_shared', 0);
    const meetings = reader.watch((streamName) => categoryOf(streamName) === 'meeting');
    meetings.arm();
    // Its first wait starts its LISTEN; appends are signalled until one notification arrives after it.
    let woken = false;
    const waiting = meetings.wait(60_000).then(() => (woken = true));
    while (!woken) {
      writer.appended('roomSchedule-1', ['BookingConfirmed']);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await waiting;
  });
});
