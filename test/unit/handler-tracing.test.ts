import { STSClient } from '@aws-sdk/client-sts';

/**
 * X-Ray through the composition root: in AWS mode inside Lambda every platform client carries the
 * X-Ray SDK's middleware (the Powertools Tracer's captureAWSv3Client); in local mode, or outside
 * Lambda, none does and nothing is printed. Each case loads the modules afresh, since the Tracer
 * reads its environment once.
 */

const X_RAY_MIDDLEWARE = 'XRaySDKInstrumentation';

type DependenciesModule = typeof import('../../lambdas/handlers/dependencies');
type StsSettingsModule = typeof import('../../lambdas/destinations/sts-settings');

const AWS_ENV = {
  DEPLOYMENT_MODE: 'aws',
  AWS_REGION: 'us-east-1',
  DESTINATIONS_TABLE: 'destinations',
  EVENTS_TABLE: 'events',
  ATTEMPTS_TABLE: 'attempts',
  DELIVERY_QUEUE_URLS: '{"webhook":"https://sqs.us-east-1.amazonaws.com/123456789012/deliver-webhook"}',
  CREDENTIALS_KMS_KEY_ID: 'key-id',
};

const saved = { ...process.env };

/** The modules as a fresh Lambda container would load them, with `processEnv` in process.env. */
function freshModules(processEnv: Record<string, string>): {
  dependencies: DependenciesModule;
  sts: StsSettingsModule;
} {
  Object.assign(process.env, processEnv);
  let modules: { dependencies: DependenciesModule; sts: StsSettingsModule } | undefined;
  jest.isolateModules(() => {
    modules = {
      dependencies: jest.requireActual('../../lambdas/handlers/dependencies'),
      sts: jest.requireActual('../../lambdas/destinations/sts-settings'),
    };
  });
  return modules!;
}

const middlewareOf = (client: { middlewareStack: { identify(): string[] } }): string[] =>
  client.middlewareStack.identify().map((entry) => entry.split(' ')[0]!);

afterEach(() => {
  jest.restoreAllMocks();
  for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
});

it('captures the platform clients (SQS, and STS through its settings) in AWS mode inside Lambda', () => {
  const { dependencies, sts } = freshModules({ AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x' });
  expect(middlewareOf(dependencies.createSqsClient(AWS_ENV))).toContain(X_RAY_MIDDLEWARE);

  dependencies.createDependencies(AWS_ENV);
  const stsClient = new STSClient({ region: 'us-east-1' });
  sts.stsSettings().instrument?.(stsClient);
  expect(middlewareOf(stsClient)).toContain(X_RAY_MIDDLEWARE);
});

it.each([
  [
    'local mode',
    {},
    { ...AWS_ENV, DEPLOYMENT_MODE: 'local', CREDENTIALS_KEY: Buffer.alloc(32).toString('base64') },
  ],
  ['AWS mode outside Lambda (no X-Ray daemon)', {}, AWS_ENV],
])('is a silent no-op in %s', (_case, processEnv, env) => {
  const written = [
    jest.spyOn(process.stdout, 'write'),
    jest.spyOn(process.stderr, 'write'),
    jest.spyOn(console, 'log'),
    jest.spyOn(console, 'warn'),
    jest.spyOn(console, 'error'),
    jest.spyOn(console, 'info'),
  ];
  const { dependencies } = freshModules(processEnv);
  expect(middlewareOf(dependencies.createSqsClient(env))).not.toContain(X_RAY_MIDDLEWARE);
  dependencies.createDependencies(env);
  for (const spy of written) expect(spy).not.toHaveBeenCalled();
});
