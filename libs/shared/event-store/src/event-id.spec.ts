import { EVENT_ID_NAMESPACE, eventIdFor, isUuid, uuidV5 } from './event-id';

describe('Event ids', () => {
  it('are RFC 9562 version 5 UUIDs (known vectors)', () => {
    const dns = '6ba7b810-9dad-11d1-80b4-00c04fd430c8';
    expect(uuidV5('www.example.com', dns)).toBe('2ed6657d-e927-568b-95e1-2665a8aea6a2');
    expect(uuidV5('python.org', dns)).toBe('886313e1-3b8a-5372-9b90-0c9aee199e5d');
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
