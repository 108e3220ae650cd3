import { randomBytes } from 'node:crypto';
import { ConfigError } from '../../../lambdas/core/config';
import { LocalCredentialCipher } from '../../../lambdas/store/local-credential-cipher';

const cipher = new LocalCredentialCipher(randomBytes(32).toString('base64'));
const context = { tenantId: 'tenant-1', destinationId: 'dest-1' };
const secret = { secret: 'whsec_c2VjcmV0', previous_secret: 'whsec_b2xk' };

describe('LocalCredentialCipher', () => {
  it('round-trips credentials and hides them in the ciphertext', async () => {
    const ciphertext = await cipher.encrypt(secret, context);
    expect(ciphertext).not.toContain('whsec');
    expect(await cipher.decrypt(ciphertext, context)).toEqual(secret);
  });

  it('uses a fresh IV each time', async () => {
    expect(await cipher.encrypt(secret, context)).not.toBe(await cipher.encrypt(secret, context));
  });

  it.each([
    ['another destination', { tenantId: 'tenant-1', destinationId: 'dest-2' }],
    ['another tenant', { tenantId: 'tenant-2', destinationId: 'dest-1' }],
    ['ids shifted across the boundary', { tenantId: 'tenant-1dest', destinationId: '-1' }],
  ])('refuses a ciphertext moved to %s', async (_label, moved) => {
    const ciphertext = await cipher.encrypt(secret, context);
    await expect(cipher.decrypt(ciphertext, moved)).rejects.toThrow('cannot be decrypted');
  });

  it('refuses a tampered ciphertext and another key', async () => {
    const ciphertext = await cipher.encrypt(secret, context);
    const bytes = Buffer.from(ciphertext.slice('local:v1:'.length), 'base64');
    bytes[bytes.length - 1] = (bytes[bytes.length - 1] ?? 0) ^ 1;
    await expect(cipher.decrypt(`local:v1:${bytes.toString('base64')}`, context)).rejects.toThrow(
      'cannot be decrypted',
    );
    const otherKey = new LocalCredentialCipher(randomBytes(32).toString('base64'));
    await expect(otherKey.decrypt(ciphertext, context)).rejects.toThrow('cannot be decrypted');
  });

  it('rejects a key that is not 32 bytes', () => {
    expect(() => new LocalCredentialCipher(randomBytes(16).toString('base64'))).toThrow(ConfigError);
  });
});
