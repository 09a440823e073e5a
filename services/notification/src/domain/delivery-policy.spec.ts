import { userPayload } from '../testing/feed-messages.fixtures';
import {
  afterFailure,
  channelDecision,
  recipientFromUserEvent,
  withoutAddresses,
  type Recipient,
  type RetryPolicy,
} from './index';

describe('After a failed attempt', () => {
  const atMostOnce: RetryPolicy = { maxAttempts: 3, resendUncertain: false, delayAfter: (n) => n * 1_000 };
  const atLeastOnce: RetryPolicy = { ...atMostOnce, resendUncertain: true };

  it('retries what certainly was not delivered, later each time, until the attempts run out', () => {
    const busy = { kind: 'not_sent', permanent: false, error: '421 try again later' } as const;
    expect(afterFailure(busy, 1, atMostOnce)).toEqual({
      status: 'failed',
      retryInMs: 1_000,
      error: busy.error,
    });
    expect(afterFailure(busy, 2, atMostOnce)).toEqual({
      status: 'failed',
      retryInMs: 2_000,
      error: busy.error,
    });
    expect(afterFailure(busy, 3, atMostOnce)).toEqual({
      status: 'dead_lettered',
      reason: 'attempts_exhausted',
      error: busy.error,
    });
  });

  it('gives up at once on a permanent refusal', () => {
    expect(
      afterFailure({ kind: 'not_sent', permanent: true, error: '550 no such user' }, 1, atLeastOnce),
    ).toEqual({
      status: 'dead_lettered',
      reason: 'rejected',
      error: '550 no such user',
    });
  });

  it('never sends again what may have been delivered, unless the deployment chose at least once', () => {
    const unknown = { kind: 'outcome_unknown', error: 'socket closed after DATA' } as const;
    expect(afterFailure(unknown, 1, atMostOnce)).toMatchObject({
      status: 'dead_lettered',
      reason: 'outcome_unknown',
    });
    expect(afterFailure(unknown, 1, atLeastOnce)).toMatchObject({ status: 'failed', retryInMs: 1_000 });
    expect(afterFailure(unknown, 3, atLeastOnce)).toMatchObject({
      status: 'dead_lettered',
      reason: 'attempts_exhausted',
    });
  });

  it('waits for a recipient the directory does not know yet, then says so when giving up', () => {
    const unknown = { kind: 'recipient_unknown', error: 'not in the directory' } as const;
    expect(afterFailure(unknown, 1, atMostOnce)).toMatchObject({ status: 'failed' });
    expect(afterFailure(unknown, 3, atMostOnce)).toMatchObject({ reason: 'recipient_unknown' });
  });

  it('keeps e-mail addresses out of the error it records', () => {
    const rejected = afterFailure(
      {
        kind: 'not_sent',
        permanent: true,
        error: '550 5.1.1 <ada.l+rooms@example.org>: Recipient address rejected',
      },
      1,
      atMostOnce,
    );
    expect(rejected.error).toBe('550 5.1.1 <[address]>: Recipient address rejected');
    expect(withoutAddresses('to ada@example.org, bob@b.example')).toBe('to [address], [address]');
  });
});

describe('Whom a channel may reach', () => {
  const ada: Recipient = recipientFromUserEvent(
    'roomledger.user.registered.v1',
    userPayload('registered', {
      userId: '9b2d7c1a-3f4e-4b6a-8c1d-2e3f4a5b6c7d',
      version: 1,
      email: 'ada@example.org',
      name: 'Ada',
      timeZone: 'Europe/London',
      channels: ['email', 'in-app'],
    }),
  );

  it('reaches a person on the channels they accept', () => {
    expect(channelDecision(ada, 'email')).toEqual({ deliver: true });
    expect(channelDecision({ ...ada, channels: ['in-app'] }, 'email')).toEqual({
      deliver: false,
      skip: 'channel_off',
    });
    expect(channelDecision({ ...ada, channels: [] }, 'email')).toEqual({
      deliver: false,
      skip: 'channel_off',
    });
  });

  it('reaches nobody deactivated or erased', () => {
    expect(channelDecision({ ...ada, deactivated: true }, 'email')).toEqual({
      deliver: false,
      skip: 'deactivated',
    });
    expect(channelDecision('erased', 'email')).toEqual({ deliver: false, skip: 'erased' });
  });

  it('does not refuse someone the directory does not know yet (the user feed may be behind)', () => {
    expect(channelDecision(undefined, 'email')).toEqual({ deliver: true });
  });

  it('mails a user who never stated preferences', () => {
    const { preferences: _, ...withoutPreferences } = userPayload('registered', {
      userId: '9b2d7c1a-3f4e-4b6a-8c1d-2e3f4a5b6c7d',
      version: 1,
      email: 'ada@example.org',
      name: 'Ada',
      timeZone: 'UTC',
    });
    expect(recipientFromUserEvent('roomledger.user.registered.v1', withoutPreferences).channels).toEqual([
      'email',
    ]);
  });
});
