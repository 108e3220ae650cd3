import { KMSClient } from '@aws-sdk/client-kms';
import { KmsCredentialCipher } from '../../../lambdas/store/kms-credential-cipher';
import { startKmsTestServer, type KmsTestServer } from '../../support/kms-test-server';

const context = { tenantId: 'tenant-1', destinationId: 'dest-1' };
const secret = { secret: 'whsec_c2VjcmV0', previous_secret: 'whsec_b2xk' };

let kms: KmsTestServer;
let client: KMSClient;
const cipherFor = (keyId: string, cacheSize?: number) =>
  new KmsCredentialCipher(client, keyId, { cacheSize });

beforeAll(async () => {
  kms = await startKmsTestServer();
  client = new KMSClient({
    endpoint: kms.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
});

afterAll(async () => {
  client.destroy();
  await kms.stop();
});

beforeEach(() => kms.calls.splice(0));

describe('KmsCredentialCipher', () => {
  it('round-trips credentials through a fresh data key bound to the destination', async () => {
    const ciphertext = await cipherFor('key-a').encrypt(secret, context);
    expect(ciphertext).toMatch(/^kms:v1:/);
    expect(ciphertext).not.toContain('whsec');
    // A fresh cipher has no cached data key, so this decryption asks KMS.
    expect(await cipherFor('key-a').decrypt(ciphertext, context)).toEqual(secret);
    const expectedContext = { tenant_id: 'tenant-1', destination_id: 'dest-1' };
    expect(kms.calls).toEqual([
      { operation: 'GenerateDataKey', keyId: 'key-a', encryptionContext: expectedContext },
      { operation: 'Decrypt', keyId: 'key-a', encryptionContext: expectedContext },
    ]);
  });

  it('generates a data key per encryption', async () => {
    const cipher = cipherFor('key-a');
    expect(await cipher.encrypt(secret, context)).not.toBe(await cipher.encrypt(secret, context));
    expect(kms.calls.filter((call) => call.operation === 'GenerateDataKey')).toHaveLength(2);
  });

  it('asks KMS once per data key while it stays cached, again once evicted', async () => {
    const writer = cipherFor('key-a');
    const first = await writer.encrypt(secret, context);
    const second = await writer.encrypt(secret, { tenantId: 'tenant-1', destinationId: 'dest-2' });
    const reader = cipherFor('key-a', 1);
    kms.calls.splice(0);
    await reader.decrypt(first, context);
    await reader.decrypt(first, context);
    expect(kms.calls).toHaveLength(1);
    await reader.decrypt(second, { tenantId: 'tenant-1', destinationId: 'dest-2' });
    await reader.decrypt(first, context);
    expect(kms.calls).toHaveLength(3);
  });

  it.each([
    ['another destination', { tenantId: 'tenant-1', destinationId: 'dest-2' }],
    ['another tenant', { tenantId: 'tenant-2', destinationId: 'dest-1' }],
    ['ids shifted across the boundary', { tenantId: 'tenant-1dest', destinationId: '-1' }],
  ])('refuses a ciphertext moved to %s (KMS rejects the context)', async (_label, moved) => {
    const ciphertext = await cipherFor('key-a').encrypt(secret, context);
    await expect(cipherFor('key-a').decrypt(ciphertext, moved)).rejects.toThrow('cannot be decrypted');
  });

  it('refuses a ciphertext of another key, a tampered body and a malformed envelope', async () => {
    const ciphertext = await cipherFor('key-a').encrypt(secret, context);
    await expect(cipherFor('key-b').decrypt(ciphertext, context)).rejects.toThrow('cannot be decrypted');
    const bytes = Buffer.from(ciphertext.slice('kms:v1:'.length), 'base64');
    bytes[bytes.length - 1] = (bytes[bytes.length - 1] ?? 0) ^ 1;
    await expect(cipherFor('key-a').decrypt(`kms:v1:${bytes.toString('base64')}`, context)).rejects.toThrow(
      'cannot be decrypted',
    );
    await expect(cipherFor('key-a').decrypt('kms:v1:AQ==', context)).rejects.toThrow('cannot be decrypted');
    await expect(cipherFor('key-a').decrypt('local:v1:AAAA', context)).rejects.toThrow(
      'not encrypted by the KMS cipher',
    );
  });

  it('reports a denied key as a KMS failure, not as a bad ciphertext', async () => {
    const ciphertext = await cipherFor('key-denied').encrypt(secret, context);
    kms.deny('key-denied');
    const failure = cipherFor('key-denied').decrypt(ciphertext, context);
    await expect(failure).rejects.toThrow('KMS could not decrypt the credentials of destination dest-1');
    await expect(failure).rejects.toMatchObject({ cause: { name: 'AccessDeniedException' } });
    await expect(cipherFor('key-denied').encrypt(secret, context)).rejects.toMatchObject({
      name: 'AccessDeniedException',
    });
  });
});
