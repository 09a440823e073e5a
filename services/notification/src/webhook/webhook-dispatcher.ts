import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { backoffDelay } from '@roomledger/retry';
import type { Pool } from 'pg';
import type { Logger } from 'pino';
import {
  afterFailure,
  isMeetingNotice,
  noticeFacts,
  type AfterFailure,
  type Notice,
  type RetryPolicy,
} from '../domain';
import type { Sql } from '../directory/recipient-directory';
import { recordFailure, recordSent, type Delivery } from '../delivery-log/delivery-log';
import { addInboxItem } from '../inbox/inbox-store';
import { inTransaction, SCHEMA } from '../persistence/schema';
import { Wakeup } from '../wakeup';
import { signWebhook, WebhookHeaders } from './signature';
import { checkTarget, guardedLookup, parseWebhookUrl, TargetRefused } from './webhook-target';
import { WEBHOOK } from './webhook-subscriptions';

export type WebhookOutcome = 'sent' | 'failed' | 'dead_lettered' | 'refused';

export interface WebhookDispatcherOptions {
  readonly pool: Pool;
  readonly logger: Logger;
  /** `maxAttempts` and the delay after each failed attempt (exponential with full jitter); never resends uncertain outcomes as at most once: webhooks are at least once. */
  readonly retry: Pick<RetryPolicy, 'maxAttempts' | 'delayAfter'>;
  readonly concurrency: number;
  readonly timeoutMs: number;
  /** Consecutive dead-lettered deliveries after which a subscription is paused and its owner told. */
  readonly pauseAfterDead: number;
  readonly allowPrivateTargets: boolean;
  readonly pollIntervalMs?: number;
  readonly onOutcome?: (outcome: WebhookOutcome) => void;
  readonly onRecorded?: () => void;
}

interface ClaimedWebhook extends Delivery {
  readonly position: string;
  readonly url: string;
  readonly secret: string;
  /** The secret replaced by the last rotation, while its grace period lasts (it signs too); else null. */
  readonly previous_secret: string | null;
  readonly owner_id: string;
}

/**
 * Posts the webhook channel's deliveries after the consuming transaction committed them: claims due
 * rows of active subscriptions as `sending` (committed first, `for update skip locked`, so instances
 * share the work), POSTs the signed body with a timeout, and records `sent`, `failed` (retried after an
 * exponential delay with full jitter) or `dead_lettered` with its `notification.events.v1` event.
 * Webhooks are at least once: a delivery left `sending` by an instance that died is sent again, and the
 * `Roomledger-Event-Id` header lets receivers deduplicate. A subscription whose last
 * `pauseAfterDead` deliveries were all dead-lettered is paused and its owner gets an in-app notice.
 */
export class WebhookDispatcher {
  private readonly inFlight = new Set<Promise<void>>();
  private readonly wakeup = new Wakeup();
  private readonly stopping = new AbortController();
  private running: Promise<void> | undefined;
  private lastSweep = 0;

  constructor(private readonly options: WebhookDispatcherOptions) {}

  start(): void {
    this.running ??= this.loop();
  }

  wake(): void {
    this.wakeup.wake();
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    await this.running;
  }

  status(): { inFlight: number } {
    return { inFlight: this.inFlight.size };
  }

  private async loop(): Promise<void> {
    const { concurrency, pollIntervalMs = 1_000 } = this.options;
    let failures = 0;
    while (!this.stopping.signal.aborted) {
      try {
        if (Date.now() - this.lastSweep > 10_000) {
          this.lastSweep = Date.now();
          await this.requeueAbandoned();
        }
        const free = concurrency - this.inFlight.size;
        this.wakeup.arm();
        const claimed = free > 0 ? await this.claim(free) : [];
        for (const delivery of claimed) {
          const sending = this.deliver(delivery).catch((error: unknown) =>
            this.options.logger.error(
              { err: error, deliveryId: delivery.id },
              'webhook outcome not recorded',
            ),
          );
          this.inFlight.add(sending);
          void sending.finally(() => {
            this.inFlight.delete(sending);
            this.wake();
          });
        }
        failures = 0;
        if (free > 0 && claimed.length === free) continue;
        await this.wakeup.wait(pollIntervalMs, this.stopping.signal);
      } catch (error) {
        failures += 1;
        const retryInMs = backoffDelay(failures, { initialDelayMs: 250, maxDelayMs: 10_000 });
        this.options.logger.warn({ err: error, retryInMs }, 'webhook dispatcher failed; retrying');
        await this.wakeup.wait(retryInMs, this.stopping.signal);
      }
    }
    await Promise.allSettled([...this.inFlight]);
  }

  private async claim(limit: number): Promise<ClaimedWebhook[]> {
    const { rows } = await this.options.pool.query<ClaimedWebhook>(
      `with claimed as (
         update ${SCHEMA}.deliveries d
            set status = 'sending', attempts = d.attempts + 1, claimed_at = now(), updated_at = now()
          where d.id in (
            select c.id from ${SCHEMA}.deliveries c
              join ${SCHEMA}.webhook_subscriptions s on s.id::text = c.recipient_id
             where c.channel = '${WEBHOOK}' and c.status in ('pending', 'failed') and c.next_attempt_at <= now()
               and s.status = 'active' and s.deleted_at is null
             order by c.position
             limit $1
             for update of c skip locked)
          returning d.id, d.position::text as position, d.event_id, d.event_type, d.subject, d.recipient_id,
            d.channel, d.kind, d.notice, d.status, d.attempts, d.occurred_at, d.traceparent)
       select claimed.*, s.url, s.secret, s.owner_id,
              case when s.previous_secret_expires_at > now() then s.previous_secret end as previous_secret
         from claimed join ${SCHEMA}.webhook_subscriptions s on s.id::text = claimed.recipient_id`,
      [limit],
    );
    return rows;
  }

  /** At least once: a delivery its instance left `sending` (it died mid-post) is due again. */
  private async requeueAbandoned(): Promise<void> {
    await this.options.pool.query(
      `update ${SCHEMA}.deliveries set status = 'failed', next_attempt_at = now(), updated_at = now(),
              last_error = 'the instance sending it stopped before recording the outcome'
        where channel = '${WEBHOOK}' and status = 'sending' and claimed_at < now() - make_interval(secs => $1)`,
      [(2 * this.options.timeoutMs) / 1000],
    );
  }

  private async deliver(delivery: ClaimedWebhook): Promise<void> {
    const body = webhookBody(delivery);
    let failure: { permanent: boolean; error: string } | undefined;
    let refused = false;
    try {
      const url = parseWebhookUrl(delivery.url);
      await checkTarget(url, this.options.allowPrivateTargets);
      const status = await this.post(url, body, delivery);
      if (status < 200 || status >= 300)
        failure = { permanent: false, error: `the receiver answered ${status}` };
    } catch (error) {
      refused = error instanceof TargetRefused && error.reason !== 'unresolvable';
      failure = { permanent: refused, error: error instanceof Error ? error.message : String(error) };
    }
    if (!failure) {
      await inTransaction(this.options.pool, async (tx) => {
        await recordSent(tx, delivery, new Date(), undefined, undefined);
        await tx.query(
          `update ${SCHEMA}.webhook_subscriptions set consecutive_dead = 0 where id::text = $1`,
          [delivery.recipient_id],
        );
      });
      this.options.onOutcome?.('sent');
    } else {
      const next: AfterFailure = afterFailure(
        { kind: 'not_sent', permanent: failure.permanent, error: failure.error },
        delivery.attempts,
        { ...this.options.retry, resendUncertain: true },
      );
      const paused = await inTransaction(this.options.pool, async (tx) => {
        await recordFailure(tx, delivery, next, new Date(), undefined);
        return next.status === 'dead_lettered' ? this.countDead(tx, delivery) : false;
      });
      this.options.onOutcome?.(refused ? 'refused' : next.status);
      this.options.logger.warn(
        {
          deliveryId: delivery.id,
          subscriptionId: delivery.recipient_id,
          attempt: delivery.attempts,
          status: next.status,
          error: next.error,
        },
        'webhook not delivered',
      );
      if (paused)
        this.options.logger.warn({ subscriptionId: delivery.recipient_id }, 'webhook subscription paused');
    }
    this.options.onRecorded?.();
  }

  /** One more dead delivery in a row; pauses the subscription (and tells its owner) at the limit. */
  private async countDead(tx: Sql, delivery: ClaimedWebhook): Promise<boolean> {
    const { rows } = await tx.query<{ paused_at: Date; consecutive_dead: number }>(
      `update ${SCHEMA}.webhook_subscriptions
          set consecutive_dead = consecutive_dead + 1,
              status = case when consecutive_dead + 1 >= $2 then 'paused' else status end,
              paused_at = case when consecutive_dead + 1 >= $2 and status = 'active' then now() else paused_at end
        where id::text = $1
        returning paused_at, consecutive_dead, (status = 'paused' and consecutive_dead = $2) as just_paused`,
      [delivery.recipient_id, this.options.pauseAfterDead],
    );
    const row = rows[0] as { paused_at: Date; consecutive_dead: number; just_paused?: boolean } | undefined;
    if (!row?.just_paused) return false;
    await addInboxItem(tx, {
      recipientId: delivery.owner_id,
      sourceId: `webhook-paused/${delivery.recipient_id}/${row.paused_at.getTime()}`,
      kind: 'webhook-paused',
      subject: delivery.recipient_id,
      title: 'A webhook subscription was paused',
      body: `The last ${row.consecutive_dead} deliveries to ${delivery.url} failed every attempt. Fix the receiver, then ask for a redelivery to resume it.`,
      data: { subscriptionId: delivery.recipient_id, url: delivery.url, lastError: 'see the delivery log' },
      occurredAt: new Date().toISOString(),
    });
    return true;
  }

  private post(url: URL, body: string, delivery: ClaimedWebhook): Promise<number> {
    const timestamp = Math.floor(Date.now() / 1000);
    const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const outgoing = request(
        url,
        {
          method: 'POST',
          lookup: guardedLookup(this.options.allowPrivateTargets) as never,
          signal: AbortSignal.any([AbortSignal.timeout(this.options.timeoutMs), this.stopping.signal]),
          headers: {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
            'user-agent': 'roomledger-webhooks/1',
            [WebhookHeaders.signature]: signWebhook(
              delivery.previous_secret ? [delivery.secret, delivery.previous_secret] : [delivery.secret],
              body,
              timestamp,
            ),
            [WebhookHeaders.eventId]: delivery.event_id,
            [WebhookHeaders.eventType]: delivery.event_type,
            [WebhookHeaders.deliveryId]: delivery.id,
            [WebhookHeaders.position]: delivery.position,
          },
        },
        (response) => {
          response.resume(); // the body is not read, only drained
          response.on('end', () => resolve(response.statusCode ?? 0));
          response.on('error', reject);
        },
      );
      outgoing.on('error', (error) =>
        reject(
          error.name === 'AbortError' ? new Error(`no answer within ${this.options.timeoutMs} ms`) : error,
        ),
      );
      outgoing.end(body);
    });
  }
}

/** The JSON a receiver gets: the event's id, type and subject, and the notice's facts (no personal data). */
export function webhookBody(
  delivery: Pick<Delivery, 'event_id' | 'event_type' | 'subject' | 'kind' | 'notice'>,
): string {
  const notice = delivery.notice as Notice;
  const body = (occurredAt: string, data: Record<string, unknown>) =>
    JSON.stringify({
      id: delivery.event_id,
      type: delivery.event_type,
      kind: delivery.kind,
      subject: delivery.subject,
      occurredAt,
      data,
    });
  // A meeting's notice names guests by address and carries the whole meeting: only its public facts go out.
  if (isMeetingNotice(notice)) return body(notice.occurredAt, noticeFacts(notice));
  const {
    audience: _audience,
    eventId: _eventId,
    eventType: _eventType,
    subject: _subject,
    kind: _kind,
    occurredAt,
    ...data
  } = notice;
  return body(occurredAt, data);
}
