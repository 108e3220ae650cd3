import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { handlerWithSecrets, prepareEnvironment } from '../../../lambdas/handlers/secrets';

/** A loopback Secrets Manager answering GetSecretValue (AWS JSON 1.1) from a fixed map of secrets. */
const SECRETS: Record<string, string> = {
  'arn:aws:secretsmanager:us-east-1:1:secret:admin': 'admin-key-from-secrets-manager',
  'arn:aws:secretsmanager:us-east-1:1:secret:jwt': 'jwt-secret-from-secrets-manager-0123456789',
  'arn:aws:secretsmanager:us-east-1:1:secret:operator-events': 'operator-events-signing-secret-0123456789',
};
const requested: string[] = [];
const server = createServer((request, response) => {
  let body = '';
  request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
  request.on('end', () => {
    const { SecretId } = JSON.parse(body) as { SecretId: string };
    requested.push(`${String(request.headers['x-amz-target'])} ${SecretId}`);
    const value = SECRETS[SecretId];
    response.writeHead(value ? 200 : 400, { 'content-type': 'application/x-amz-json-1.1' });
    response.end(
      JSON.stringify(
        value
          ? { ARN: SecretId, SecretString: value }
          : {
              __type: 'ResourceNotFoundException',
              message: 'Secrets Manager can’t find the specified secret.',
            },
      ),
    );
  });
});

let baseEnv: Record<string, string>;

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseEnv = {
    AWS_REGION: 'us-east-1',
    AWS_ENDPOINT_URL_SECRETS_MANAGER: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
  };
  // The client reads credentials the way a Lambda does: from the process environment.
  process.env.AWS_ACCESS_KEY_ID ??= 'test';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'test';
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

beforeEach(() => requested.splice(0));

describe('prepareEnvironment', () => {
  it('fills API_KEY and API_JWT_SECRET from the secrets their ARNs name', async () => {
    const env = await prepareEnvironment({
      ...baseEnv,
      API_KEY_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:1:secret:admin',
      API_JWT_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:1:secret:jwt',
    });
    expect(env.API_KEY).toBe('admin-key-from-secrets-manager');
    expect(env.API_JWT_SECRET).toBe('jwt-secret-from-secrets-manager-0123456789');
    expect(requested.sort()).toEqual([
      'secretsmanager.GetSecretValue arn:aws:secretsmanager:us-east-1:1:secret:admin',
      'secretsmanager.GetSecretValue arn:aws:secretsmanager:us-east-1:1:secret:jwt',
    ]);
  });

  it('fills OPERATOR_EVENTS_HTTP_SIGNING_SECRET (the deliver functions) from its secret', async () => {
    const env = await prepareEnvironment({
      ...baseEnv,
      OPERATOR_EVENTS_HTTP_SIGNING_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:1:secret:operator-events',
    });
    expect(env.OPERATOR_EVENTS_HTTP_SIGNING_SECRET).toBe('operator-events-signing-secret-0123456789');
    expect(env).not.toHaveProperty('API_KEY');
    expect(requested).toEqual([
      'secretsmanager.GetSecretValue arn:aws:secretsmanager:us-east-1:1:secret:operator-events',
    ]);
  });

  it('keeps values already given (local mode) without calling Secrets Manager', async () => {
    const given = {
      ...baseEnv,
      API_KEY: 'local-admin-key-0123',
      API_JWT_SECRET: 'local-jwt-secret-0123456789-0123456789',
      API_KEY_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:1:secret:admin',
      API_JWT_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:1:secret:jwt',
    };
    expect(await prepareEnvironment(given)).toEqual(given);
    expect(requested).toEqual([]);
  });

  it('fails when a named secret cannot be read', async () => {
    await expect(
      prepareEnvironment({
        ...baseEnv,
        API_KEY_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:1:secret:gone',
      }),
    ).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  });
});

describe('handlerWithSecrets', () => {
  const arn = 'arn:aws:secretsmanager:us-east-1:1:secret:operator-events';

  it('builds the handler once, from the environment with the secret filled', async () => {
    const built: (string | undefined)[] = [];
    const handler = handlerWithSecrets(
      { ...baseEnv, OPERATOR_EVENTS_HTTP_SIGNING_SECRET_ARN: arn },
      (env) => {
        built.push(env.OPERATOR_EVENTS_HTTP_SIGNING_SECRET);
        return async (event: number) => event * 2;
      },
    );
    expect(await handler(1)).toBe(2);
    expect(await handler(2)).toBe(4);
    expect(built).toEqual(['operator-events-signing-secret-0123456789']);
    expect(requested).toEqual([`secretsmanager.GetSecretValue ${arn}`]);
  });

  it('retries a failed secret fetch on the next invocation', async () => {
    const late = 'arn:aws:secretsmanager:us-east-1:1:secret:late';
    const handler = handlerWithSecrets(
      { ...baseEnv, OPERATOR_EVENTS_HTTP_SIGNING_SECRET_ARN: late },
      (env) => async () => env.OPERATOR_EVENTS_HTTP_SIGNING_SECRET,
    );
    await expect(handler(undefined)).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    SECRETS[late] = 'created-after-the-first-invocation-0123';
    try {
      expect(await handler(undefined)).toBe('created-after-the-first-invocation-0123');
    } finally {
      delete SECRETS[late];
    }
    expect(requested).toEqual([
      `secretsmanager.GetSecretValue ${late}`,
      `secretsmanager.GetSecretValue ${late}`,
    ]);
  });
});
