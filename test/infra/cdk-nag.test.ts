import { Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { DESTINATION_TYPES } from '../../lambdas/destinations/registry';
import { buildApp } from '../../lib/synthesize-template';

// With every optional resource (the operator-events signing secret) so that all of them are checked.
const { app, stack } = buildApp({
  props: { operatorEvents: { httpUrl: 'https://ops.example.com/alerts' } },
});
app.synth();

it('leaves no AwsSolutions error or warning unacknowledged', () => {
  const report = new AwsSolutionsChecks().validateScope(stack);
  expect(report.violations.map((violation) => `${violation.severity} ${violation.ruleName}`)).toEqual([]);
});

it('acknowledges only the rules docs/deploy.md explains, each with a reason', () => {
  const acknowledged: Record<string, number> = {};
  for (const construct of stack.node.findAll()) {
    for (const entry of construct.node.metadata) {
      if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
      for (const [rule, reason] of Object.entries(entry.data as Record<string, unknown>)) {
        const id = rule.replace(/^annotation::/i, '');
        acknowledged[id] = (acknowledged[id] ?? 0) + 1;
        expect(JSON.stringify(reason).length).toBeGreaterThan(120);
      }
    }
  }
  // Three secrets without a rotation Lambda (admin key, JWT, operator events); authorization in the
  // api Lambda, not API Gateway; the five aws_* deliverers assume tenants' roles in any account;
  // every function's role writes X-Ray traces (no resource-level permissions).
  expect(acknowledged).toEqual({
    'AwsSolutions-SMG4': 3,
    'AwsSolutions-APIG4': 1,
    'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:iam::*:role/*]': 5,
    'AwsSolutions-IAM5[Resource::*]': 3 + DESTINATION_TYPES.length,
  });
});
