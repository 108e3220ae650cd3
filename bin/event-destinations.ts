import { App } from 'aws-cdk-lib';
import { appSettingsFrom } from '../lib/context-props';
import { EventDestinationsStack } from '../lib/event-destinations-stack';
import { DEFAULT_STACK_NAME } from '../lib/synthesize-template';

const app = new App();
// Context (`-c key=value`, cdk.json) first, then EVENT_DESTINATIONS_* variables (lib/context-props.ts).
const { stackName, props } = appSettingsFrom((key) => app.node.tryGetContext(key), process.env);
new EventDestinationsStack(app, stackName ?? DEFAULT_STACK_NAME, {
  ...props,
  description: 'event-destinations: Event Destinations with an Outpost-compatible API',
});
