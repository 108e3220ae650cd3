import * as path from 'node:path';
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { Architecture, CfnFunction, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

/** The repository root: entries are given relative to it, and esbuild resolves modules from it. */
export const PROJECT_ROOT = path.resolve(__dirname, '..');

/**
 * Template metadata key naming a function's handler module (repo-relative). The local runtime reads
 * it to know which module to run for each function of the synthesized template.
 */
export const ENTRY_METADATA_KEY = 'event-destinations:entry';

/** Template metadata key naming the destination type whose transport a function's bundle carries. */
export const TRANSPORT_METADATA_KEY = 'event-destinations:transport';

export interface HandlerFunctionProps {
  /** Handler module, relative to the repository root (e.g. `lambdas/handlers/api.handler.ts`). */
  readonly entry: string;
  readonly description: string;
  /** @default Duration.seconds(30) */
  readonly timeout?: Duration;
  /** @default 256 */
  readonly memorySize?: number;
  /**
   * Asynchronous invocation retries (scheduled functions).
   * @default 2 (Lambda's default)
   */
  readonly retryAttempts?: number;
  /** Removal policy of the function's log group. @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * The destination type whose transport (SDK or broker client) the bundle carries: the type a
   * deliver function delivers. Every other type's transport is left out of the bundle.
   * @default - none (the function delivers nothing)
   */
  readonly transport?: string;
}

/**
 * Lambda runtime of every function. Node.js 24 is the newest LTS Lambda offers and is supported the
 * longest (nodejs20.x is deprecated, nodejs22.x leaves support a year before 24); the handlers are
 * async (Node 24 dropped callback handlers) and the bundles target Node 20, the oldest Node the code
 * supports (package.json engines), so the same bundle also runs in the local runtime's tests.
 */
export const LAMBDA_RUNTIME = Runtime.NODEJS_24_X;

/**
 * A Lambda handler of this project: arm64, Node.js 24, bundled by the local esbuild (minified, with
 * source maps), X-Ray active tracing, logs kept one month, and its entry recorded in the template for
 * the local runtime.
 * Its role may write to its own log group and nothing else until grants add to it (no managed policy).
 */
export class HandlerFunction extends NodejsFunction {
  /** The function's own role (grants add to its default policy). */
  readonly executionRole: Role;

  constructor(scope: Construct, id: string, props: HandlerFunctionProps) {
    const logGroup = new LogGroup(scope, `${id}Logs`, {
      retention: RetentionDays.ONE_MONTH,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
    const role = new Role(scope, `${id}Role`, {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `event-destinations: ${props.description}`,
    });
    // The log group exists already, so the function never needs logs:CreateLogGroup.
    logGroup.grantWrite(role);
    super(scope, id, {
      entry: path.join(PROJECT_ROOT, props.entry),
      handler: 'handler',
      description: props.description,
      runtime: LAMBDA_RUNTIME,
      role,
      architecture: Architecture.ARM_64,
      // X-Ray: the Powertools Tracer records each platform AWS call (lambdas/handlers/dependencies.ts).
      tracing: Tracing.ACTIVE,
      timeout: props.timeout ?? Duration.seconds(30),
      memorySize: props.memorySize ?? 256,
      retryAttempts: props.retryAttempts,
      logGroup,
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: path.join(PROJECT_ROOT, 'package-lock.json'),
      bundling: {
        minify: true,
        // The maps (without the sources, to keep bundles small) decode stack traces: at run time when the
        // deployment sets sourceMapStackTraces, offline otherwise.
        sourceMap: true,
        sourcesContent: false,
        target: 'node20',
        // The AWS SDK is bundled at the pinned version rather than taken from the runtime (whose SDK
        // version AWS changes without notice): what is tested is what runs, and the bundle loads anywhere.
        externalModules: [],
        // jsonc-parser's CommonJS build is a UMD wrapper whose indirect requires esbuild cannot follow
        // (the bundle fails to load); its ES module build bundles cleanly. Other packages keep their
        // CommonJS builds: the ES ones of the AWS SDK load node:http by dynamic import, which the local
        // runtime's tests (jest's VM) cannot run, and what ships must be what is tested.
        esbuildArgs: { '--alias:jsonc-parser': 'jsonc-parser/lib/esm/main.js' },
        // Folds the registry's transport imports (lambdas/destinations/registry.ts) so that esbuild
        // bundles this function's transport only: no SDK or client a function does not use.
        define: { 'process.env.BUNDLED_TRANSPORT': JSON.stringify(props.transport ?? '') },
      },
    });
    this.executionRole = role;
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Active tracing grants xray:PutTraceSegments and xray:PutTelemetryRecords, which support no ' +
        'resource-level permissions: AWS documents Resource "*" for them (AWSXRayDaemonWriteAccess). ' +
        'test/infra/stack.test.ts asserts they are the only actions granted on "*".',
    });
    const resource = this.node.defaultChild as CfnFunction;
    resource.addMetadata(ENTRY_METADATA_KEY, props.entry);
    if (props.transport !== undefined) resource.addMetadata(TRANSPORT_METADATA_KEY, props.transport);
  }
}
