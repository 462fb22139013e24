/**
 * Integration test of the 'china' architecture (test/example/architectures.ts), in snapshot mode:
 * integ-runner compares the synthesized templates with the committed snapshot; nothing is deployed here.
 * test/architectures.test.ts asserts what the templates must do; this keeps their every change visible.
 */
import { IntegTest } from '@aws-cdk/integ-tests-alpha';
import { App } from 'aws-cdk-lib';
import { ARCHITECTURES } from './example/architectures';

const app = new App();
const { stacks } = ARCHITECTURES.china(app);
new IntegTest(app, 'China', {
  testCases: stacks,
  // Email subscriptions stay pending until confirmed; a real run must not wait for them.
  diffAssets: false,
});
