import { classifySmtpError, parseMailbox } from './smtp-mailer';

/** nodemailer's errors, as they look (code, originalCode, command, responseCode), and what they tell us. */
describe('A failed SMTP send', () => {
  const failure = (fields: Record<string, unknown>) => Object.assign(new Error('failed'), fields);

  it('certainly delivered nothing when the server answered with an error code (5xx: for good)', () => {
    expect(
      classifySmtpError(failure({ code: 'EENVELOPE', responseCode: 550, command: 'RCPT TO' })),
    ).toMatchObject({
      kind: 'not_sent',
      permanent: true,
    });
    expect(
      classifySmtpError(failure({ code: 'EMESSAGE', responseCode: 451, command: 'DATA' })),
    ).toMatchObject({
      kind: 'not_sent',
      permanent: false,
    });
  });

  it('certainly delivered nothing when no connection was ever made', () => {
    for (const originalCode of ['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH'])
      expect(classifySmtpError(failure({ code: 'ESOCKET', originalCode, command: 'CONN' }))).toMatchObject({
        kind: 'not_sent',
        permanent: false,
      });
    expect(classifySmtpError(failure({ code: 'ETIMEDOUT', command: 'CONN' }))).toMatchObject({
      kind: 'not_sent',
    });
    expect(classifySmtpError(failure({ code: 'EAUTH', responseCode: 535 }))).toMatchObject({
      kind: 'not_sent',
      permanent: false, // our credentials, not the message: retry once they are fixed
    });
  });

  it('may have delivered when the connection broke or went silent during the exchange', () => {
    expect(classifySmtpError(failure({ code: 'ECONNECTION', command: 'CONN' }))).toMatchObject({
      kind: 'outcome_unknown',
    });
    expect(classifySmtpError(failure({ code: 'ESOCKET', originalCode: 'ECONNRESET' }))).toMatchObject({
      kind: 'outcome_unknown',
    });
    expect(classifySmtpError(new Error('no answer from the SMTP server within 30000 ms'))).toMatchObject({
      kind: 'outcome_unknown',
    });
  });
});

describe('The sender setting', () => {
  it('reads a display name and an address, or a bare address', () => {
    expect(parseMailbox('roomledger <no-reply@roomledger.local>')).toEqual({
      name: 'roomledger',
      email: 'no-reply@roomledger.local',
    });
    expect(parseMailbox('"Rooms, Inc." <rooms@example.org>')).toEqual({
      name: 'Rooms, Inc.',
      email: 'rooms@example.org',
    });
    expect(parseMailbox('rooms@example.org')).toEqual({ name: '', email: 'rooms@example.org' });
  });
});
