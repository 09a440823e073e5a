import {
  context as otelContext,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Span,
} from '@opentelemetry/api';
import { backoffDelay } from '@roomledger/retry';
import type { Pool } from 'pg';
import type { Logger } from 'pino';
import {
  afterFailure,
  channelDecision,
  composeEmail,
  isMeetingNotice,
  withoutAddresses,
  type AfterFailure,
  type DeadLetterReason,
  type EmailMessage,
  type MeetingNotice,
  type Notice,
  type NoticeKind,
  type People,
  type RetryPolicy,
  type SendFailure,
  type Skip,
} from '../domain';
import { lookUpRecipients, type Sql } from '../directory/recipient-directory';
import {
  claimAbandoned,
  claimDue,
  recordCancelled,
  recordFailure,
  recordSent,
  type Claimed,
  type Delivery,
} from '../delivery-log/delivery-log';
import { inTransaction } from '../persistence/schema';
import { Wakeup } from '../wakeup';
import { EMAIL, guestRecipient } from './email-channel';
import type { SendResult, SmtpMailer } from './smtp-mailer';

export interface EmailMetrics {
  sent(kind: NoticeKind, latencySeconds: number): void;
  failed(kind: NoticeKind): void;
  deadLettered(kind: NoticeKind, reason: DeadLetterReason): void;
  skipped(kind: NoticeKind, reason: Skip): void;
}

export interface EmailDispatcherOptions {
  readonly pool: Pool;
  readonly mailer: Pick<SmtpMailer, 'send'>;
  readonly logger: Logger;
  readonly retry: RetryPolicy;
  /** E-mails in flight at once. */
  readonly concurrency: number;
  /** A delivery left `sending` this long was being sent by an instance that died. */
  readonly abandonedAfterMs: number;
  /** How long to wait for a wake-up before looking for due deliveries anyway (default 1,000 ms). */
  readonly pollIntervalMs?: number;
  readonly metrics?: EmailMetrics;
  /** After an outcome (and its notification event) committed: the outbox relay is woken by it. */
  readonly onRecorded?: () => void;
}

const tracer = trace.getTracer('roomledger-notification');

/**
 * Sends the e-mail channel's deliveries after the consuming transaction committed them:
 *
 * 1. claim due rows (`pending`, or `failed` whose retry time came) as `sending`, committed first: from
 *    then on no other instance touches them;
 * 2. compose on the recipient's current profile and send over SMTP, with a stable Message-ID;
 * 3. record the outcome and its `notification.events.v1` event in one transaction: `sent`, or `failed`
 *    (retried later) or `dead_lettered` as `afterFailure` (domain) decides.
 *
 * A crash between 2 and 3 leaves the row `sending`; after `abandonedAfterMs` any instance settles it as
 * an unknown outcome: dead-lettered (at most once) or sent again (at least once, if so configured).
 */
export class EmailDispatcher {
  private readonly inFlight = new Set<Promise<void>>();
  private readonly recording = new Set<Promise<void>>();
  private readonly wakeup = new Wakeup();
  private readonly stopping = new AbortController();
  private running: Promise<void> | undefined;
  private lastSweep = 0;

  constructor(private readonly options: EmailDispatcherOptions) {}

  start(): void {
    this.running ??= this.loop();
  }

  /** New deliveries were committed: look now rather than at the next poll. */
  wake(): void {
    this.wakeup.wake();
  }

  /** Finishes the sends in flight (each bounded by the SMTP timeout) and stops. */
  async stop(): Promise<void> {
    this.stopping.abort();
    await this.running;
  }

  status(): { inFlight: number; recording: number } {
    return { inFlight: this.inFlight.size, recording: this.recording.size };
  }

  /** Settles deliveries abandoned mid-send: their sender died before recording what happened. */
  private async settleAbandoned(): Promise<void> {
    const { pool, abandonedAfterMs, retry } = this.options;
    const settled = await inTransaction(pool, async (tx) => {
      const outcomes: [Delivery, AfterFailure][] = [];
      for (const delivery of await claimAbandoned(tx, EMAIL, abandonedAfterMs)) {
        const unknown = {
          kind: 'outcome_unknown',
          error: 'the instance sending it stopped before recording the outcome',
        } as const;
        const next = afterFailure(unknown, delivery.attempts, retry);
        await recordFailure(tx, delivery, next, new Date(), undefined);
        outcomes.push([delivery, next]);
      }
      return outcomes;
    });
    for (const [delivery, next] of settled) this.count(delivery.kind, next);
    if (settled.length > 0) {
      this.options.logger.warn(
        { settled: settled.length },
        'e-mails abandoned mid-send settled as outcome unknown',
      );
      this.options.onRecorded?.();
    }
  }

  private async loop(): Promise<void> {
    const { concurrency, pollIntervalMs = 1_000 } = this.options;
    let failures = 0;
    while (!this.stopping.signal.aborted) {
      try {
        if (Date.now() - this.lastSweep > Math.min(this.options.abandonedAfterMs, 10_000)) {
          this.lastSweep = Date.now();
          await this.settleAbandoned();
        }
        const free = concurrency - this.inFlight.size;
        // Anything committed before this claim is in it; a wake-up from now on ends the next wait at once.
        this.wakeup.arm();
        const claimed = free > 0 ? await claimDue(this.options.pool, EMAIL, free) : [];
        for (const claim of claimed) this.track(this.deliver(claim));
        failures = 0;
        if (free > 0 && claimed.length === free) continue;
        await this.wakeup.wait(pollIntervalMs, this.stopping.signal);
      } catch (error) {
        failures += 1;
        const retryInMs = backoffDelay(failures, { initialDelayMs: 250, maxDelayMs: 10_000 });
        this.options.logger.warn({ err: error, retryInMs }, 'e-mail dispatcher failed; retrying');
        await this.wakeup.wait(retryInMs, this.stopping.signal);
      }
    }
    await Promise.allSettled([...this.inFlight]);
    await Promise.allSettled([...this.recording]);
  }

  /** A send holds one of the `concurrency` slots until the SMTP server answered. */
  private track(sending: Promise<void>): void {
    this.inFlight.add(sending);
    void sending.finally(() => {
      this.inFlight.delete(sending);
      this.wake(); // a slot is free
    });
  }

  /**
   * Sends one claimed delivery, then records the outcome beside the next sends: the slot is an SMTP
   * slot, and a slow database must not hold the SMTP server back (nor the other way round).
   */
  private async deliver(claimed: Claimed): Promise<void> {
    const { delivery } = claimed;
    // A meeting's guest is not in the directory: the notice has their address.
    const recipient = guestRecipient(delivery.notice, delivery.recipient_id) ?? claimed.recipient;
    const span = tracer.startSpan(
      'notification email send',
      {
        kind: SpanKind.CLIENT,
        attributes: {
          'roomledger.notification.id': delivery.id,
          'roomledger.notification.channel': delivery.channel,
          'roomledger.notification.kind': delivery.kind,
          'roomledger.notification.attempt': delivery.attempts,
          'roomledger.event.id': delivery.event_id,
          'roomledger.event.type': delivery.event_type,
        },
      },
      propagation.extract(ROOT_CONTEXT, delivery.traceparent ? { traceparent: delivery.traceparent } : {}),
    );
    const decision = channelDecision(recipient, EMAIL);
    const outcome: SendResult | { skip: Skip } = !decision.deliver
      ? { skip: decision.skip }
      : recipient === undefined || recipient === 'erased'
        ? {
            ok: false,
            failure: { kind: 'recipient_unknown', error: 'the recipient is not in the directory' },
          }
        : // Inside the span: what the send logs carries its trace id.
          await otelContext.with(trace.setSpan(otelContext.active(), span), async () =>
            this.send(delivery, composeFor(delivery, recipient, await this.peopleIn(delivery.notice))),
          );
    const recording = this.record(delivery, outcome, span)
      .catch((error: unknown) => {
        // The outcome could not be recorded: the row stays `sending` and is settled once abandoned.
        span.setStatus({ code: SpanStatusCode.ERROR });
        this.options.logger.error(
          { err: scrubbed(error), notificationId: delivery.id },
          'e-mail outcome not recorded; settled later as unknown',
        );
      })
      .finally(() => {
        span.end();
        this.recording.delete(recording);
      });
    this.recording.add(recording);
  }

  /** Records what became of a delivery, with its public event, and counts it. */
  private async record(delivery: Delivery, outcome: SendResult | { skip: Skip }, span: Span): Promise<void> {
    const traceparent = traceparentOf(span);
    span.setAttribute(
      'roomledger.notification.outcome',
      'skip' in outcome ? 'skipped' : outcome.ok ? 'sent' : 'failed',
    );
    if ('skip' in outcome) {
      await this.persist((sql) => recordCancelled(sql, delivery, outcome.skip));
      this.options.metrics?.skipped(delivery.kind, outcome.skip);
      return;
    }
    if (outcome.ok) {
      await this.persist((sql) =>
        recordSent(sql, delivery, outcome.acceptedAt, outcome.messageId, traceparent),
      );
      this.options.metrics?.sent(
        delivery.kind,
        (outcome.acceptedAt.getTime() - delivery.occurred_at.getTime()) / 1000,
      );
    } else {
      const next = afterFailure(outcome.failure, delivery.attempts, this.options.retry);
      await this.persist((sql) => recordFailure(sql, delivery, next, new Date(), traceparent));
      this.count(delivery.kind, next);
      span.setStatus({ code: SpanStatusCode.ERROR, message: next.error });
      this.options.logger.warn(
        {
          notificationId: delivery.id,
          kind: delivery.kind,
          attempt: delivery.attempts,
          status: next.status,
          error: next.error,
        },
        'e-mail not sent',
      );
    }
    this.options.onRecorded?.();
  }

  /**
   * The users a meeting's message names (organizer, attendees), as the directory knows them now. If the
   * directory cannot be read, the invitation names only the recipient: better than holding the mail.
   */
  private async peopleIn(notice: Notice): Promise<People> {
    if (!isMeetingNotice(notice) || notice.kind === 'meeting-reminder') return new Map();
    return this.lookUpPeople(notice).catch((error: unknown) => {
      this.options.logger.warn(
        { err: scrubbed(error) },
        'attendees not looked up; the invitation names fewer',
      );
      return new Map();
    });
  }

  private async lookUpPeople(notice: Exclude<MeetingNotice, { kind: 'meeting-reminder' }>): Promise<People> {
    const { meeting } = notice;
    const userIds = [meeting.organizerId, ...meeting.attendees.flatMap((attendee) => attendee.userId ?? [])];
    if (notice.kind === 'meeting-response' && notice.attendee.userId) userIds.push(notice.attendee.userId);
    const people = new Map<string, { name: string; email: string }>();
    for (const [userId, entry] of await lookUpRecipients(this.options.pool, userIds))
      if (entry !== 'erased') people.set(userId, { name: entry.name, email: entry.email });
    return people;
  }

  private async send(delivery: Delivery, composed: EmailMessage | SendFailure): Promise<SendResult> {
    if ('kind' in composed) return { ok: false, failure: composed };
    return this.options.mailer.send(composed, delivery.id);
  }

  /** Records an outcome (one statement), retrying a few times: once sent, losing the record would leave it unknown. */
  private async persist(work: (sql: Sql) => Promise<unknown>): Promise<void> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        await work(this.options.pool);
        return;
      } catch (error) {
        if (attempt >= 5 || this.stopping.signal.aborted) throw error;
        await new Promise((resolve) => setTimeout(resolve, backoffDelay(attempt, { initialDelayMs: 200 })));
      }
    }
  }

  private count(kind: NoticeKind, next: AfterFailure): void {
    if (next.status === 'failed') this.options.metrics?.failed(kind);
    else this.options.metrics?.deadLettered(kind, next.reason);
  }
}

/** The message, or why it could not be composed (a permanent failure: composing again gives the same). */
function composeFor(
  delivery: Delivery,
  recipient: Parameters<typeof composeEmail>[1],
  people: People,
): EmailMessage | SendFailure {
  try {
    return composeEmail(delivery.notice, recipient, people);
  } catch (error) {
    return { kind: 'not_sent', permanent: true, error: `could not compose: ${(error as Error).message}` };
  }
}

function traceparentOf(span: Span): string | undefined {
  const carrier: Record<string, string> = {};
  propagation.inject(trace.setSpan(otelContext.active(), span), carrier);
  return carrier.traceparent;
}

/** Driver errors may quote what was sent; logs carry no addresses. */
function scrubbed(error: unknown): { message: string; name?: string } {
  return error instanceof Error
    ? { name: error.name, message: withoutAddresses(error.message) }
    : { message: withoutAddresses(String(error)) };
}
