import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Test fixture: a loopback stand-in for AWS KMS speaking its real wire protocol (AWS JSON 1.1,
 * `X-Amz-Target: TrentService.<Operation>`) to the real `@aws-sdk/client-kms`. It implements the two
 * operations envelope encryption needs, GenerateDataKey and Decrypt, with the properties tests rely
 * on: each key id has its own master key, the encryption context is bound to the encrypted data key
 * (a different context fails with InvalidCiphertextException, as in KMS), and a key can be denied.
 * Not for production use: master keys live in memory and vanish with the server.
 */
export interface KmsCall {
  operation: string;
  keyId?: string;
  encryptionContext?: Record<string, string>;
}

export interface KmsTestServer {
  endpoint: string;
  /** Every request received, in order. */
  readonly calls: KmsCall[];
  /** Requests naming this key id are answered AccessDeniedException from now on. */
  deny(keyId: string): void;
  stop(): Promise<void>;
}

const IV_BYTES = 12;
const TAG_BYTES = 16;

class KmsFault extends Error {
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

export async function startKmsTestServer(): Promise<KmsTestServer> {
  const masterKeys = new Map<string, Buffer>();
  const denied = new Set<string>();
  const calls: KmsCall[] = [];
  const masterKey = (keyId: string): Buffer => {
    if (denied.has(keyId)) throw new KmsFault('AccessDeniedException', `not authorized to use key ${keyId}`);
    let key = masterKeys.get(keyId);
    if (!key) masterKeys.set(keyId, (key = randomBytes(32)));
    return key;
  };

  const operations: Record<string, (body: Record<string, unknown>) => Record<string, unknown>> = {
    GenerateDataKey: (body) => {
      const keyId = String(body.KeyId);
      const context = (body.EncryptionContext ?? {}) as Record<string, string>;
      const dataKey = randomBytes(body.KeySpec === 'AES_128' ? 16 : 32);
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', masterKey(keyId), iv);
      cipher.setAAD(canonical(context));
      const sealed = Buffer.concat([cipher.update(dataKey), cipher.final()]);
      const keyIdBytes = Buffer.from(keyId, 'utf8');
      const blob = Buffer.concat([
        Buffer.from([keyIdBytes.length]),
        keyIdBytes,
        iv,
        cipher.getAuthTag(),
        sealed,
      ]);
      return { KeyId: keyId, Plaintext: dataKey.toString('base64'), CiphertextBlob: blob.toString('base64') };
    },
    Decrypt: (body) => {
      const blob = Buffer.from(String(body.CiphertextBlob), 'base64');
      const keyIdEnd = 1 + (blob[0] ?? 0);
      const keyId = blob.subarray(1, keyIdEnd).toString('utf8');
      if (body.KeyId !== undefined && body.KeyId !== keyId) {
        throw new KmsFault('IncorrectKeyException', 'the ciphertext was encrypted under another key');
      }
      const decipher = createDecipheriv(
        'aes-256-gcm',
        masterKey(keyId),
        blob.subarray(keyIdEnd, keyIdEnd + IV_BYTES),
      );
      decipher.setAAD(canonical((body.EncryptionContext ?? {}) as Record<string, string>));
      decipher.setAuthTag(blob.subarray(keyIdEnd + IV_BYTES, keyIdEnd + IV_BYTES + TAG_BYTES));
      try {
        const dataKey = Buffer.concat([
          decipher.update(blob.subarray(keyIdEnd + IV_BYTES + TAG_BYTES)),
          decipher.final(),
        ]);
        return {
          KeyId: keyId,
          Plaintext: dataKey.toString('base64'),
          EncryptionAlgorithm: 'SYMMETRIC_DEFAULT',
        };
      } catch {
        throw new KmsFault('InvalidCiphertextException', '');
      }
    },
  };

  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const operation = String(request.headers['x-amz-target'] ?? '').replace(/^TrentService\./, '');
      const reply = (status: number, payload: Record<string, unknown>) => {
        response.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
        response.end(JSON.stringify(payload));
      };
      try {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>;
        calls.push({
          operation,
          keyId: body.KeyId as string | undefined,
          encryptionContext: body.EncryptionContext as Record<string, string> | undefined,
        });
        const handle = operations[operation];
        if (!handle) throw new KmsFault('UnsupportedOperationException', `${operation} is not implemented`);
        reply(200, handle(body));
      } catch (error) {
        const fault = error instanceof KmsFault ? error : new KmsFault('KMSInternalException', String(error));
        reply(400, { __type: fault.type, message: fault.message });
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    calls,
    deny: (keyId) => denied.add(keyId),
    stop: () =>
      new Promise((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))),
  };
}

/** The context as KMS binds it: independent of key order. */
const canonical = (context: Record<string, string>): Buffer =>
  Buffer.from(JSON.stringify(Object.entries(context).sort(([a], [b]) => a.localeCompare(b))), 'utf8');
