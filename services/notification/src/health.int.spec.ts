import { expectOperable } from '@roomledger/testing';
import { startNotificationHarness } from './testing/notification-harness.fixtures';

describe('The notification service, as operators see it', () => {
  it('is live, ready with [postgres,redis,kafka,smtp,read_model] up, scraped by Prometheus and probed over gRPC', async () => {
    // Its own database, feeds and group: on the shared ones it would consume (and mail) what others wrote.
    // Checked as its start leaves it: ready without waiting for anything more.
    const notification = await startNotificationHarness({ name: 'health', waitUntilRunning: false });
    try {
      await expectOperable(notification.service, ['postgres', 'redis', 'kafka', 'smtp', 'read_model']);
      const exposition = await (await fetch(`${notification.service.httpUrl}/metrics`)).text();
      expect(exposition).toContain('# TYPE notification_latency_seconds histogram');
    } finally {
      await notification.stop();
    }
  });
});
