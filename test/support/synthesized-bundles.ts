import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
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
  /** Deletes the cloud assembly (about 50 MB); call it once nothing loads the bundles any more. */
  remove(): void;
}

const OUTDIR_PREFIX = 'event-destinations-cdk-out-';

/**
 * Synthesizes the stack with real esbuild bundling into a fresh directory, exactly as `cdk synth`
 * builds the assets `cdk deploy` uploads, and maps each function to its bundle via `aws:asset:path`.
 * The directory is the caller's to `remove()`; one left by a process that died first (a killed test
 * run) is deleted by the next call, which knows it by the process id in its name.
 */
export function synthesizeBundles(): SynthesizedBundles {
  removeOrphanedOutdirs();
  const outdir = mkdtempSync(path.join(os.tmpdir(), `${OUTDIR_PREFIX}${process.pid}-`));
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
  return { template, functions, remove: () => rmSync(outdir, { recursive: true, force: true }) };
}

/**
 * Deletes the assemblies of processes that no longer run. A live process's, another jest worker's
 * included, is left alone: it may still be loading its bundles.
 */
function removeOrphanedOutdirs(): void {
  const pattern = new RegExp(`^${OUTDIR_PREFIX}(\\d+)-`);
  for (const name of readdirSync(os.tmpdir())) {
    const pid = pattern.exec(name)?.[1];
    if (pid !== undefined && !isRunning(Number(pid))) {
      rmSync(path.join(os.tmpdir(), name), { recursive: true, force: true });
    }
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it runs, as another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
