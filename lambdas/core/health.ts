import { buildAlert, type AlertSink } from './alerts';
import type { Attempt, Destination, Event } from './model';
import type { Clock, DestinationHealthRepository, DestinationRepository } from './ports';
import { TtlCache } from './ttl-cache';

/** Percentages of the failure threshold at which an alert is sent, once per crossing. */
export const ALERT_LEVELS = [50, 70, 90, 100] as const;
/** At most one exhausted-retries alert per destination in this window. */
export const EXHAUSTED_ALERT_WINDOW_MS = 60 * 60 * 1000;

/** The failure count at which `level` percent of `threshold` is reached. */
export function levelCount(threshold: number, level: number): number {
  return Math.max(1, Math.ceil((threshold * level) / 100));
}

/**
 * The levels `current` failures have reached that were not alerted yet, lowest first. Every level at
 * or below the count, not only the one this failure crossed: when the threshold is lowered below a
 * standing count, the next failure alerts (and auto-disables) instead of waiting for a reset.
 */
export function levelsToAlert(current: number, threshold: number, alerted: readonly number[]): number[] {
  return ALERT_LEVELS.filter((level) => levelCount(threshold, level) <= current && !alerted.includes(level));
}

export interface HealthDependencies {
  clock: Clock;
  health: DestinationHealthRepository;
  destinations: DestinationRepository;
  alerts: AlertSink;
  config: { alerts: { consecutiveFailureCount: number; autoDisable: boolean } };
}

/**
 * Consecutive failures per destination (DESIGN.md §4 "Health"). Called once per recorded attempt —
 * after the delivery ledger accepted it — so redelivered tasks never count twice.
 *
 * A success writes only when the destination has failures to reset (DESIGN.md §4b: touch health only
 * when it changes). The failure count is cached briefly per container; another container's failures
 * are seen within the cache's lifetime, so a success right after them may leave the count standing
 * until the next success — the price of not writing on every delivery.
 */
export class DestinationHealthMonitor {
  /** Whether the destination has failures or an open alert, as last seen: a success resets only then. */
  private readonly knownUnhealthy = new TtlCache<boolean>(5000, 1000);

  constructor(private readonly deps: HealthDependencies) {}

  /** Returns the destination as it is afterwards (disabled when this failure tripped auto-disable). */
  async recordFailure(destination: Destination, event: Event, attempt: Attempt): Promise<Destination> {
    const { current, alertedLevels } = await this.deps.health.increment(
      destination.tenant_id,
      destination.id,
    );
    this.knownUnhealthy.set(keyOf(destination), true);
    const max = this.thresholdFor(destination);
    let result = destination;
    for (const level of levelsToAlert(current, max, alertedLevels)) {
      if (!(await this.deps.health.markAlerted(destination.tenant_id, destination.id, level))) continue;
      const failures = { current, max, threshold: level };
      await this.deps.alerts.publish(
        buildAlert('alert.destination.consecutive_failure', this.deps.clock.now(), destination, failures, {
          event,
          attempt,
        }),
      );
      if (level === 100 && this.deps.config.alerts.autoDisable) {
        result = (await this.disable(destination)) ?? result;
        if (result.disabled_at) {
          await this.deps.alerts.publish(
            buildAlert('alert.destination.disabled', this.deps.clock.now(), result, failures, {
              event,
              attempt,
            }),
          );
        }
      }
    }
    return result;
  }

  /** Resets the count; the first success after any alert (even one before a re-enable) sends `recovered`. */
  async recordSuccess(destination: Destination, event: Event, attempt: Attempt): Promise<void> {
    const unhealthy = await this.knownUnhealthy.getOrLoad(keyOf(destination), async () => {
      const health = await this.deps.health.get(destination.tenant_id, destination.id);
      return health.current > 0 || health.alertOpen;
    });
    if (!unhealthy) return;
    const previous = await this.deps.health.recover(destination.tenant_id, destination.id);
    this.knownUnhealthy.set(keyOf(destination), false);
    if (!previous?.alertOpen) return;
    await this.deps.alerts.publish(
      buildAlert(
        'alert.destination.recovered',
        this.deps.clock.now(),
        destination,
        {
          current: 0,
          max: this.thresholdFor(destination),
          threshold: Math.max(0, ...previous.alertedLevels),
        },
        { event, attempt },
      ),
    );
  }

  async recordExhausted(destination: Destination, event: Event, attempt: Attempt): Promise<void> {
    const now = this.deps.clock.now();
    if (
      !(await this.deps.health.claimExhaustedAlert(
        destination.tenant_id,
        destination.id,
        now,
        EXHAUSTED_ALERT_WINDOW_MS,
      ))
    ) {
      return;
    }
    const current = (await this.deps.health.get(destination.tenant_id, destination.id)).current;
    await this.deps.alerts.publish(
      buildAlert(
        'alert.attempt.exhausted_retries',
        now,
        destination,
        {
          current,
          max: this.thresholdFor(destination),
          threshold: Math.min(100, Math.floor((current * 100) / this.thresholdFor(destination))),
        },
        { event, attempt },
      ),
    );
  }

  private thresholdFor(destination: Destination): number {
    return destination.alert_consecutive_failure_count ?? this.deps.config.alerts.consecutiveFailureCount;
  }

  /** Re-reads the destination (the caller's copy may be cached) and disables it unless someone already did. */
  private async disable(destination: Destination): Promise<Destination | null> {
    const fresh = await this.deps.destinations.get(destination.tenant_id, destination.id);
    if (!fresh) return null;
    if (fresh.disabled_at) return fresh;
    const now = this.deps.clock.now().toISOString();
    const disabled = { ...fresh, disabled_at: now, updated_at: now };
    await this.deps.destinations.update(disabled);
    return disabled;
  }
}

function keyOf(destination: Pick<Destination, 'tenant_id' | 'id'>): string {
  return `${destination.tenant_id}/${destination.id}`;
}
