import { createKafka } from '@roomledger/messaging';
import {
  createFeedTopics,
  createTestDatabase,
  expectOperable,
  startTestService,
  testStack,
  uniqueGroupId,
} from '@roomledger/testing';
import { pino } from 'pino';
import { startNotification } from './app.module';
import { configSchema } from './config';

describe('The notification service, as operators see it', () => {
  it('is live, ready with [postgres,redis,kafka,smtp,read_model] up, scraped by Prometheus and probed over gRPC', async () => {
    // Its own database, feeds and group: on the shared ones it would consume (and mail) what others wrote.
    const database = await createTestDatabase('rl_notification_health');
    const kafka = createKafka({
      clientId: 'notification-health',
      brokers: testStack.kafkaBrokers,
      logger: pino({ level: 'error' }),
    });
    const feeds = await createFeedTopics(kafka, {
      'booking.events.v1': 'BOOKING_EVENTS_TOPIC',
      'meeting.events.v1': 'MEETING_EVENTS_TOPIC',
      'user.events.v1': 'USER_EVENTS_TOPIC',
      'notification.events.v1': 'NOTIFICATION_EVENTS_TOPIC',
    });
    const service = await startTestService({
      schema: configSchema,
      start: startNotification,
      service: 'notification',
      env: {
        DATABASE_URL: database.url,
        NOTIFICATION_GROUP_ID: uniqueGroupId('notification-health'),
        REMINDERS_ENABLED: 'false', // reminders.int.spec.ts runs them on its own queue
        ...feeds.env,
      },
    });
    try {
      await expectOperable(service, ['postgres', 'redis', 'kafka', 'smtp', 'read_model']);
      const exposition = await (await fetch(`${service.httpUrl}/metrics`)).text();
      expect(exposition).toContain('# TYPE notification_latency_seconds histogram');
    } finally {
      await service.close();
      await feeds.delete();
      await database.drop();
    }
  });
});
