import { PayloadReader } from './payload';

/** A person the service may notify: its copy of the user's profile from `user.events.v1`. */
export interface Recipient {
  readonly userId: string;
  /** The user's version: a replayed older event never overwrites a newer copy. */
  readonly version: number;
  readonly email: string;
  readonly name: string;
  /** IANA time zone: times in messages are shown on this clock. */
  readonly timeZone: string;
  /** Channels the person accepts (`email`, `in-app`, ...). */
  readonly channels: readonly string[];
  readonly deactivated: boolean;
  /** Minutes before a booking starts at which the person wants reminders; absent: the defaults. */
  readonly reminderOffsetsMinutes?: readonly number[];
}

/** What the directory knows of a user id: a recipient, an erased person, or nothing (yet). */
export type DirectoryEntry = Recipient | 'erased' | undefined;

/** Channels of a user who never stated a preference: e-mail only. */
export const DEFAULT_CHANNELS: readonly string[] = ['email'];

/** The recipient a user event (every type but `erased`) describes. */
export function recipientFromUserEvent(type: string, data: unknown): Recipient {
  const user = new PayloadReader(data, type);
  const preferences = user.optionalObject('preferences');
  return {
    userId: user.string('userId'),
    version: user.positiveInteger('version'),
    email: user.string('email'),
    name: user.string('name'),
    timeZone: user.string('timeZone'),
    channels: preferences?.optionalStrings('channels') ?? DEFAULT_CHANNELS,
    deactivated: user.boolean('deactivated', false),
    ...reminderOffsetsOf(preferences?.optionalIntegers('reminderOffsetsMinutes')),
  };
}

function reminderOffsetsOf(offsets: number[] | undefined): { reminderOffsetsMinutes?: readonly number[] } {
  return offsets === undefined ? {} : { reminderOffsetsMinutes: offsets.filter((each) => each > 0) };
}

export type Skip = 'erased' | 'deactivated' | 'channel_off';

/**
 * Whether `channel` may reach this person. Someone the directory does not know yet is not refused:
 * the user feed is a different topic and may simply be behind, so the delivery waits for them.
 */
export function channelDecision(
  entry: DirectoryEntry,
  channel: string,
): { deliver: true } | { deliver: false; skip: Skip } {
  if (entry === 'erased') return { deliver: false, skip: 'erased' };
  if (entry === undefined) return { deliver: true };
  if (entry.deactivated) return { deliver: false, skip: 'deactivated' };
  if (!entry.channels.includes(channel)) return { deliver: false, skip: 'channel_off' };
  return { deliver: true };
}
