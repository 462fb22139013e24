import { awscdk, javascript } from 'projen';

/**
 * Minimum aws-cdk-lib: 2.193.0.
 *  - the newest release for which a matching `@aws-cdk/integ-tests-alpha` (2.193.0-alpha.0) is on the
 *    registry below 2.200, so the integ tests run against exactly the minimum users may have;
 *  - it has everything the constructs use: `events.Archive`, `EventBus.addToResourcePolicy`,
 *    `sns.Topic({ enforceSSL, masterKey })`, `sqs.Queue({ enforceSSL })`, `lambda.Runtime` for any name,
 *    `aws-lambda-event-sources.SqsEventSource({ reportBatchItemFailures })`;
 *  - cdk-nag 2.38 (Aspects + NagSuppressions) supports it (peer ^2.176.0); cdk-nag 3 would need >= 2.257;
 *  - it predates the synth-time template validator of >= 2.262, which users may still opt into.
 */
const CDK_VERSION = '2.193.0';

const project = new awscdk.AwsCdkConstructLibrary({
  name: 'cdk-backup-alarms',
  description:
    'AWS CDK constructs that alarm on failed AWS Backup jobs and organization backup policy changes across accounts and Regions: EventBridge forwarding, readable email alarms, and self-resolving Security Hub findings.',
  author: 'cdk-backup-alarms developers',
  authorAddress: 'maintainers@cdk-backup-alarms.dev',
  repositoryUrl: 'https://github.com/cdk-backup-alarms/cdk-backup-alarms.git',
  license: 'Apache-2.0',
  stability: 'experimental',
  defaultReleaseBranch: 'main',
  packageManager: javascript.NodePackageManager.NPM,
  projenrcTs: true,
  // The classic layout: one development tsconfig at the top level for src, test and .projenrc.ts.
  tsconfigDevFile: 'tsconfig.dev.json',
  // Lint src and test against the one development tsconfig (the project service looks for tsconfig.json only).
  eslintOptions: { dirs: ['src'], devdirs: ['test', 'projenrc', '.projenrc.ts'], tsconfigPath: './tsconfig.dev.json', projectService: false },

  cdkVersion: CDK_VERSION,
  constructsVersion: '10.5.1',
  jsiiVersion: '~6.0.0',
  minNodeVersion: '20.16.0',
  // The release tooling must install on the Node versions `engines` admits: commit-and-tag-version 13 (projen's
  // default, `^13`) and its conventional-changelog 8 / conventional-recommended-bump 12 family require Node >= 22,
  // so `npm ci` on Node 20 printed 85 EBADENGINE warnings. 12.7.3 is the newest release whose whole dependency
  // tree accepts Node >= 18 (`npm view commit-and-tag-version@12.7.3 engines`). The exact pin is also what the
  // bump/unbump tasks run (BUMP_PACKAGE), so npx finds the installed copy instead of fetching ^13.
  bumpPackage: 'commit-and-tag-version@12.7.3',
  keywords: ['awscdk', 'cdk', 'aws-backup', 'backup', 'eventbridge', 'security-hub', 'alarms', 'organizations'],

  devDeps: [
    'cdk-nag@2.38.2',
    '@aws-sdk/client-securityhub@3.1108.0',
    '@aws-sdk/client-sts@3.1108.0',
    '@aws-sdk/client-organizations@3.1108.0',
    // The heartbeat ledger (DynamoDB) and its reports (SNS), bundled into their functions like the others.
    '@aws-sdk/client-dynamodb@3.1108.0',
    '@aws-sdk/client-sns@3.1108.0',
    // Tests only: the AWS Backup operation names the tamper rule matches are checked against its commands
    // (3.1092.0 is the newest release on the registry copy here).
    '@aws-sdk/client-backup@3.1092.0',
    '@aws-lambda-powertools/logger@2.36.0',
    '@aws-lambda-powertools/metrics@2.36.0',
    '@types/aws-lambda@8.10.164',
    '@jsii/spec@1.140.0',
    // Property-based tests of the runtime (seeded, reproducible): test/runtime/fuzz.test.ts.
    'fast-check@4.11.0',
    // npm's range semantics, for test/tooling.test.ts (locked packages' engines vs the supported Node versions).
    'semver@^7',
  ],

  // Lambda handlers (src/**/x.lambda.ts) are bundled by esbuild into assets/ before jsii compiles.
  lambdaAutoDiscover: true,
  lambdaOptions: {
    runtime: awscdk.LambdaRuntime.NODEJS_24_X,
    // Bundle the SDK v3 clients instead of relying on whatever the Lambda runtime ships.
    // `minify` is passed through to esbuild by projen's bundler, but is not in the lambda options type.
    bundlingOptions: { externals: [], sourcemap: false, minify: true } as javascript.BundlingOptions,
  },

  experimentalIntegRunner: true,
  integrationTestAutoDiscover: true,

  publishToPypi: { distName: 'cdk-backup-alarms', module: 'cdk_backup_alarms' },
  publishToMaven: {
    javaPackage: 'io.github.cdkbackupalarms',
    mavenGroupId: 'io.github.cdk-backup-alarms',
    mavenArtifactId: 'cdk-backup-alarms',
  },
  publishToNuget: { dotNetNamespace: 'CdkBackupAlarms', packageId: 'CdkBackupAlarms' },
  publishToGo: { moduleName: 'github.com/cdk-backup-alarms/cdk-backup-alarms-go' },

  jestOptions: {
    jestConfig: {
      testTimeout: 120_000,
      // One temporary directory per run, removed at the end: apps without an outdir synthesize into
      // os.tmpdir()/cdk.out*, and a full run used to leave about 190 of them (test/support/tmpdir.ts).
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
    },
  },
  npmIgnoreOptions: { ignorePatterns: ['/rosetta/', '/example.out/', '/.ci/', '/.venv/', '/test-reports/', '/coverage/'] },
});

// The integ-tests alpha module must match the aws-cdk-lib dev version (its `latest` wants a newer lib).
project.deps.removeDependency('@aws-cdk/integ-tests-alpha');
project.deps.removeDependency('@aws-cdk/integ-runner');
project.addDevDeps(`@aws-cdk/integ-tests-alpha@${CDK_VERSION}-alpha.0`, '@aws-cdk/integ-runner@2.197.10');

// The registry copy here lacks the platform bindings of unrs-resolver 1.13 (eslint import resolver):
// pin the release whose optional bindings resolve, so `npm ci` works on a clean clone.
project.package.addField('overrides', { 'unrs-resolver': '1.12.2' });

// The boundary between the construct side and the Lambda runtime, as a rule rather than a habit:
// - src/shared is dependency-free: it imports nothing of the library but itself, and no CDK;
// - src/runtime (bundled into the Lambda asset) imports only itself and src/shared, and no CDK.
// test/bundle.test.ts proves the result: the bundle's inputs hold no aws-cdk-lib, constructs or src/private.
project.eslint?.addRules({
  'import/no-restricted-paths': ['error', {
    zones: [
      { target: './src/shared', from: './src', except: ['./shared'], message: 'src/shared is the dependency-free vocabulary: it imports only itself.' },
      { target: './src/runtime', from: './src', except: ['./runtime', './shared'], message: 'The Lambda runtime may import only src/runtime and src/shared.' },
    ],
  }],
});
project.eslint?.addOverride({
  files: ['src/shared/**/*.ts', 'src/runtime/**/*.ts'],
  // projen generates the function's construct wrapper next to its entry: construct-side code, not bundled.
  excludedFiles: ['src/runtime/*-function.ts'],
  rules: {
    'no-restricted-imports': ['error', {
      patterns: [{ group: ['aws-cdk-lib', 'aws-cdk-lib/*', 'constructs', 'cdk-nag'], message: 'src/shared and src/runtime are bundled into the Lambda asset: no CDK there.' }],
    }],
  },
});

// .projenrc.ts is a dot file: the '**/*.ts' glob of the dev tsconfig does not reach it.
project.tsconfigDev.addInclude('.projenrc.ts');

// jsii's reserved-word warnings (Python/Java/Go names) must stay visible: projen silences them by default.
project.compileTask.reset('jsii');

// Snapshot mode only: `--update-on-failed` alone would try a real deployment.
const integ = project.tasks.tryFind('integ')!;
integ.env('TS_NODE_TRANSPILE_ONLY', '1');
const integUpdate = project.tasks.tryFind('integ:update')!;
integUpdate.reset('integ-runner --language typescript --update-on-failed --dry-run', { receiveArgs: true });
integUpdate.env('TS_NODE_TRANSPILE_ONLY', '1');

// README examples are compiled by jsii-rosetta in strict mode against rosetta/default.ts-fixture.
project.package.file.addOverride('jsii.metadata', { jsii: { rosetta: { strict: true } } });
const rosetta = project.addTask('rosetta:extract', {
  description: 'Compile every TypeScript example of the README and doc comments (strict)',
  exec: 'jsii-rosetta extract --strict --fail',
});
project.postCompileTask.spawn(rosetta);

// Test prerequisites from Maven Central and PyPI (event-ruler, moto), installed once; every test run checks them.
const testSetup = project.addTask('test:setup', {
  description: 'Install the test prerequisites outside npm: event-ruler jars, and moto, cfn-lint and checkov virtualenvs',
  exec: 'bash test/setup.sh',
});
project.testTask.prependSpawn(testSetup);

// Cross-language consumers: build the Python, Java and Go packages and synthesize a small app in each.
project.addTask('test:consumers', {
  description: 'Build the Python wheel, Java jar and Go module, then synthesize a consumer app in Python and Java',
  exec: 'bash test/consumers/run.sh',
});

// cfn-lint and checkov (PyPI, pinned, installed by test:setup) over every synthesized template: the example
// deployment, the StackSet bodies embedded in it, and the integ snapshots. Fails on any cfn-lint error and on
// any checkov finding without a reason recorded in the resource's Metadata.checkov.skip.
const lintTemplates = project.addTask('lint:templates', {
  description: 'cfn-lint and checkov over the example deployment, its StackSet member templates and the integ snapshots',
  exec: 'bash test/lint/templates.sh',
});

// The command the README gives and CI runs: full build (compile, unit + integ tests, docs, packages).
const testAll = project.addTask('test:all', {
  description: 'Everything CI checks: build, unit and integ tests, rosetta, cfn-lint and checkov of every template, and the cross-language consumers',
  // With CI set, `build` packages only the npm tarball; test:consumers builds the other languages once.
  env: { CI: '1' },
});
testAll.spawn(project.buildTask);
testAll.spawn(lintTemplates);
testAll.spawn(project.tasks.tryFind('test:consumers')!);

// The main job: synthesize the complete example deployment offline, with placeholder account ids.
const exampleSynth = project.addTask('example:synth', {
  description: 'Synthesize an example deployment (offline, placeholder account ids) into example.out/<architecture>/; default: organization, or name one, or all',
  env: { TS_NODE_TRANSPILE_ONLY: '1' },
});
// The forwarder's Lambda asset must exist before synthesis.
exampleSynth.spawn(project.tasks.tryFind('bundle')!);
// An argument picks another architecture (test/example/architectures.ts), or `all`.
exampleSynth.exec('ts-node --project tsconfig.dev.json test/example/app.ts', { receiveArgs: true });
// The benchmark and the cost model (not part of the test task: tests never time anything). Prints Markdown
// tables and writes test-reports/bench.json; `npx projen bench -- --quick` for a short run.
const bench = project.addTask('bench', {
  description: 'Benchmark: throughput against the Security Hub stand-in vs the public samples\' design, cold init, synthesis cost, monthly cost model',
  env: { TS_NODE_TRANSPILE_ONLY: '1' },
});
bench.spawn(project.tasks.tryFind('bundle')!);
bench.exec('ts-node --project tsconfig.dev.json test/bench/run.ts', { receiveArgs: true });

// Build outputs of the Maven-based test harnesses and consumer apps, and the consumer virtualenv.
project.gitignore.addPatterns('/example.out/', '/.jsii.tabl.json', 'target/', 'cdk.out/', '.venv/', '__pycache__/');
// 'target/' and '.venv/' match directories only: a local symlink to shared jars or virtualenvs is ignored too.
project.gitignore.addPatterns('/test/ruler/target', '/.venv');

project.synth();
