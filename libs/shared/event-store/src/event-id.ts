import { hash } from 'node:crypto';

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

/** The few namespaces in use (fixed constants), parsed once each. */
const namespaces = new Map<string, Buffer>();

function bytesOfNamespace(namespace: string): Buffer {
  let bytes = namespaces.get(namespace);
  if (bytes === undefined) {
    if (!isUuid(namespace)) throw new RangeError(`namespace is not a UUID: ${namespace}`);
    bytes = Buffer.from(namespace.replace(/-/g, ''), 'hex');
    if (namespaces.size < 64) namespaces.set(namespace, bytes);
  }
  return bytes;
}

/**
 * Where a name is written after its namespace's 16 bytes, for names up to 200 characters (at most 600
 * UTF-8 bytes): one buffer, reused, as every call is synchronous.
 */
const scratch = Buffer.allocUnsafeSlow(16 + 600);
const SCRATCH_NAME_CHARS = 200;
const HEX = '0123456789abcdef';

/** RFC 9562 version 5 UUID: SHA-1 of the namespace's 16 bytes followed by the name's UTF-8 bytes. */
export function uuidV5(name: string, namespace: string): string {
  const namespaceBytes = bytesOfNamespace(namespace);
  // The one-shot hash, hex out: every decision derives ids, and a Hash object, a fresh input buffer or
  // a digest buffer per id each cost more than the SHA-1 itself.
  const target =
    name.length <= SCRATCH_NAME_CHARS ? scratch : Buffer.allocUnsafe(16 + Buffer.byteLength(name, 'utf8'));
  namespaceBytes.copy(target, 0);
  const hex = hash('sha1', target.subarray(0, 16 + target.write(name, 16, 'utf8')), 'hex');
  // Version 5 in the 13th digit; the variant (binary 10) in the top bits of the 17th.
  const variant = HEX[(parseInt(hex[16], 16) & 0x3) | 0x8];
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
