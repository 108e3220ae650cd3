import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { App } from 'aws-cdk-lib';
import { ASSET_RESOURCE_METADATA_ENABLED_CONTEXT, BUNDLING_STACKS } from 'aws-cdk-lib/cx-api';
import { EventDestinationsStack, type EventDestinationsStackProps } from './event-destinations-stack';

/** Stack name of the CDK app (bin/event-destinations.ts) and of synthesizeTemplate. */
export const DEFAULT_STACK_NAME = 'EventDestinations';

/** The parts of a synthesized CloudFormation template that this project's tools read. */
export interface CloudFormationResource {
  Type: string;
  Properties?: Record<string, unknown>;
  Metadata?: Record<string, unknown>;
  DependsOn?: string | string[];
  Condition?: string;
}

export interface CloudFormationTemplate {
  Resources: Record<string, CloudFormationResource>;
  Outputs?: Record<string, { Value: unknown; Description?: string; Export?: unknown }>;
  Parameters?: Record<string, Record<string, unknown>>;
  Conditions?: Record<string, unknown>;
}

export interface BuildAppOptions {
  /** Run esbuild for every function (slow); otherwise the assets are placeholders. @default false */
  readonly bundle?: boolean;
  /** @default - the stack's defaults */
  readonly props?: EventDestinationsStackProps;
  /**
   * Where the cloud assembly (template and bundles) is written; give one to keep the bundles.
   * @default - a temporary directory (synthesizeTemplate deletes it once the template is read)
   */
  readonly outdir?: string;
}

/** An App holding the stack, not yet synthesized (tests add aspects such as cdk-nag to it). */
export function buildApp(options: BuildAppOptions = {}): { app: App; stack: EventDestinationsStack } {
  const app = new App({
    outdir: options.outdir,
    // With bundles, each function records its asset directory (`aws:asset:path`) as `cdk synth` does.
    context: options.bundle ? { [ASSET_RESOURCE_METADATA_ENABLED_CONTEXT]: true } : { [BUNDLING_STACKS]: [] },
    // CloudFormation validation takes seconds; `cdk synth` and `cdk deploy` run it, in-process callers
    // (the local runtime at every start, the infra tests) need only the template.
    builtinCloudFormationValidation: false,
  });
  const stack = new EventDestinationsStack(app, DEFAULT_STACK_NAME, options.props);
  return { app, stack };
}

/**
 * The stack's CloudFormation template, synthesized in-process. The local runtime builds its tables,
 * queues, event source mappings and handler environments from it, so local and AWS cannot drift.
 * Without `outdir` the cloud assembly goes to a temporary directory that is deleted once the template
 * is read (every `npm start` and many tests synthesize; none needs the assembly after).
 */
export function synthesizeTemplate(options: BuildAppOptions = {}): CloudFormationTemplate {
  if (options.outdir !== undefined) return synthesizeInto(options);
  const outdir = mkdtempSync(path.join(os.tmpdir(), 'event-destinations-synth-'));
  try {
    return synthesizeInto({ ...options, outdir });
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

function synthesizeInto(options: BuildAppOptions): CloudFormationTemplate {
  const { app, stack } = buildApp(options);
  return app.synth().getStackArtifact(stack.artifactId).template as CloudFormationTemplate;
}
