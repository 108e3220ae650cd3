import { Logger } from '@aws-lambda-powertools/logger';
import { retryDelivery } from '../../core/manual-retry';
import { publishEvent } from '../../core/publish';
import { publishEvents } from '../../core/publish-batch';
import { errorPayload } from '../http-errors';
import { batchDataTexts, decodePublishRequest, publishDataText } from '../publish-request';
import { validateBody } from '../request';
import type { Route } from '../router';
import {
  PublishBatchEnvelopeSchema,
  PublishBatchRequestSchema,
  PublishBatchResponseSchema,
  PublishRequestSchema,
  PublishResponseSchema,
  RetryRequestSchema,
  SuccessResponseSchema,
} from '../schemas';
import { errorResponses, singleTenantScope } from './route-helpers';

/** Lambda's synchronous payload limit (6 MB) less room for the API Gateway event around the body. */
const BATCH_BODY_LIMIT_BYTES = 6 * 1024 * 1024 - 256 * 1024;

const logger = new Logger({ serviceName: 'event-destinations-api' });

export const publishRoutes: Route[] = [
  {
    method: 'POST',
    path: '/publish',
    access: 'admin',
    operationId: 'publishEvent',
    summary: "Publish an event to a tenant's matching destinations (an unknown tenant stores it unmatched)",
    tag: 'Publish',
    requestBody: PublishRequestSchema,
    responses: {
      202: { description: 'Stored and queued.', schema: PublishResponseSchema },
      ...errorResponses(400, 403, 404, 413, 422, 503),
    },
    async handle({ deps, body, rawBody }) {
      const input = decodePublishRequest(body, rawBody === undefined ? undefined : publishDataText(rawBody));
      const result = await publishEvent(deps, input);
      return { status: 202, body: result };
    },
  },
  {
    method: 'POST',
    path: '/publish/batch',
    access: 'admin',
    operationId: 'publishEventBatch',
    summary:
      'Publish up to 100 events in one request (beyond Outpost): each is validated and published on its ' +
      'own, their deliveries enqueued together. 202 when every event was accepted, 207 when at least one ' +
      'was not; `results[i]` answers `events[i]` with the single publish response or `{status, message, data}`.',
    tag: 'Publish',
    requestBody: PublishBatchRequestSchema,
    bodyLimitBytes: BATCH_BODY_LIMIT_BYTES,
    responses: {
      202: { description: 'Every event stored and queued.', schema: PublishBatchResponseSchema },
      207: { description: 'Some events were refused; see each result.', schema: PublishBatchResponseSchema },
      ...errorResponses(400, 403, 413, 422),
    },
    async handle({ deps, body, rawBody }) {
      const { events } = validateBody(PublishBatchEnvelopeSchema, body);
      const dataTexts = rawBody === undefined ? [] : batchDataTexts(rawBody);
      const outcomes = await publishEvents(
        deps,
        events.map((event, index) => ({ event, dataText: dataTexts[index] })),
        ({ event, dataText }) => decodePublishRequest(event, dataText),
      );
      const results = outcomes.map((outcome) =>
        outcome.ok ? outcome.result : errorPayload(outcome.error, logger),
      );
      return { status: outcomes.every((outcome) => outcome.ok) ? 202 : 207, body: { results } };
    },
  },
  {
    method: 'POST',
    path: '/retry',
    access: 'tenant',
    operationId: 'retryEvent',
    summary: 'Retry delivering an event to a destination now',
    tag: 'Retry',
    requestBody: RetryRequestSchema,
    responses: {
      202: { description: 'Queued.', schema: SuccessResponseSchema },
      ...errorResponses(400, 404, 409, 413, 422, 503),
    },
    async handle({ deps, principal, body }) {
      const input = validateBody(RetryRequestSchema, body);
      await retryDelivery(deps, singleTenantScope(principal, undefined), input);
      return { status: 202, body: { success: true } };
    },
  },
];
