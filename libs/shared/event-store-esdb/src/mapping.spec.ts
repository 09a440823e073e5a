import { ANY, NO_STREAM, STREAM_EXISTS } from '@eventstore/db-client';
import { encodeCheckpoint } from '@roomledger/event-store';
import {
  eventTypeRegex,
  streamNameRegex,
  toCheckpoint,
  toExpectedRevision,
  toPosition,
  toRecordedEvent,
  toStreamState,
} from './mapping';

describe('Mapping to EventStoreDB', () => {
  it('passes expected states through under their EventStoreDB names', () => {
    expect(toExpectedRevision('any')).toBe(ANY);
    expect(toExpectedRevision('no_stream')).toBe(NO_STREAM);
    expect(toExpectedRevision('stream_exists')).toBe(STREAM_EXISTS);
    expect(toExpectedRevision(4n)).toBe(4n);
  });

  it('reads a missing stream as no_stream, however the server says it', () => {
    expect(toStreamState(NO_STREAM)).toBe('no_stream');
    expect(toStreamState(-1n)).toBe('no_stream');
    expect(toStreamState(undefined)).toBe('no_stream');
    expect(toStreamState(3n)).toBe(3n);
  });

  it('uses $all positions as checkpoints, commit first', () => {
    const position = { commit: 1_000n, prepare: 990n };
    expect(toCheckpoint(position)).toBe(encodeCheckpoint({ major: 1_000n, minor: 990n }));
    expect(toPosition(toCheckpoint(position))).toEqual(position);
  });

  it('filters subscriptions to whole categories, or to every non-system stream', () => {
    const matches = (regex: string, stream: string): boolean => new RegExp(regex).test(stream);
    const rooms = streamNameRegex(['roomSchedule', 'meeting']);
    expect(matches(rooms, 'roomSchedule-1')).toBe(true);
    expect(matches(rooms, 'meeting-1')).toBe(true);
    expect(matches(rooms, 'roomScheduleX-1')).toBe(false);
    expect(matches(rooms, 'room-1')).toBe(false);
    expect(matches(streamNameRegex(undefined), 'room-1')).toBe(true);
    expect(matches(streamNameRegex(undefined), '$snapshot-room-1')).toBe(false);
  });

  it('filters event types on the server by exact name', () => {
    const regex = new RegExp(
      eventTypeRegex({ roomSchedule: ['SeriesOccurrencesSkipped'], meeting: ['A.b'] }),
    );
    expect(regex.test('SeriesOccurrencesSkipped')).toBe(true);
    expect(regex.test('A.b')).toBe(true);
    expect(regex.test('Axb')).toBe(false);
    expect(regex.test('SeriesOccurrencesSkippedX')).toBe(false);
  });

  it('maps a recorded event, metadata always an object', () => {
    const recorded = toRecordedEvent({
      streamId: 'room-1',
      id: 'b1c0f4a2-4a43-4c1e-8f5e-2f1b1f7c9a10',
      revision: 2n,
      type: 'RoomRegistered',
      created: new Date(0),
      data: { name: 'Ada' },
      metadata: undefined,
      position: { commit: 10n, prepare: 9n },
    });
    expect(recorded).toMatchObject({ streamName: 'room-1', revision: 2n, position: 10n, metadata: {} });
    expect(recorded.checkpoint).toBe(toCheckpoint({ commit: 10n, prepare: 9n }));
  });
});
