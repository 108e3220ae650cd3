import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { awsClientFor, awsTransport, delivered, sendAws } from './aws-client';
import { awsTarget } from './aws-endpoint';
import { regionOfTopicArn, type SnsRequest } from './aws-sns.adapter';

export const transport = awsTransport<SnsRequest>('aws_sns', (request, destination, ctx) => {
  const target = awsTarget(destination.config, regionOfTopicArn(destination.config.topic_arn ?? ''));
  const client = awsClientFor(destination, target, ctx, (config) => new SNSClient(config));
  return sendAws(
    target,
    ctx,
    (abortSignal) => client.send(new PublishCommand(request), { abortSignal }),
    (output) => delivered({ message_id: output.MessageId }),
  );
});
