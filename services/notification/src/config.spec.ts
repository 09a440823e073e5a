import { ConfigError, loadConfig } from '@roomledger/config';
import { configSchema, LONGEST_FEED_RETENTION_DAYS } from './config';

describe('The notification configuration', () => {
  it('keeps webhook secrets a day after a rotation, and prunes after 90, 14, 180 and 30 days by default', () => {
    expect(loadConfig(configSchema, {})).toMatchObject({
      WEBHOOK_SECRET_ROTATION_GRACE_SECONDS: 86_400,
      DELIVERY_LOG_RETENTION_DAYS: 90,
      INBOX_DEDUPE_RETENTION_DAYS: 14,
      INBOX_ITEMS_RETENTION_DAYS: 180,
      MEETING_COPY_RETENTION_DAYS: 30,
    });
  });

  it('keeps consumed-message ids at least as long as the consumed topics keep messages (7 days)', () => {
    expect(LONGEST_FEED_RETENTION_DAYS).toBe(7);
    expect(loadConfig(configSchema, { INBOX_DEDUPE_RETENTION_DAYS: '7' }).INBOX_DEDUPE_RETENTION_DAYS).toBe(
      7,
    );
    expect(() => loadConfig(configSchema, { INBOX_DEDUPE_RETENTION_DAYS: '6' })).toThrow(ConfigError);
    expect(() => loadConfig(configSchema, { INBOX_DEDUPE_RETENTION_DAYS: '6' })).toThrow(
      'INBOX_DEDUPE_RETENTION_DAYS ("6"): must be at least 7 (days)',
    );
  });

  it('keeps meeting copies at least as long as the consumed topics keep messages (7 days)', () => {
    expect(loadConfig(configSchema, { MEETING_COPY_RETENTION_DAYS: '7' }).MEETING_COPY_RETENTION_DAYS).toBe(
      7,
    );
    expect(() => loadConfig(configSchema, { MEETING_COPY_RETENTION_DAYS: '6' })).toThrow(
      'MEETING_COPY_RETENTION_DAYS ("6"): must be at least 7 (days)',
    );
  });

  it.each([
    'WEBHOOK_SECRET_ROTATION_GRACE_SECONDS',
    'DELIVERY_LOG_RETENTION_DAYS',
    'INBOX_ITEMS_RETENTION_DAYS',
    'MEETING_COPY_RETENTION_DAYS',
  ])('refuses a %s that is not a positive whole number', (name) => {
    expect(() => loadConfig(configSchema, { [name]: '0' })).toThrow(ConfigError);
    expect(() => loadConfig(configSchema, { [name]: 'soon' })).toThrow(name);
  });
});
