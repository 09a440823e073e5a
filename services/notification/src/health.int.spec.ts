import { expectOperable, startTestService } from '@roomledger/testing';
import { startNotification } from './app.module';
import { configSchema } from './config';

describe('The notification service, as operators see it', () => {
  it('is live, ready with [postgres,redis,kafka,smtp] up, scraped by Prometheus and probed over gRPC', async () => {
    const service = await startTestService({
      schema: configSchema,
      start: startNotification,
      service: 'notification',
    });
    try {
      await expectOperable(service, ['postgres', 'redis', 'kafka', 'smtp']);
    } finally {
      await service.close();
    }
  });
});
