import { PayloadReader, recipientFromUserEvent } from '../domain';
import { eraseRecipient, saveRecipient, type Sql } from './recipient-directory';

const USER_TYPE = /^roomledger\.user\.([a-z-]+)\.v1$/;
/** Every user event but `erased` carries the whole profile after the change. */
const PROFILE_EVENTS = new Set([
  'registered',
  'updated',
  'preferences-changed',
  'roles-changed',
  'deactivated',
]);

export type DirectoryChange = 'saved' | 'stale' | 'erased' | 'ignored';

/** Applies one `user.events.v1` event to the recipient directory (inside the consuming transaction). */
export async function applyUserEvent(
  sql: Sql,
  event: { readonly type: string; readonly data: unknown },
): Promise<DirectoryChange> {
  const name = USER_TYPE.exec(event.type)?.[1];
  if (name === 'erased') {
    const data = new PayloadReader(event.data, event.type);
    await eraseRecipient(sql, data.string('userId'), data.instant('occurredAt'));
    return 'erased';
  }
  if (!name || !PROFILE_EVENTS.has(name)) return 'ignored';
  return (await saveRecipient(sql, recipientFromUserEvent(event.type, event.data))) ? 'saved' : 'stale';
}
