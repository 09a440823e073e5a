import {
  expectedStateMatches,
  firstRevisionAfter,
  isExpectedState,
  type ExpectedState,
  type StreamState,
} from './expected-state';
import { WrongExpectedVersion } from './errors';

describe('Expected state', () => {
  const table: [ExpectedState, StreamState, boolean][] = [
    ['any', 'no_stream', true],
    ['any', 3n, true],
    ['no_stream', 'no_stream', true],
    ['no_stream', 0n, false],
    ['stream_exists', 'no_stream', false],
    ['stream_exists', 0n, true],
    [0n, 'no_stream', false],
    [0n, 0n, true],
    [2n, 3n, false],
    [3n, 3n, true],
  ];

  it.each(table)('%p against %p → %p', (expected, actual, matches) => {
    expect(expectedStateMatches(expected, actual)).toBe(matches);
  });

  it('places the next event after the last one, or at 0 in a new stream', () => {
    expect(firstRevisionAfter('no_stream')).toBe(0n);
    expect(firstRevisionAfter(4n)).toBe(5n);
  });

  it('knows what is an expected state', () => {
    expect(isExpectedState(0n)).toBe(true);
    expect(isExpectedState(-1n)).toBe(false);
    expect(isExpectedState(1)).toBe(false);
    expect(isExpectedState('no-stream')).toBe(false);
  });

  it('names both sides in a wrong expected version', () => {
    const error = new WrongExpectedVersion('roomSchedule-1', 2n, 'no_stream');
    expect(error.message).toBe(
      'wrong expected version on roomSchedule-1: expected revision 2, actual no_stream',
    );
    expect(error).toMatchObject({ name: 'WrongExpectedVersion', expected: 2n, actual: 'no_stream' });
  });
});
