import { createTransport, type Transporter } from 'nodemailer';
import type { EmailMessage, SendFailure } from '../domain';
import { renderInvite } from './calendar';

export type SendResult =
  | { readonly ok: true; readonly messageId: string; readonly acceptedAt: Date }
  | { readonly ok: false; readonly failure: SendFailure };

/** `roomledger <no-reply@roomledger.local>` → its display name and address. */
export function parseMailbox(text: string): { name: string; email: string } {
  const match = /^\s*"?([^"<]*?)"?\s*<([^>]+)>\s*$/.exec(text);
  return match ? { name: match[1], email: match[2].trim() } : { name: '', email: text.trim() };
}

/** System errors that mean no connection was ever made, so nothing can have been delivered. */
const NEVER_CONNECTED = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

interface NodemailerError extends Error {
  code?: string;
  originalCode?: string;
  command?: string;
  responseCode?: number;
}

/**
 * Whether a failed send certainly delivered nothing. SMTP is not idempotent: once the message body may
 * have reached the server, only its reply says whether it took it, so a broken or silent connection
 * after that point is `outcome_unknown`.
 */
export function classifySmtpError(error: unknown): SendFailure {
  const failure = error as NodemailerError;
  const text = failure?.message ?? String(error);
  if (failure?.code === 'EAUTH') return { kind: 'not_sent', permanent: false, error: text };
  if (typeof failure?.responseCode === 'number')
    return { kind: 'not_sent', permanent: failure.responseCode >= 500, error: text };
  if (NEVER_CONNECTED.has(failure?.originalCode ?? '') || failure?.code === 'EDNS')
    return { kind: 'not_sent', permanent: false, error: text };
  // Only the connection phases (connect, greeting, STARTTLS) time out with command CONN.
  if (failure?.code === 'ETIMEDOUT' && failure.command === 'CONN')
    return { kind: 'not_sent', permanent: false, error: text };
  if (failure?.code === 'EENVELOPE' || failure?.code === 'EMESSAGE')
    return { kind: 'not_sent', permanent: true, error: text };
  return { kind: 'outcome_unknown', error: text };
}

/**
 * Sends e-mail over SMTP (nodemailer, pooled connections). The iCalendar invite travels twice, as
 * Google Calendar sends its own: as a `text/calendar; method=...` alternative (what Outlook and Gmail
 * act on) and as an `invite.ics` attachment (what people and other clients open).
 */
export class SmtpMailer {
  private readonly transport: Transporter;
  private readonly sender: { name: string; email: string };

  constructor(
    private readonly options: {
      url: string;
      from: string;
      /** Pooled connections. */
      connections: number;
      /** The longest one exchange may take; past it the outcome is unknown. */
      timeoutMs: number;
    },
  ) {
    const url = new URL(options.url);
    this.sender = parseMailbox(options.from);
    const phaseMs = Math.min(options.timeoutMs, 10_000);
    this.transport = createTransport({
      host: url.hostname,
      port: Number(url.port || (url.protocol === 'smtps:' ? 465 : 25)),
      secure: url.protocol === 'smtps:',
      ...(url.username
        ? { auth: { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) } }
        : {}),
      pool: true,
      maxConnections: options.connections,
      connectionTimeout: phaseMs,
      greetingTimeout: phaseMs,
      socketTimeout: options.timeoutMs,
    });
  }

  /** The sender's mailbox, e.g. for the invite's ORGANIZER. */
  get from(): { name: string; email: string } {
    return this.sender;
  }

  /** The Message-ID of a delivery: stable, so a re-send is recognisably the same message. */
  messageIdFor(notificationId: string): string {
    return `<${notificationId}@${this.sender.email.split('@')[1] ?? 'roomledger.local'}>`;
  }

  async send(message: EmailMessage, notificationId: string): Promise<SendResult> {
    const messageId = this.messageIdFor(notificationId);
    const calendar = message.invite ? renderInvite(message.invite, this.sender) : undefined;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`no answer from the SMTP server within ${this.options.timeoutMs} ms`)),
        this.options.timeoutMs,
      );
    });
    const sending = this.transport.sendMail({
      from: this.sender.name ? { name: this.sender.name, address: this.sender.email } : this.sender.email,
      to: { name: message.to.name, address: message.to.address },
      subject: message.subject,
      text: message.text,
      html: message.html,
      messageId,
      headers: { 'X-Roomledger-Notification-Id': notificationId },
      ...(calendar && message.invite
        ? {
            icalEvent: { method: message.invite.method, content: calendar },
            attachments: [{ filename: 'invite.ics', content: calendar, contentType: 'application/ics' }],
          }
        : {}),
    });
    // Past the timeout nobody awaits it any more; its late failure must not become an unhandled rejection.
    sending.catch(() => undefined);
    try {
      await Promise.race([sending, timedOut]);
      return { ok: true, messageId, acceptedAt: new Date() };
    } catch (error) {
      return { ok: false, failure: classifySmtpError(error) };
    } finally {
      clearTimeout(timer);
    }
  }

  close(): void {
    this.transport.close();
  }
}
