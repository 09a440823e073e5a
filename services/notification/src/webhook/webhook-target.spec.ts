import {
  checkTarget,
  guardedLookup,
  isPrivateAddress,
  parseWebhookUrl,
  TargetRefused,
} from './webhook-target';

describe('Webhook targets', () => {
  it.each([
    '127.0.0.1',
    '10.1.2.3',
    '172.16.0.1',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    '::1',
    '::',
    'fe80::1',
    'fd00::1',
    '::ffff:127.0.0.1',
    '::ffff:10.0.0.1',
  ])('refuses %s', (address) => expect(isPrivateAddress(address)).toBe(true));

  it.each(['93.184.216.34', '8.8.8.8', '2606:4700:4700::1111', '::ffff:8.8.8.8'])('accepts %s', (address) =>
    expect(isPrivateAddress(address)).toBe(false),
  );

  it('checks literal addresses and names that resolve to private addresses, unless allowed', async () => {
    await expect(checkTarget(parseWebhookUrl('http://127.0.0.1:8080/hook'), false)).rejects.toBeInstanceOf(
      TargetRefused,
    );
    await expect(checkTarget(parseWebhookUrl('http://[::1]/hook'), false)).rejects.toMatchObject({
      reason: 'private_target',
    });
    await expect(checkTarget(parseWebhookUrl('http://localhost/hook'), false)).rejects.toMatchObject({
      reason: 'private_target',
    });
    await expect(checkTarget(parseWebhookUrl('http://localhost/hook'), true)).resolves.toBeUndefined();
  });

  it('refuses URLs that are not http(s) or carry credentials', () => {
    expect(() => parseWebhookUrl('ftp://example.test/')).toThrow(TargetRefused);
    expect(() => parseWebhookUrl('https://user:pw@example.test/')).toThrow(TargetRefused);
    expect(() => parseWebhookUrl('not a url')).toThrow(TargetRefused);
  });

  it('refuses at connection time a name that resolves to a private address (DNS rebinding)', async () => {
    const error = await new Promise((resolve) =>
      guardedLookup(false)('localhost', {}, (failure) => resolve(failure)),
    );
    expect(error).toBeInstanceOf(TargetRefused);
    const allowed = await new Promise((resolve) =>
      guardedLookup(true)('localhost', {}, (failure, address) => resolve(failure ?? address)),
    );
    expect(typeof allowed).toBe('string');
  });
});
