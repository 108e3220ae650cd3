import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { ConfigError } from '../core/config';
import type { StringMap } from '../core/model';
import type { CredentialCipher } from '../core/ports';

const ALGORITHM = 'aes-256-gcm';
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** Format marker, so that a later scheme (the KMS envelope) can tell its own ciphertexts apart. */
const PREFIX = 'local:v1:';

/**
 * Local-mode credential encryption: AES-256-GCM under one key, with the (tenant, destination) as
 * additional authenticated data, so a ciphertext copied onto another destination fails to decrypt.
 */
export class LocalCredentialCipher implements CredentialCipher {
  private readonly key: Buffer;

  /** @param base64Key 32 random bytes, base64 (CREDENTIALS_KEY). */
  constructor(base64Key: string) {
    const key = Buffer.from(base64Key, 'base64');
    if (key.length !== KEY_BYTES) {
      throw new ConfigError(`CREDENTIALS_KEY must be ${KEY_BYTES} bytes of base64, got ${key.length} bytes`);
    }
    this.key = key;
  }

  async encrypt(plaintext: StringMap, context: { tenantId: string; destinationId: string }): Promise<string> {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv(ALGORITHM, this.key, iv);
    cipher.setAAD(associatedData(context));
    const body = Buffer.concat([cipher.update(JSON.stringify(plaintext), 'utf8'), cipher.final()]);
    return PREFIX + Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64');
  }

  async decrypt(
    ciphertext: string,
    context: { tenantId: string; destinationId: string },
  ): Promise<StringMap> {
    if (!ciphertext.startsWith(PREFIX)) {
      throw new Error('credentials were not encrypted by the local cipher');
    }
    const raw = Buffer.from(ciphertext.slice(PREFIX.length), 'base64');
    const decipher = createDecipheriv(ALGORITHM, this.key, raw.subarray(0, IV_BYTES));
    decipher.setAAD(associatedData(context));
    decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
    try {
      const plaintext = Buffer.concat([
        decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)),
        decipher.final(),
      ]);
      return JSON.parse(plaintext.toString('utf8')) as StringMap;
    } catch (error) {
      throw new Error(
        `credentials of destination ${context.destinationId} cannot be decrypted (wrong key or moved ciphertext)`,
        { cause: error },
      );
    }
  }
}

/** JSON keeps the two ids unambiguous (no separator a tenant id could contain). */
const associatedData = (context: { tenantId: string; destinationId: string }): Buffer =>
  Buffer.from(JSON.stringify([context.tenantId, context.destinationId]), 'utf8');
