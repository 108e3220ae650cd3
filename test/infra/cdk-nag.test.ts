import { Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { DESTINATION_TYPES } from '../../lambdas/destinations/registry';
import { buildApp } from '../../lib/synthesize-template';

// With every optional resource (the operator-events signing secret, the custom domain and its
// mapping, the alert email subscription) so that all of them are checked.
const { app, stack } = buildApp({
  props: {
    operatorEvents: { httpUrl: 'https://ops.example.com/alerts' },
    customDomain: {
      domainName: 'events.example.com',
      certificateArn: 'arn:aws:acm:us-east-1:123456789012:certificate/abc',
    },
    alertEmail: 'oncall@example.com',
  },
});
app.synth();
const defaults = buildApp();
defaults.app.synth();

it.each([
  ['every optional resource', stack],
  ['the defaults', defaults.stack],
])('leaves no AwsSolutions error or warning unacknowledged (%s)', (_name, checked) => {
  const report = new AwsSolutionsChecks().validateScope(checked);
  expect(report.violations.map((violation) => `${violation.severity} ${violation.ruleName}`)).toEqual([]);
});

it('checks the custom domain variant (the domain name and its API mapping are in the checked stack)', () => {
  const types = stack.node.findAll().map((construct) => construct.node.defaultChild ?? construct);
  const cfnTypes = new Set(
    types.map((construct) => (construct as { cfnResourceType?: string }).cfnResourceType).filter(Boolean),
  );
  expect(cfnTypes).toEqual(expect.objectContaining({}) && new Set([...cfnTypes]));
  expect([...cfnTypes]).toEqual(
    expect.arrayContaining(['AWS::ApiGatewayV2::DomainName', 'AWS::ApiGatewayV2::ApiMapping']),
  );
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
