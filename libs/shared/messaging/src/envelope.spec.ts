import { CloudEventHeaders, fallbackEventId, MalformedMessage, parseEnvelope } from './envelope';

describe('Parsing a consumed message into an envelope', () => {
  const origin = { topic: 'booking.events.v1', partition: 2, offset: '41' };
  const headers = {
    ce_specversion: Buffer.from('1.0'),
    ce_id: Buffer.from('8a1f0b52-5d0e-4c7b-9a53-0e6f3d2c1b7a'),
    ce_type: Buffer.from('roomledger.booking.held.v1'),
    ce_source: Buffer.from('/roomledger/booking'),
    ce_time: Buffer.from('2030-05-06T09:00:00.000Z'),
    ce_subject: Buffer.from('booking-7'),
    'content-type': Buffer.from('application/json'),
    traceparent: Buffer.from('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'),
  };
  const value = Buffer.from('{"roomId":"room-3","seats":4}');

  it('reads the CloudEvents headers and the JSON value', () => {
    expect(parseEnvelope({ headers, value }, origin)).toEqual({
      id: '8a1f0b52-5d0e-4c7b-9a53-0e6f3d2c1b7a',
      type: 'roomledger.booking.held.v1',
      source: '/roomledger/booking',
      time: new Date('2030-05-06T09:00:00.000Z'),
      subject: 'booking-7',
      traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
      data: { roomId: 'room-3', seats: 4 },
    });
  });

  it('accepts string headers and leaves out an absent traceparent', () => {
    const { traceparent: _absent, ...rest } = headers;
    const asStrings = Object.fromEntries(Object.entries(rest).map(([name, text]) => [name, text.toString()]));
    const envelope = parseEnvelope({ headers: asStrings, value }, origin);
    expect(envelope.type).toBe('roomledger.booking.held.v1');
    expect(envelope).not.toHaveProperty('traceparent');
  });

  it('gives a message without ce_id a stable id derived from its place', () => {
    const { ce_id: _absent, ...withoutId } = headers;
    const first = parseEnvelope({ headers: withoutId, value }, origin);
    const again = parseEnvelope({ headers: withoutId, value }, { ...origin });
    expect(first.id).toBe(fallbackEventId(origin));
    expect(again.id).toBe(first.id);
    expect(first.id).toMatch(/^kafka:[0-9a-f]{32}$/);
    expect(fallbackEventId({ ...origin, offset: '42' })).not.toBe(first.id);
  });

  it.each([
    ['a value that is not JSON', { headers, value: Buffer.from('{"roomId":') }, /not JSON/],
    ['no value at all', { headers, value: null }, /no value/],
    [
      'no ce_type',
      { headers: { ...headers, [CloudEventHeaders.type]: undefined }, value },
      /ce_type is missing/,
    ],
    [
      'no ce_source',
      { headers: { ...headers, [CloudEventHeaders.source]: undefined }, value },
      /ce_source is missing/,
    ],
    [
      'a ce_time that is no time',
      { headers: { ...headers, ce_time: Buffer.from('yesterday') }, value },
      /ce_time/,
    ],
    [
      'no ce_subject',
      { headers: { ...headers, ce_subject: Buffer.from('') }, value },
      /ce_subject is missing/,
    ],
    [
      'another CloudEvents version',
      { headers: { ...headers, ce_specversion: Buffer.from('0.3') }, value },
      /ce_specversion/,
    ],
  ])('refuses %s as malformed', (_case, message, reason) => {
    expect(() => parseEnvelope(message, origin)).toThrow(MalformedMessage);
    expect(() => parseEnvelope(message, origin)).toThrow(reason);
  });
});
