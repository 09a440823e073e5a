import { createHash } from 'node:crypto';

/** Namespace of roomledger's derived event ids (itself a random v4 UUID, fixed forever). */
export const EVENT_ID_NAMESPACE = '5f0b8e7c-3d2a-4c61-9a57-2be0d7c4f1a3';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: string): boolean {
  return UUID.test(value);
}

/**
 * The id of the `index`-th (0-based) event a command produces: a name-based UUID (version 5) of
 * `<commandId>/<index>`. A retried command derives the same ids, so its append is a no-op.
 */
export function eventIdFor(commandId: string, index: number, namespace: string = EVENT_ID_NAMESPACE): string {
  if (commandId.length === 0) throw new RangeError('commandId must not be empty');
  if (!Number.isSafeInteger(index) || index < 0)
    throw new RangeError(`event index must be a natural number: ${index}`);
  return uuidV5(`${commandId}/${index}`, namespace);
}

/** RFC 9562 version 5 UUID: SHA-1 of the namespace's 16 bytes followed by the name's UTF-8 bytes. */
export function uuidV5(name: string, namespace: string): string {
  if (!isUuid(namespace)) throw new RangeError(`namespace is not a UUID: ${namespace}`);
  const bytes = createHash('sha1')
    .update(Buffer.from(namespace.replace(/-/g, ''), 'hex'))
    .update(name, 'utf8')
    .digest()
    .subarray(0, 16);
  bytes[6] = (bytes[6] & 0x0f) | 0x50;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
