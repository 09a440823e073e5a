import { expectOperable, startTestService } from '@roomledger/testing';
import { startBooking } from './app.module';
import { configSchema } from './config';

describe('The booking service, as operators see it', () => {
  it('is live, ready with [postgres,kafka,read_model] up, scraped by Prometheus and probed over gRPC', async () => {
    const service = await startTestService({ schema: configSchema, start: startBooking, service: 'booking' });
    try {
      await expectOperable(service, ['postgres', 'kafka', 'read_model']);
    } finally {
      await service.close();
    }
  });
});
