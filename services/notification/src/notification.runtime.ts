import { outboxTableLag, type InboxConsumer } from '@roomledger/messaging';
import { trackConsumerLag, trackLag, type ServiceMetrics } from '@roomledger/observability';
import type { BackgroundRuntime } from '@roomledger/service-runtime';
import { backoffDelay } from '@roomledger/retry';
import type { Kafka } from 'kafkajs';
import type { Pool } from 'pg';
import type { Logger } from 'pino';
import type { NotificationConfig } from './config';
import { EmailChannel } from './email/email-channel';
import { EmailDispatcher } from './email/email-dispatcher';
import { SmtpMailer } from './email/smtp-mailer';
import type { NotificationChannel } from './intake/channel';
import { runEventIntake } from './intake/event-intake';
import { notificationMetrics } from './metrics';
import { OutboxRelay } from './outbox/outbox-relay';
import { migrate, SCHEMA } from './persistence/schema';
import { InAppChannel } from './inbox/inbox-channel';
import { InboxListener } from './inbox/inbox-listener';
import { ReminderChannel } from './reminder/reminder-channel';
import { ReminderQueue } from './reminder/reminder-queue';
import { Retention } from './retention/retention';
import { WebhookChannel } from './webhook/webhook-channel';
import { WebhookDispatcher } from './webhook/webhook-dispatcher';

const LONGEST_RETRY_DELAY_MS = 15 * 60_000;
const LONGEST_WEBHOOK_RETRY_DELAY_MS = 60 * 60_000;

/**
 * Everything the notification service runs besides its transports, in the order an event travels:
 * the intake (one consumer group over the booking, meeting and user feeds, through the inbox) keeps
 * the recipient directory and offers each notice to the channels; each channel's dispatcher delivers
 * after the commit; the outbox relay publishes `notification.events.v1`. Started after Nest is up,
 * stopped before its clients close.
 */
export class NotificationRuntime implements BackgroundRuntime {
  private readonly intake: InboxConsumer[] = [];
  private intakeStarting: Promise<void> | undefined;

  private constructor(
    private readonly deps: {
      config: NotificationConfig;
      pool: Pool;
      kafka: Kafka;
      logger: Logger;
      metrics: ReturnType<typeof notificationMetrics>;
      mailer: SmtpMailer;
      dispatcher: EmailDispatcher;
      relay: OutboxRelay;
      webhooks: WebhookDispatcher;
      inboxListener: InboxListener;
      reminders: ReminderQueue | undefined;
      retention: Retention;
      /** The fan-out seam: webhooks, the in-app inbox and reminders join e-mail here. */
      channels: readonly NotificationChannel[];
    },
  ) {}

  static async create(deps: {
    config: NotificationConfig;
    pool: Pool;
    kafka: Kafka;
    logger: Logger;
    metrics: ServiceMetrics;
  }): Promise<NotificationRuntime> {
    const { config, logger, pool } = deps;
    await migrate(pool);
    const metrics = notificationMetrics(deps.metrics);
    const relay = new OutboxRelay({
      pool,
      kafka: deps.kafka,
      topic: config.NOTIFICATION_EVENTS_TOPIC,
      logger,
      onPublished: metrics.published,
    });
    const mailer = new SmtpMailer({
      url: config.SMTP_URL,
      from: config.MAIL_FROM,
      connections: config.EMAIL_CONCURRENCY,
      timeoutMs: config.EMAIL_SEND_TIMEOUT_MS,
    });
    const dispatcher = new EmailDispatcher({
      pool,
      mailer,
      logger: logger.child({ component: 'email-dispatcher' }),
      concurrency: config.EMAIL_CONCURRENCY,
      abandonedAfterMs: 2 * config.EMAIL_SEND_TIMEOUT_MS,
      retry: {
        maxAttempts: config.EMAIL_MAX_ATTEMPTS,
        resendUncertain: config.EMAIL_RESEND_UNCERTAIN,
        delayAfter: (attempt) =>
          backoffDelay(attempt, {
            initialDelayMs: config.EMAIL_RETRY_INITIAL_MS,
            maxDelayMs: Math.max(config.EMAIL_RETRY_INITIAL_MS, LONGEST_RETRY_DELAY_MS),
            jitter: 0.2,
          }),
      },
      metrics: metrics.email,
      onRecorded: () => relay.wake(),
    });
    const webhooks = new WebhookDispatcher({
      pool,
      logger: logger.child({ component: 'webhook-dispatcher' }),
      concurrency: config.WEBHOOK_CONCURRENCY,
      timeoutMs: config.WEBHOOK_TIMEOUT_MS,
      pauseAfterDead: config.WEBHOOK_PAUSE_AFTER_DEAD,
      allowPrivateTargets: config.WEBHOOK_ALLOW_PRIVATE_TARGETS,
      retry: {
        maxAttempts: config.WEBHOOK_MAX_ATTEMPTS,
        // Exponential with full jitter: a random delay in [0, initial * 2^(attempt-1)], capped.
        delayAfter: (attempt) =>
          backoffDelay(attempt, {
            initialDelayMs: config.WEBHOOK_RETRY_INITIAL_MS,
            maxDelayMs: Math.max(config.WEBHOOK_RETRY_INITIAL_MS, LONGEST_WEBHOOK_RETRY_DELAY_MS),
            jitter: 1,
          }),
      },
      onOutcome: metrics.webhook,
      onRecorded: () => relay.wake(),
    });
    const inboxListener = new InboxListener({ pool, logger: logger.child({ component: 'inbox-listener' }) });
    const email = new EmailChannel({
      maxEventAgeMs: config.MAX_EVENT_AGE_SECONDS * 1000,
      onSkipped: metrics.emailSkipped,
    });
    const inApp = new InAppChannel({ onStored: metrics.inboxStored, onSkipped: metrics.inboxSkipped });
    const reminders = config.REMINDERS_ENABLED
      ? new ReminderQueue({
          pool,
          redisUrl: config.REDIS_URL,
          queueName: config.REMINDER_QUEUE,
          logger: logger.child({ component: 'reminders' }),
          channels: [email, inApp],
          metrics: metrics.reminders,
          onFired: () => dispatcher.wake(),
          meetings: {
            defaultOffsetsMinutes: config.REMINDER_DEFAULT_OFFSETS_MINUTES,
            minuteMs: config.REMINDER_MINUTE_MS,
          },
        })
      : undefined;
    const channels: NotificationChannel[] = [
      email,
      inApp,
      new WebhookChannel(),
      ...(reminders
        ? [
            new ReminderChannel({
              defaultOffsetsMinutes: config.REMINDER_DEFAULT_OFFSETS_MINUTES,
              minuteMs: config.REMINDER_MINUTE_MS,
            }),
          ]
        : []),
    ];
    const retention = new Retention({
      pool,
      logger: logger.child({ component: 'retention' }),
      policy: {
        deliveryLogDays: config.DELIVERY_LOG_RETENTION_DAYS,
        inboxDedupeDays: config.INBOX_DEDUPE_RETENTION_DAYS,
        inboxItemsDays: config.INBOX_ITEMS_RETENTION_DAYS,
        meetingCopyDays: config.MEETING_COPY_RETENTION_DAYS,
      },
      onPruned: metrics.pruned,
    });
    const runtime = new NotificationRuntime({
      ...deps,
      retention,
      metrics,
      mailer,
      dispatcher,
      relay,
      webhooks,
      inboxListener,
      reminders,
      channels,
    });
    // Sampled when scraped: the outbox table (whichever instance publishes it) and the intake's group.
    const { registry } = deps.metrics;
    trackLag(registry, 'relay', 'notification-events', () => outboxTableLag(pool, `${SCHEMA}.outbox`));
    trackConsumerLag(registry, config.NOTIFICATION_GROUP_ID, () => runtime.intake[0]?.lag());
    return runtime;
  }

  async start(): Promise<void> {
    const { config, logger, dispatcher, relay } = this.deps;
    relay.start();
    dispatcher.start();
    this.deps.webhooks.start();
    this.deps.inboxListener.start();
    this.deps.reminders?.start();
    this.deps.retention.start();
    // The intake joins its consumer group in the background: Kafka may come later than we do. The
    // members join together, so the group settles in one rebalance rather than one per member.
    const members = Array.from({ length: config.INTAKE_CONSUMERS }, (_, member) =>
      runEventIntake({
        kafka: this.deps.kafka,
        pool: this.deps.pool,
        logger: logger.child({ component: 'intake', member }),
        groupId: config.NOTIFICATION_GROUP_ID,
        topics: {
          booking: config.BOOKING_EVENTS_TOPIC,
          meeting: config.MEETING_EVENTS_TOPIC,
          user: config.USER_EVENTS_TOPIC,
        },
        channels: this.deps.channels,
        metrics: this.deps.metrics.intake,
        onCommitted: () => {
          dispatcher.wake();
          this.deps.webhooks.wake();
          this.deps.reminders?.wake();
        },
      }).then(
        (joined) => void this.intake.push(joined),
        (error: unknown) => logger.error({ err: error, member }, 'event intake member did not start'),
      ),
    );
    this.intakeStarting = Promise.all(members).then(() => undefined);
  }

  async stop(): Promise<void> {
    await this.intakeStarting;
    await Promise.all(this.intake.map((member) => member.stop().catch(() => undefined)));
    await this.deps.dispatcher.stop();
    await this.deps.webhooks.stop();
    await this.deps.inboxListener.stop();
    await this.deps.reminders?.stop();
    await this.deps.retention.stop();
    await this.deps.relay.stop();
    this.deps.mailer.close();
  }

  /** What the gRPC API needs: the pool, the inbox streams' listener, the dispatcher to wake, the settings. */
  get api() {
    return {
      pool: this.deps.pool,
      inboxListener: this.deps.inboxListener,
      wakeWebhooks: () => this.deps.webhooks.wake(),
      allowPrivateTargets: this.deps.config.WEBHOOK_ALLOW_PRIVATE_TARGETS,
      secretRotationGraceSeconds: this.deps.config.WEBHOOK_SECRET_ROTATION_GRACE_SECONDS,
      logger: this.deps.logger,
    };
  }

  /** For readiness (`read_model`): whether every intake member joined, the dispatcher's load, the relay's role. */
  status(): Record<string, unknown> {
    const relay = this.deps.relay.status();
    return {
      intake:
        this.intake.length === this.deps.config.INTAKE_CONSUMERS
          ? 'running'
          : `starting (${this.intake.length} of ${this.deps.config.INTAKE_CONSUMERS} members joined)`,
      email: this.deps.dispatcher.status(),
      webhooks: this.deps.webhooks.status(),
      inbox: this.deps.inboxListener.status(),
      reminders: this.deps.reminders?.status() ?? 'off',
      relay: relay.lastError ? `retrying: ${relay.lastError}` : relay.role,
      retention: this.deps.retention.status(),
    };
  }
}
