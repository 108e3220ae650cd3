import { Logger } from '@aws-lambda-powertools/logger';
import { sweepDeliveries, type SweepMode } from '../core/sweep';
import { createDependencies, type AwsInstrumentation } from './dependencies';

type Environment = Record<string, string | undefined>;
type SweeperEvent = { mode?: SweepMode };

const logger = new Logger({ serviceName: 'sweeper' });

/** Scheduled: re-enqueues deliveries whose task was lost (DESIGN.md §1, the outbox). */
export function createHandler(
  env: Environment,
  instrumentation?: AwsInstrumentation,
): (event: SweeperEvent) => Promise<{ requeued: number }> {
  const deps = createDependencies(env, instrumentation);
  return async (event) => {
    const mode = event?.mode === 'recover-all' ? 'recover-all' : 'lost';
    const requeued = await sweepDeliveries(deps, mode);
    if (requeued > 0) logger.info('re-enqueued deliveries', { mode, requeued });
    return { requeued };
  };
}

let lazyHandler: ((event: SweeperEvent) => Promise<{ requeued: number }>) | undefined;

export const handler = (event: SweeperEvent): Promise<{ requeued: number }> => {
  lazyHandler ??= createHandler(process.env);
  return lazyHandler(event);
};
