import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

type Environment = Record<string, string | undefined>;

/** Each secret variable and the variable naming the Secrets Manager secret it comes from in AWS mode. */
const SECRET_VARIABLES = [
  ['API_KEY', 'API_KEY_SECRET_ARN'],
  ['API_JWT_SECRET', 'API_JWT_SECRET_ARN'],
  ['OPERATOR_EVENTS_HTTP_SIGNING_SECRET', 'OPERATOR_EVENTS_HTTP_SIGNING_SECRET_ARN'],
] as const;

/**
 * The environment with each secret variable filled from Secrets Manager where only its secret's ARN
 * is given (AWS mode); values already present (local mode) are kept. Handlers call it once per
 * container (through handlerWithSecrets), so a rotated secret reaches new containers (docs/deploy.md).
 */
export async function prepareEnvironment(env: Environment): Promise<Environment> {
  const missing = SECRET_VARIABLES.filter(([name, arnName]) => !env[name] && env[arnName]);
  if (missing.length === 0) return env;
  const client = new SecretsManagerClient({
    region: env.AWS_REGION ?? env.AWS_DEFAULT_REGION,
    endpoint: env.AWS_ENDPOINT_URL_SECRETS_MANAGER,
  });
  try {
    const values = await Promise.all(
      missing.map(async ([name, arnName]) => {
        const { SecretString } = await client.send(new GetSecretValueCommand({ SecretId: env[arnName] }));
        if (!SecretString) throw new Error(`secret ${env[arnName]} (${arnName}) has no string value`);
        return [name, SecretString] as const;
      }),
    );
    return { ...env, ...Object.fromEntries(values) };
  } finally {
    client.destroy();
  }
}

/**
 * A Lambda handler built by `create` from the prepared environment on the first invocation, then
 * reused by the container. A failed secret fetch is not cached: the next invocation retries it.
 */
export function handlerWithSecrets<E, R>(
  env: Environment,
  create: (env: Environment) => (event: E) => Promise<R>,
): (event: E) => Promise<R> {
  let instance: Promise<(event: E) => Promise<R>> | undefined;
  return async (event) => {
    instance ??= prepareEnvironment(env)
      .then((prepared) => create(prepared))
      .catch((error: unknown) => {
        instance = undefined;
        throw error;
      });
    return (await instance)(event);
  };
}
