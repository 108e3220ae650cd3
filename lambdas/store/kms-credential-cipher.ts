import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { DecryptCommand, GenerateDataKeyCommand, type KMSClient } from '@aws-sdk/client-kms';
import type { StringMap } from '../core/model';
import type { CredentialCipher } from '../core/ports';

const ALGORITHM = 'aes-256-gcm';
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** Bytes of the big-endian length that precedes the encrypted data key. */
const LENGTH_BYTES = 2;
const VERSION = 1;
/** Format marker beside the local cipher's `local:v1:`, so either can tell the other's ciphertexts apart. */
const PREFIX = 'kms:v1:';
/** KMS errors that mean "this ciphertext does not belong here", as opposed to KMS being unreachable or denied. */
const REJECTED_CIPHERTEXT = new Set(['InvalidCiphertextException', 'IncorrectKeyException']);

type CredentialContext = { tenantId: string; destinationId: string };

export interface KmsCredentialCipherOptions {
  /** Decrypted data keys kept in memory (a warm Lambda re-reads the same destinations). @default 100 */
  readonly cacheSize?: number;
}

/**
 * Envelope encryption of destination credentials under a KMS key: each encryption asks KMS for a
 * fresh data key, encrypts locally with AES-256-GCM, and stores the data key encrypted by KMS beside
 * the ciphertext. The (tenant, destination) pair is the KMS encryption context and the GCM associated
 * data, so a ciphertext copied onto another destination fails to decrypt, and CloudTrail shows which
 * destination each Decrypt was for.
 *
 * Stored form: `kms:v1:` + base64(version (1 byte) | data key length (2 bytes) | encrypted data key |
 * iv (12) | tag (16) | ciphertext).
 */
export class KmsCredentialCipher implements CredentialCipher {
  private readonly dataKeys = new Map<string, Buffer>();
  private readonly cacheSize: number;

  constructor(
    private readonly kms: KMSClient,
    private readonly keyId: string,
    options: KmsCredentialCipherOptions = {},
  ) {
    this.cacheSize = options.cacheSize ?? 100;
  }

  async encrypt(plaintext: StringMap, context: CredentialContext): Promise<string> {
    const dataKey = await this.kms.send(
      new GenerateDataKeyCommand({
        KeyId: this.keyId,
        KeySpec: 'AES_256',
        EncryptionContext: encryptionContext(context),
      }),
    );
    if (!dataKey.Plaintext || !dataKey.CiphertextBlob) throw new Error('KMS GenerateDataKey returned no key');
    const key = Buffer.from(dataKey.Plaintext);
    const encryptedKey = Buffer.from(dataKey.CiphertextBlob);
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv(ALGORITHM, key, iv);
    cipher.setAAD(associatedData(context));
    const body = Buffer.concat([cipher.update(JSON.stringify(plaintext), 'utf8'), cipher.final()]);
    const header = Buffer.alloc(1 + LENGTH_BYTES);
    header.writeUInt8(VERSION, 0);
    header.writeUInt16BE(encryptedKey.length, 1);
    this.remember(cacheKey(encryptedKey, context), key);
    return PREFIX + Buffer.concat([header, encryptedKey, iv, cipher.getAuthTag(), body]).toString('base64');
  }

  async decrypt(ciphertext: string, context: CredentialContext): Promise<StringMap> {
    const parts = parse(ciphertext, context);
    const key = await this.dataKey(parts.encryptedKey, context);
    const decipher = createDecipheriv(ALGORITHM, key, parts.iv);
    decipher.setAAD(associatedData(context));
    decipher.setAuthTag(parts.tag);
    try {
      const plaintext = Buffer.concat([decipher.update(parts.body), decipher.final()]);
      return JSON.parse(plaintext.toString('utf8')) as StringMap;
    } catch (error) {
      throw undecryptable(context, error);
    }
  }

  private async dataKey(encryptedKey: Buffer, context: CredentialContext): Promise<Buffer> {
    const id = cacheKey(encryptedKey, context);
    const cached = this.dataKeys.get(id);
    if (cached) return cached;
    let plaintext: Uint8Array | undefined;
    try {
      ({ Plaintext: plaintext } = await this.kms.send(
        new DecryptCommand({
          KeyId: this.keyId,
          CiphertextBlob: encryptedKey,
          EncryptionContext: encryptionContext(context),
        }),
      ));
    } catch (error) {
      if (REJECTED_CIPHERTEXT.has((error as Error).name)) throw undecryptable(context, error);
      throw new Error(`KMS could not decrypt the credentials of destination ${context.destinationId}`, {
        cause: error,
      });
    }
    if (!plaintext) throw new Error('KMS Decrypt returned no key');
    const key = Buffer.from(plaintext);
    this.remember(id, key);
    return key;
  }

  /** Least recently used goes first: a Map iterates in insertion order, and a hit re-inserts. */
  private remember(id: string, key: Buffer): void {
    this.dataKeys.delete(id);
    this.dataKeys.set(id, key);
    while (this.dataKeys.size > this.cacheSize) {
      this.dataKeys.delete(this.dataKeys.keys().next().value as string);
    }
  }
}

function parse(ciphertext: string, context: CredentialContext) {
  if (!ciphertext.startsWith(PREFIX)) throw new Error('credentials were not encrypted by the KMS cipher');
  const raw = Buffer.from(ciphertext.slice(PREFIX.length), 'base64');
  const keyLength = raw.length > LENGTH_BYTES ? raw.readUInt16BE(1) : 0;
  const keyStart = 1 + LENGTH_BYTES;
  const ivStart = keyStart + keyLength;
  const tagStart = ivStart + IV_BYTES;
  const bodyStart = tagStart + TAG_BYTES;
  if (raw[0] !== VERSION || keyLength === 0 || raw.length < bodyStart) {
    throw undecryptable(context, new Error('malformed envelope'));
  }
  return {
    encryptedKey: raw.subarray(keyStart, ivStart),
    iv: raw.subarray(ivStart, tagStart),
    tag: raw.subarray(tagStart, bodyStart),
    body: raw.subarray(bodyStart),
  };
}

const encryptionContext = (context: CredentialContext): Record<string, string> => ({
  tenant_id: context.tenantId,
  destination_id: context.destinationId,
});

/** JSON keeps the two ids unambiguous (no separator a tenant id could contain). */
const associatedData = (context: CredentialContext): Buffer =>
  Buffer.from(JSON.stringify([context.tenantId, context.destinationId]), 'utf8');

/** A data key is only ever valid with the context it was generated for. */
const cacheKey = (encryptedKey: Buffer, context: CredentialContext): string =>
  `${JSON.stringify([context.tenantId, context.destinationId])}${encryptedKey.toString('base64')}`;

const undecryptable = (context: CredentialContext, cause: unknown): Error =>
  new Error(
    `credentials of destination ${context.destinationId} cannot be decrypted (wrong key or moved ciphertext)`,
    { cause },
  );
