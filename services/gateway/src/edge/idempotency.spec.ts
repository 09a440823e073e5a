import { commandIdFor, invalidIdempotencyKey, requestHash } from './idempotency';

describe('The request hash of an idempotent write', () => {
  it('is a sha256 hex digest', () => {
    expect(requestHash('POST', '/v1/bookings', { roomId: 'r-1' })).toMatch(/^[0-9a-f]{64}$/);
  });

  it('ignores the order of object members, at every depth, and the whitespace of the JSON', () => {
    const sent = JSON.parse(
      '{ "roomId": "r-1", "slot": { "start": "09:00", "end": "10:00" }, "attendees": [1, 2] }',
    );
    const resent = JSON.parse('{"attendees":[1,2],"slot":{"end":"10:00","start":"09:00"},"roomId":"r-1"}');

    expect(requestHash('POST', '/v1/bookings', sent)).toBe(requestHash('POST', '/v1/bookings', resent));
  });

  it('ignores the case of the method and members JSON leaves out', () => {
    expect(requestHash('post', '/v1/bookings', { roomId: 'r-1', note: undefined })).toBe(
      requestHash('POST', '/v1/bookings', { roomId: 'r-1' }),
    );
  });

  it('tells apart another method, path, body or order of a list', () => {
    const hash = requestHash('POST', '/v1/bookings', { roomId: 'r-1', attendees: [1, 2] });

    expect(requestHash('PUT', '/v1/bookings', { roomId: 'r-1', attendees: [1, 2] })).not.toBe(hash);
    expect(requestHash('POST', '/v1/rooms', { roomId: 'r-1', attendees: [1, 2] })).not.toBe(hash);
    expect(requestHash('POST', '/v1/bookings', { roomId: 'r-2', attendees: [1, 2] })).not.toBe(hash);
    expect(requestHash('POST', '/v1/bookings', { roomId: 'r-1', attendees: [2, 1] })).not.toBe(hash);
    expect(requestHash('POST', '/v1/bookings', { roomId: 'r-1', attendees: ['1', '2'] })).not.toBe(hash);
  });

  it('hashes a request without a body', () => {
    expect(requestHash('DELETE', '/v1/bookings/b-1', undefined)).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('The command id of an Idempotency-Key', () => {
  const UUID_V8 = /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

  it('is a version 8 UUID (RFC 9562 variant)', () => {
    expect(commandIdFor('user-1', 'key-1')).toMatch(UUID_V8);
  });

  it('is the same for the same caller and key, every time', () => {
    expect(commandIdFor('user-1', 'key-1')).toBe(commandIdFor('user-1', 'key-1'));
  });

  it('differs by caller and by key, even where the two spell the same text', () => {
    const id = commandIdFor('user-1', 'key-1');

    expect(commandIdFor('user-2', 'key-1')).not.toBe(id);
    expect(commandIdFor('user-1', 'key-2')).not.toBe(id);
    expect(commandIdFor('user-1:key', '1')).not.toBe(commandIdFor('user-1', 'key:1'));
  });
});

describe('An Idempotency-Key', () => {
  it.each([
    ['a UUID', '8e03978e-40d5-43e8-bc93-6894a57f9324'],
    ['a single character', 'x'],
    ['255 characters', 'k'.repeat(255)],
    ['any visible ASCII punctuation', '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~'],
  ])('is valid as %s', (_, key) => {
    expect(invalidIdempotencyKey(key)).toBeUndefined();
  });

  it.each([
    ['it is empty', '', 'must not be empty'],
    ['it is 256 characters long', 'k'.repeat(256), 'at most 255'],
    ['it has a space', 'order 42', 'visible ASCII'],
    ['it has a tab', 'order\t42', 'visible ASCII'],
    ['it has a character outside ASCII', 'bestellung-ä', 'visible ASCII'],
  ])('is refused when %s, with the reason', (_, key, reason) => {
    expect(invalidIdempotencyKey(key)).toContain(reason);
  });
});
