import { createTransport } from 'nodemailer';
import { mailbox } from '../mail';
import { testStack, uniqueSuffix } from '../stack';

describe('The development SMTP server on the test stack', () => {
  it('receives a message over SMTP and gives it back over its HTTP API', async () => {
    const recipient = `smoke-${uniqueSuffix()}@example.test`;
    const { hostname, port } = new URL(testStack.smtpUrl);
    const transport = createTransport({ host: hostname, port: Number(port), secure: false });
    await transport.sendMail({
      from: 'roomledger <no-reply@roomledger.local>',
      to: recipient,
      subject: 'Smoke test',
      text: 'It arrived.',
      icalEvent: { method: 'REQUEST', content: 'BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n' },
    });
    transport.close();

    const [mail] = await mailbox.waitFor(recipient);
    expect(mail.subject).toBe('Smoke test');
    expect(mail.text?.trim()).toBe('It arrived.');
    expect(await mailbox.source(mail.id)).toContain('text/calendar; charset=utf-8; method=REQUEST');
  });
});
