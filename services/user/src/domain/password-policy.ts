import { ValidationFailed } from './errors';

export const MIN_PASSWORD_LENGTH = 10;
/** Argon2 hashes any length, but a multi-megabyte "password" is a denial-of-service attempt. */
export const MAX_PASSWORD_LENGTH = 1024;

export type PasswordWeakness = 'too_short' | 'too_long' | 'too_common' | 'equals_email';

/**
 * The most common passwords of at least {@link MIN_PASSWORD_LENGTH} characters (shorter ones fail on
 * length anyway), from public breach corpora, lower-cased; compared case-insensitively.
 */
const COMMON_PASSWORDS: ReadonlySet<string> = new Set([
  '0000000000',
  '0123456789',
  '1111111111',
  '1212121212',
  '1234512345',
  '1234567890',
  '12345678910',
  '123456789a',
  '123456789q',
  '1234qwerty',
  '1q2w3e4r5t',
  '1q2w3e4r5t6y',
  '1qaz2wsx3edc',
  '5555555555',
  '6969696969',
  '7777777777',
  '9876543210',
  'a123456789',
  'aaaaaaaaaa',
  'abc1234567',
  'abcd123456',
  'abcdefghij',
  'admin12345',
  'admin123456',
  'administrator',
  'asdfghjkl1',
  'asdfghjkl123',
  'baseball123',
  'changeme123',
  'charlie123',
  'computer123',
  'dragon12345',
  'football123',
  'iloveyou12',
  'iloveyou123',
  'jennifer123',
  'letmein123',
  'letmein1234',
  'liverpool1',
  'master12345',
  'michael123',
  'monkey12345',
  'p@ssw0rd123',
  'passw0rd123',
  'password01',
  'password1!',
  'password12',
  'password123',
  'password1234',
  'password12345',
  'passwordpassword',
  'princess123',
  'q1w2e3r4t5',
  'q1w2e3r4t5y6',
  'qazwsxedc123',
  'qazwsxedcrfv',
  'qwerty1234',
  'qwerty12345',
  'qwerty123456',
  'qwertyuiop',
  'qwertyuiop123',
  'roomledger',
  'roomledger1',
  'roomledger123',
  'starwars123',
  'sunshine123',
  'superman123',
  'trustno1234',
  'welcome123',
  'welcome1234',
  'whatever123',
  'zxcvbnm123',
  'zxcvbnm1234',
]);

/** Why a password is too weak to accept, or `undefined` if it is acceptable. */
export function passwordWeakness(password: string, email: string): PasswordWeakness | undefined {
  const length = [...password].length;
  if (length < MIN_PASSWORD_LENGTH) return 'too_short';
  if (length > MAX_PASSWORD_LENGTH) return 'too_long';
  const folded = password.toLowerCase();
  if (COMMON_PASSWORDS.has(folded)) return 'too_common';
  const address = email.trim().toLowerCase();
  if (folded === address || folded === address.split('@')[0]) return 'equals_email';
  return undefined;
}

const explanations: Record<PasswordWeakness, string> = {
  too_short: `at least ${MIN_PASSWORD_LENGTH} characters`,
  too_long: `at most ${MAX_PASSWORD_LENGTH} characters`,
  too_common: 'one of the most common passwords; choose another',
  equals_email: 'must not be the e-mail address',
};

/** Throws `ValidationFailed` on field `password`, with the weakness as its `reason`. */
export function checkPassword(password: unknown, email: string): string {
  if (typeof password !== 'string') throw new ValidationFailed('password', 'required', 'required');
  const weakness = passwordWeakness(password, email);
  if (weakness) throw new ValidationFailed('password', weakness, explanations[weakness]);
  return password;
}
