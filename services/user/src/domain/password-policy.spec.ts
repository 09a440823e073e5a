import { ValidationFailed } from './errors';
import { checkPassword, passwordWeakness } from './password-policy';

describe('The password policy', () => {
  const email = 'ada.lovelace@example.org';

  it('accepts ten characters or more that are neither common nor the e-mail address', () => {
    expect(passwordWeakness('analytical-engine', email)).toBeUndefined();
    expect(passwordWeakness('ten chars!', email)).toBeUndefined();
    expect(passwordWeakness('ñandú-ñandú', email)).toBeUndefined();
  });

  it('refuses fewer than ten characters, counting characters rather than bytes', () => {
    expect(passwordWeakness('nine char', email)).toBe('too_short');
    expect(passwordWeakness('🔑🔑🔑🔑🔑🔑🔑🔑🔑', email)).toBe('too_short');
  });

  it('refuses the most common passwords whatever their case', () => {
    expect(passwordWeakness('1234567890', email)).toBe('too_common');
    expect(passwordWeakness('Password123', email)).toBe('too_common');
    expect(passwordWeakness('QWERTYUIOP', email)).toBe('too_common');
  });

  it('refuses the e-mail address and its local part', () => {
    expect(passwordWeakness('Ada.Lovelace@example.org', email)).toBe('equals_email');
    expect(passwordWeakness('ada.lovelace', email)).toBe('equals_email');
  });

  it('refuses absurdly long input before anything hashes it', () => {
    expect(passwordWeakness('x'.repeat(1025), email)).toBe('too_long');
  });

  it('throws validation_failed on field password with the weakness as its reason', () => {
    const error = captured(() => checkPassword('short', email));
    expect(error).toBeInstanceOf(ValidationFailed);
    expect(error).toMatchObject({ code: 'validation_failed', field: 'password', reason: 'too_short' });
    expect(captured(() => checkPassword(undefined, email))).toMatchObject({ reason: 'required' });
  });
});

function captured(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}
