import { eventually } from './eventually';
import { testStack } from './stack';

export interface CaughtMail {
  id: string;
  subject: string;
  from: { address: string; name: string }[];
  to: { address: string; name: string }[];
  text?: string;
  html?: string;
  headers: Record<string, string>;
  attachments?: { fileName?: string; contentType: string; generatedFileName?: string }[];
}

/** The development SMTP server's HTTP API (MailDev 3): what really arrived over SMTP. */
export const mailbox = {
  async all(): Promise<CaughtMail[]> {
    const response = await fetch(`${testStack.mailApiUrl}/api/email`);
    if (!response.ok) throw new Error(`mail API answered ${response.status}`);
    return (await response.json()) as CaughtMail[];
  },

  async to(address: string): Promise<CaughtMail[]> {
    const all = await mailbox.all();
    return all.filter((mail) =>
      mail.to.some((recipient) => recipient.address.toLowerCase() === address.toLowerCase()),
    );
  },

  /** Waits until `count` messages reached the address, then returns them. */
  async waitFor(address: string, count = 1, timeoutMs = 15_000): Promise<CaughtMail[]> {
    return eventually(async () => {
      const received = await mailbox.to(address);
      if (received.length < count)
        throw new Error(`${received.length} of ${count} messages reached ${address}`);
      return received;
    }, timeoutMs);
  },

  /** An attachment's content as text, by its file name (`invite.ics`); fails when the mail has none. */
  async attachment(mail: CaughtMail, fileName: string): Promise<string> {
    const file = (mail.attachments ?? []).find(
      (attachment) => (attachment as { filename?: string }).filename === fileName,
    )?.generatedFileName;
    if (!file) throw new Error(`the mail "${mail.subject}" has no attachment ${fileName}`);
    const response = await fetch(`${testStack.mailApiUrl}/api/email/${mail.id}/attachment/${file}`);
    if (!response.ok) throw new Error(`mail API answered ${response.status}`);
    return response.text();
  },

  /** The raw RFC 5322 source, e.g. to read an iCalendar attachment. */
  async source(id: string): Promise<string> {
    const response = await fetch(`${testStack.mailApiUrl}/api/email/${id}/source`);
    if (!response.ok) throw new Error(`mail API answered ${response.status}`);
    return response.text();
  },
};
