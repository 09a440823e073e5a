import type { ReadinessCheck } from '@roomledger/service-runtime';
import { createTransport } from 'nodemailer';

/** The SMTP relay answers its greeting and EHLO; no mail is sent. */
export function smtpCheck(url: string): ReadinessCheck {
  const { hostname, port, protocol } = new URL(url);
  const transport = createTransport({
    host: hostname,
    port: Number(port || 25),
    secure: protocol === 'smtps:',
    connectionTimeout: 1_500,
    greetingTimeout: 1_500,
  });
  return {
    name: 'smtp',
    check: async () => {
      await transport.verify();
    },
  };
}
