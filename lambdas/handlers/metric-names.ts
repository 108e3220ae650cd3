/**
 * The CloudWatch metrics the handlers emit (EMF) and the stack's alarms and dashboard read. One list,
 * so a renamed metric cannot leave an alarm watching nothing.
 */
export const METRICS = {
  /** Env var holding the namespace; the stack sets it per stack so two deployments never mix. */
  namespaceVariable: 'POWERTOOLS_METRICS_NAMESPACE',
  /** Accepted publishes (202), no dimensions. */
  publishedEvents: 'PublishedEvents',
  /** Delivery attempts, dimensions `type` (destination type) and `status` (`success` | `failed`). */
  deliveryAttempts: 'DeliveryAttempts',
  /** Milliseconds from publish (first enqueue) to the end of the first attempt, dimension `type`. */
  deliveryLatency: 'DeliveryLatency',
} as const;

export const ATTEMPT_STATUSES = ['success', 'failed'] as const;
