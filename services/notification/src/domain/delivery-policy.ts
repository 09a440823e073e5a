/**
 * What happens to a delivery after an attempt failed. The one question that matters for e-mail is
 * whether the message may have been delivered anyway: SMTP has no idempotency, so sending again after
 * an unknown outcome risks a duplicate, and not sending risks a loss. Only failures known not to have
 * delivered anything are retried, unless the deployment chose at-least-once (`resendUncertain`).
 */
export type SendFailure =
  /** The server refused the message (a 4xx or 5xx reply) or was never reached: nothing was delivered. */
  | { readonly kind: 'not_sent'; readonly permanent: boolean; readonly error: string }
  /** The message may have been handed over (the connection broke or went silent after DATA, or the sender died). */
  | { readonly kind: 'outcome_unknown'; readonly error: string }
  /** The directory does not know the recipient (yet): the user feed may be behind the booking feed. */
  | { readonly kind: 'recipient_unknown'; readonly error: string };

export type DeadLetterReason = 'rejected' | 'attempts_exhausted' | 'outcome_unknown' | 'recipient_unknown';

export type AfterFailure =
  | { readonly status: 'failed'; readonly retryInMs: number; readonly error: string }
  | { readonly status: 'dead_lettered'; readonly reason: DeadLetterReason; readonly error: string };

export interface RetryPolicy {
  readonly maxAttempts: number;
  /** At least once instead of at most once: an unknown outcome is sent again (same Message-ID). */
  readonly resendUncertain: boolean;
  /** Delay after the `attempt`-th failed attempt (1-based). */
  readonly delayAfter: (attempt: number) => number;
}

/** The next state of a delivery whose `attempts`-th attempt failed with `failure`. */
export function afterFailure(failure: SendFailure, attempts: number, policy: RetryPolicy): AfterFailure {
  const error = withoutAddresses(failure.error);
  if (failure.kind === 'not_sent' && failure.permanent)
    return { status: 'dead_lettered', reason: 'rejected', error };
  if (failure.kind === 'outcome_unknown' && !policy.resendUncertain)
    return { status: 'dead_lettered', reason: 'outcome_unknown', error };
  if (attempts >= policy.maxAttempts)
    return {
      status: 'dead_lettered',
      reason: failure.kind === 'recipient_unknown' ? 'recipient_unknown' : 'attempts_exhausted',
      error,
    };
  return { status: 'failed', retryInMs: policy.delayAfter(attempts), error };
}

const ADDRESS = /[^\s<>()[\]"',;:@]+@[^\s<>()[\]"',;:@]+/g;

/** Error text for logs, the delivery log and public events: SMTP replies often quote the address. */
export function withoutAddresses(text: string): string {
  return text.replace(ADDRESS, '[address]').slice(0, 1_000);
}
