import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { awsClientFor, awsTransport, delivered, sendAws } from './aws-client';
import { awsTarget } from './aws-endpoint';
import { regionOfQueueUrl, type SqsRequest } from './aws-sqs.adapter';

export const transport = awsTransport<SqsRequest>('aws_sqs', (request, destination, ctx) => {
  const target = awsTarget(destination.config, regionOfQueueUrl(destination.config.queue_url ?? ''));
  // useQueueUrlAsEndpoint off: the request goes to the region's (or the configured) endpoint, never
  // to whatever host a tenant wrote in queue_url.
  const client = awsClientFor(
    destination,
    target,
    ctx,
    (config) => new SQSClient({ ...config, useQueueUrlAsEndpoint: false }),
  );
  return sendAws(
    target,
    ctx,
    (abortSignal) => client.send(new SendMessageCommand(request), { abortSignal }),
    (output) => delivered({ message_id: output.MessageId }),
  );
});
