import { expectOperable, startTestService } from '@roomledger/testing';
import { startRoom } from './app.module';
import { configSchema } from './config';

describe('The room service, as operators see it', () => {
  it('is live, ready with [postgres,kafka,read_model] up, scraped by Prometheus and probed over gRPC', async () => {
    const service = await startTestService({ schema: configSchema, start: startRoom, service: 'room' });
    try {
      await expectOperable(service, ['postgres', 'kafka', 'read_model']);
    } finally {
      await service.close();
    }
  });
});
