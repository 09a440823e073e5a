import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { EVENT_ID_NAMESPACE, eventIdFor, isUuid, uuidV5 } from './event-id';

/** RFC 9562's construction written plainly: the model the buffer-reusing `uuidV5` must agree with. */
function referenceUuidV5(name: string, namespace: string): string {
  const bytes = createHash('sha1')
    .update(Buffer.from(namespace.replace(/-/g, ''), 'hex'))
    .update(name, 'utf8')
    .digest();
  bytes[6] = (bytes[6] & 0x0f) | 0x50;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = bytes.toString('hex', 0, 16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

describe('Event ids', () => {
  it('are RFC 9562 version 5 UUIDs (known vectors)', () => {
    const dns = '6ba7b810-9dad-11d1-80b4-00c04fd430c8';
    expect(uuidV5('www.example.com', dns)).toBe('2ed6657d-e927-568b-95e1-2665a8aea6a2');
    expect(uuidV5('python.org', dns)).toBe('886313e1-3b8a-5372-9b90-0c9aee199e5d');
  });

  it('agree with the plain construction for any name, short or long, ASCII or not', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string({ maxLength: 260 }), fc.string({ unit: 'grapheme', maxLength: 260 })),
        fc.uuid(),
        (name, namespace) => {
          expect(uuidV5(name, namespace)).toBe(referenceUuidV5(name, namespace));
        },
      ),
      { numRuns: 3000 },
    );
    // Both sides of the reused buffer's limit (200 characters), with the widest UTF-8 characters.
    for (const name of ['😀'.repeat(100), '€'.repeat(200), '€'.repeat(201), 'x'.repeat(10_000)]) {
      expect(uuidV5(name, EVENT_ID_NAMESPACE)).toBe(referenceUuidV5(name, EVENT_ID_NAMESPACE));
    }
  });

  it('derive the same id for the same command and index, so a retry appends nothing twice', () => {
    expect(eventIdFor('cmd-1', 0)).toBe(eventIdFor('cmd-1', 0));
    expect(eventIdFor('cmd-1', 0)).toBe(uuidV5('cmd-1/0', EVENT_ID_NAMESPACE));
  });

  it('differ by command, by index and by namespace', () => {
    const ids = new Set([
      eventIdFor('cmd-1', 0),
      eventIdFor('cmd-1', 1),
      eventIdFor('cmd-2', 0),
      eventIdFor('cmd-1', 0, '6ba7b811-9dad-11d1-80b4-00c04fd430c8'),
    ]);
    expect(ids.size).toBe(4);
    for (const id of ids) {
      expect(isUuid(id)).toBe(true);
      expect(id[14]).toBe('5');
      expect('89ab').toContain(id[19]);
    }
  });

  it('refuse what cannot name an event', () => {
    expect(() => eventIdFor('', 0)).toThrow(RangeError);
    expect(() => eventIdFor('cmd', -1)).toThrow(RangeError);
    expect(() => eventIdFor('cmd', 1.5)).toThrow(RangeError);
    expect(() => eventIdFor('cmd', 0, 'not-a-uuid')).toThrow(RangeError);
  });
});
