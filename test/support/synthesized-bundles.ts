import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ENTRY_METADATA_KEY, TRANSPORT_METADATA_KEY } from '../../lib/handler-function';
import { synthesizeTemplate, type CloudFormationTemplate } from '../../lib/synthesize-template';

/** One function of the synthesized template and the bundle esbuild produced for it. */
export interface BundledFunction {
  logicalId: string;
  /** Repo-relative TypeScript entry (template metadata `event-destinations:entry`). */
  entry: string;
  /** `index.handler` → the module `index.js` in the asset directory, export `handler`. */
  handlerExport: string;
  bundlePath: string;
  /** The destination type whose transport the bundle carries (deliver functions), else undefined. */
  transport?: string;
}

export interface SynthesizedBundles {
  template: CloudFormationTemplate;
  functions: BundledFunction[];
}

/**
 * Synthesizes the stack with real esbuild bundling into a fresh directory, exactly as `cdk synth`
 * builds the assets `cdk deploy` uploads, and maps each function to its bundle via `aws:asset:path`.
 */
export function synthesizeBundles(): SynthesizedBundles {
  const outdir = mkdtempSync(path.join(os.tmpdir(), 'event-destinations-cdk-out-'));
  const template = synthesizeTemplate({ bundle: true, outdir });
  const functions = Object.entries(template.Resources)
    .filter(([, resource]) => resource.Type === 'AWS::Lambda::Function')
    .flatMap(([logicalId, resource]) => {
      const entry = resource.Metadata?.[ENTRY_METADATA_KEY];
      if (typeof entry !== 'string') return [];
      const assetPath = String(resource.Metadata?.['aws:asset:path']);
      const [file, handlerExport] = String(resource.Properties?.Handler).split('.') as [string, string];
      const transport = resource.Metadata?.[TRANSPORT_METADATA_KEY];
      return [
        {
          logicalId,
          entry,
          handlerExport,
          bundlePath: path.join(outdir, assetPath, `${file}.js`),
          ...(typeof transport === 'string' ? { transport } : {}),
        },
      ];
    });
  return { template, functions };
}
