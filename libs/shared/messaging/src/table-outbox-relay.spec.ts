import { parseEnvelope } from './envelope';
import { tableOutboxMessage, type TableOutboxRow } from './table-outbox-relay';

describe('A table outbox row as a Kafka message', () => {
  const row: TableOutboxRow = {
    id: '1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d',
    subject: '9b2d7c1a-3f4e-4b6a-8c1d-2e3f4a5b6c7d',
    type: 'preferences-changed',
    payload: { userId: '9b2d7c1a-3f4e-4b6a-8c1d-2e3f4a5b6c7d', version: 3 },
    traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
    tracestate: null,
    created_at: new Date('2026-03-10T07:30:00.020Z'),
  };

  it('carries CloudEvents binary-mode headers and the stored trace, is keyed by its subject and holds the payload as JSON', () => {
    const message = tableOutboxMessage({ ...row, tracestate: 'vendor=1' }, 'user');
    expect(message.key).toBe(row.subject);
    expect(message.headers).toEqual({
      ce_specversion: '1.0',
      ce_id: row.id,
      ce_type: 'roomledger.user.preferences-changed.v1',
      ce_source: '/roomledger/user',
      ce_time: '2026-03-10T07:30:00.020Z',
      ce_subject: row.subject,
      'content-type': 'application/json',
      traceparent: row.traceparent,
      tracestate: 'vendor=1',
    });
    expect(JSON.parse(String(message.value))).toEqual(row.payload);
  });

  it('is what our consumers parse, with the row id as the event id', () => {
    const message = tableOutboxMessage({ ...row, traceparent: null }, 'notification');
    const envelope = parseEnvelope(
      { headers: message.headers!, value: Buffer.from(String(message.value)) },
      { topic: 'notification.events.v1', partition: 0, offset: '0' },
    );
    expect(envelope).toEqual({
      id: row.id,
      type: 'roomledger.notification.preferences-changed.v1',
      source: '/roomledger/notification',
      time: row.created_at,
      subject: row.subject,
      data: row.payload,
    });
  });
});
