import { App } from 'aws-cdk-lib';
import { stackPropsFromContext } from '../lib/context-props';
import { EventDestinationsStack } from '../lib/event-destinations-stack';
import { DEFAULT_STACK_NAME } from '../lib/synthesize-template';

const app = new App();
const stackName = app.node.tryGetContext('stackName') ?? DEFAULT_STACK_NAME;
new EventDestinationsStack(app, stackName, {
  ...stackPropsFromContext((key) => app.node.tryGetContext(key)),
  description: 'event-destinations: Event Destinations with an Outpost-compatible API',
});
