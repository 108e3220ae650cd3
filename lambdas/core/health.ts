import { buildAlert, type AlertSink } from './alerts';
import type { Attempt, Destination, Event } from './model';
import type { Clock, DestinationHealthRepository, DestinationRepository } from './ports';
import { TtlCache } from './ttl-cache';

/** Percentages of the failure threshold at which an alert is sent, once per crossing. */
export const ALERT_LEVELS = [50, 70, 90, 100] as const;
/** At most one exhausted-retries alert per destination in this window. */
export const EXHAUSTED_ALERT_WINDOW_MS = 60 * 60 * 1000;

/** The levels whose failure count lies in (previous, current]: the crossings one failure makes. */
export function crossedLevels(previous: number, current: number, threshold: number): number[] {
  return ALERT_LEVELS.filter((level) => {
    const count = Math.max(1, Math.ceil((threshold * level) / 100));
    return previous < count && count <= current;
  });
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
  private readonly knownFailures = new TtlCache<number>(5000, 1000);

  constructor(private readonly deps: HealthDependencies) {}

  /** Returns the destination as it is afterwards (disabled when this failure tripped auto-disable). */
  async recordFailure(destination: Destination, event: Event, attempt: Attempt): Promise<Destination> {
    const { current } = await this.deps.health.increment(destination.tenant_id, destination.id);
    this.knownFailures.set(keyOf(destination), current);
    const max = this.thresholdFor(destination);
    let result = destination;
    for (const level of crossedLevels(current - 1, current, max)) {
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

  async recordSuccess(destination: Destination, event: Event, attempt: Attempt): Promise<void> {
    const known = await this.knownFailures.getOrLoad(keyOf(destination), async () => {
      const health = await this.deps.health.get(destination.tenant_id, destination.id);
      return Math.max(health.current, health.alertedLevel);
    });
    if (known === 0) return;
    const previous = await this.deps.health.reset(destination.tenant_id, destination.id);
    this.knownFailures.set(keyOf(destination), 0);
    if (!previous || previous.alertedLevel === 0) return;
    await this.deps.alerts.publish(
      buildAlert(
        'alert.destination.recovered',
        this.deps.clock.now(),
        destination,
        { current: 0, max: this.thresholdFor(destination), threshold: previous.alertedLevel },
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

  /** Re-enabling a destination starts its count afresh. */
  async forget(destination: Pick<Destination, 'tenant_id' | 'id'>): Promise<void> {
    await this.deps.health.reset(destination.tenant_id, destination.id);
    this.knownFailures.delete(keyOf(destination));
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
