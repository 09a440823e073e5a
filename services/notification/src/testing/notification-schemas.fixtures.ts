import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { NotificationEventType } from '../delivery-log/notification-events';

// Until libs/contracts registers notification.events.v1 in validateEventPayload (see the service README),
// the tests validate against the schema files directly, with the same ajv settings.

export const notificationEventTypes: readonly NotificationEventType[] = ['sent', 'failed', 'dead-lettered'];

export const contractsDir = join(__dirname, '../../../../libs/contracts');

export function notificationSchema(type: string): Record<string, unknown> {
  const path = join(contractsDir, 'schemas/notification.events.v1', `${type}.schema.json`);
  return JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
}

const ajv = addFormats(new Ajv2020({ strict: true, allErrors: true }));
for (const type of notificationEventTypes) ajv.addSchema(notificationSchema(type));

/** `{ valid: true }` or the schema's complaints, as `validateEventPayload` reports them. */
export function validateNotificationEvent(
  type: NotificationEventType,
  payload: unknown,
): { valid: true } | { valid: false; errors: string[] } {
  const validate = ajv.getSchema(
    `https://roomledger.dev/schemas/notification.events.v1/${type}.schema.json`,
  )!;
  if (validate(payload)) return { valid: true };
  return {
    valid: false,
    errors: (validate.errors ?? []).map((error) => `${error.instancePath || '/'} ${error.message ?? ''}`),
  };
}
