package consumer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.cdkbackupalarms.BackupEvents;
import io.github.cdkbackupalarms.BackupFailureRule;
import io.github.cdkbackupalarms.BackupJobKind;
import io.github.cdkbackupalarms.BackupJobState;
import java.io.File;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import software.amazon.awscdk.App;
import software.amazon.awscdk.AppProps;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.Environment;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.StackProps;
import software.amazon.awscdk.assertions.Match;
import software.amazon.awscdk.assertions.Template;
import software.amazon.awscdk.cxapi.CloudAssembly;

/**
 * Java consumer of the cdk-backup-alarms jar, run by test/consumers/run.sh with
 * {@code mvn -q -B compile exec:java}. Synthesizes a small app offline (no AWS call) and checks the template
 * with the aws-cdk-lib assertions module. Any failed check throws, which fails the Maven run.
 */
public final class ConsumerApp {
    private static final String CENTRAL_BUS_ARN = "arn:aws:events:eu-west-1:111111111111:event-bus/backup-alarms";
    private static final Environment ENV = Environment.builder().account("222222222222").region("eu-west-1").build();
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A failed consumer check. */
    static final class ConsumerCheckFailed extends RuntimeException {
        ConsumerCheckFailed(final String message) {
            super(message);
        }
    }

    private static void check(final boolean condition, final String message, final Object detail) {
        if (!condition) {
            String got;
            try {
                got = JSON.writerWithDefaultPrettyPrinter().writeValueAsString(detail);
            } catch (Exception e) {
                got = String.valueOf(detail);
            }
            throw new ConsumerCheckFailed("JAVA CONSUMER FAILED: " + message + "\n  got: "
                    + (got.length() > 4000 ? got.substring(0, 4000) : got));
        }
    }

    public static void main(final String[] args) throws Exception {
        checkClasspath();
        String outdir = System.getenv("CDK_OUTDIR");
        if (outdir == null || outdir.isEmpty()) {
            outdir = Files.createTempDirectory("cdk-consumer-java-").toString();
        }
        checkSynthesizedRule(outdir);
        checkBadProps(outdir + "-bad");
        System.out.println("java consumer: OK");
    }

    /** The consumer must run against the aws-cdk-lib it declares, not the newer one the library's pom names. */
    private static void checkClasspath() {
        String expectedCdk = System.getProperty("consumer.expectedCdkVersion", "");
        String expectedLib = System.getProperty("consumer.expectedLibVersion", "");
        String cdkJar = App.class.getProtectionDomain().getCodeSource().getLocation().getPath();
        String libJar = BackupFailureRule.class.getProtectionDomain().getCodeSource().getLocation().getPath();
        check(cdkJar.endsWith("aws-cdk-lib-" + expectedCdk + ".jar"),
                "aws-cdk-lib on the classpath is not " + expectedCdk, cdkJar);
        check(libJar.endsWith("cdk-backup-alarms-" + expectedLib + ".jar"),
                "cdk-backup-alarms on the classpath is not " + expectedLib, libJar);
        System.out.println("java consumer: classpath " + new File(cdkJar).getName() + ", " + new File(libJar).getName());
    }

    private static void checkSynthesizedRule(final String outdir) throws Exception {
        App app = new App(AppProps.builder().outdir(outdir).build());
        Stack stack = new Stack(app, "JavaConsumerStack", StackProps.builder().env(ENV).build());
        BackupFailureRule failures = BackupFailureRule.Builder.create(stack, "Failures")
                .centralBusArn(CENTRAL_BUS_ARN)
                .jobKinds(List.of(BackupJobKind.RESTORE, BackupJobKind.BACKUP))
                .restoreJobStates(List.of(BackupJobState.FAILED))
                .maxEventAge(Duration.hours(2))
                .retryAttempts(10)
                // The checks below read the rule's own pattern and its dead-letter alarm; the defaults are checked next.
                .heartbeat(false)
                .build();
        // With the defaults the rule has a heartbeat and no dead-letter alarm (it would have no topic to tell).
        Stack defaultStack = new Stack(app, "JavaConsumerDefaults", StackProps.builder().env(ENV).build());
        BackupFailureRule defaults = BackupFailureRule.Builder.create(defaultStack, "Failures").centralBusArn(CENTRAL_BUS_ARN).build();
        check(defaults.getHeartbeat() != null && defaults.getDeadLetterAlarm() == null,
                "with defaults, getHeartbeat() returned null or getDeadLetterAlarm() did not", null);

        check(failures.getRule() != null && failures.getDeadLetterQueue() != null,
                "getRule() / getDeadLetterQueue() returned null", null);
        check(failures.getForwarderRole() != null && failures.getDeadLetterAlarm() != null,
                "getForwarderRole() / getDeadLetterAlarm() returned null", null);
        check(failures.getJobKinds().equals(List.of(BackupJobKind.RESTORE, BackupJobKind.BACKUP)),
                "getJobKinds() is not [RESTORE, BACKUP]", failures.getJobKinds().toString());
        check("Restore Job State Change".equals(BackupEvents.detailTypeOf(BackupJobKind.RESTORE)),
                "BackupEvents.detailTypeOf(RESTORE) is wrong", BackupEvents.detailTypeOf(BackupJobKind.RESTORE));
        check("status".equals(BackupEvents.stateFieldOf(BackupJobKind.RESTORE)),
                "BackupEvents.stateFieldOf(RESTORE) is not 'status'", BackupEvents.stateFieldOf(BackupJobKind.RESTORE));
        check("aws.backup".equals(BackupEvents.SOURCE), "BackupEvents.SOURCE is not 'aws.backup'", BackupEvents.SOURCE);
        // An optional enum return comes back as null when the JavaScript side returns undefined.
        check(BackupEvents.kindOfDetailType("Not A Backup Event") == null,
                "BackupEvents.kindOfDetailType(unknown) is not null", String.valueOf(BackupEvents.kindOfDetailType("Not A Backup Event")));

        CloudAssembly assembly = app.synth();
        check(new File(outdir, "JavaConsumerStack.template.json").isFile(),
                "app.synth() wrote no JavaConsumerStack.template.json in " + outdir, new File(outdir).list());
        check(assembly.getStackByName("JavaConsumerStack").getTemplate() != null,
                "the cloud assembly has no template for JavaConsumerStack", null);

        Template template = Template.fromStack(stack);
        Map<String, Map<String, Object>> rules = template.findResources("AWS::Events::Rule");
        check(rules.size() == 1, "expected exactly one AWS::Events::Rule", rules.keySet());
        JsonNode props = JSON.valueToTree(rules.values().iterator().next()).path("Properties");
        JsonNode pattern = props.path("EventPattern");

        check(pattern.path("source").equals(JSON.readTree("[\"aws.backup\"]")),
                "EventPattern.source is not [\"aws.backup\"]", pattern);
        JsonNode branches = pattern.path("$or");
        check(branches.isArray() && branches.size() == 2,
                "EventPattern has no top-level $or with one branch per job kind", pattern);
        List<JsonNode> restore = new ArrayList<>();
        List<JsonNode> backup = new ArrayList<>();
        for (JsonNode b : branches) {
            String detailType = b.path("detail-type").path(0).asText();
            if ("Restore Job State Change".equals(detailType)) {
                restore.add(b);
            } else if ("Backup Job State Change".equals(detailType)) {
                backup.add(b);
            }
        }
        check(restore.size() == 1, "no $or branch for 'Restore Job State Change'", pattern);
        check(restore.get(0).path("detail").path("status").equals(JSON.readTree("[\"FAILED\"]")),
                "the restore branch does not match detail.status [\"FAILED\"]", restore.get(0));
        check(!restore.get(0).path("detail").has("state"),
                "the restore branch matches detail.state (restores report detail.status)", restore.get(0));
        boolean backupFailed = false;
        if (backup.size() == 1) {
            for (JsonNode s : backup.get(0).path("detail").path("state")) {
                backupFailed |= "FAILED".equals(s.asText());
            }
        }
        check(backupFailed, "the backup branch does not match detail.state FAILED", pattern);

        JsonNode targets = props.path("Targets");
        check(targets.isArray() && targets.size() == 1, "expected exactly one rule target", targets);
        JsonNode target = targets.get(0);
        check(target.has("RoleArn"), "the rule target has no RoleArn", target);
        check(CENTRAL_BUS_ARN.equals(target.path("Arn").asText()), "the rule target is not the central bus", target);
        check(target.path("RetryPolicy").equals(
                JSON.readTree("{\"MaximumEventAgeInSeconds\": 7200, \"MaximumRetryAttempts\": 10}")),
                "the rule target's RetryPolicy does not carry maxEventAge / retryAttempts", target);
        check(target.has("DeadLetterConfig"), "the rule target has no DeadLetterConfig", target);

        // The assertions API itself, through jsii.
        template.resourceCountIs("AWS::SQS::Queue", 1);
        template.hasResourceProperties("AWS::Events::Rule", Match.objectLike(Map.of(
                "State", "ENABLED",
                "Targets", List.of(Match.objectLike(Map.of("Arn", CENTRAL_BUS_ARN))))));
        template.resourceCountIs("AWS::CloudWatch::Alarm", 1);
        System.out.println("java consumer: synthesized JavaConsumerStack, rule pattern/target/queue checks passed");
    }

    private static void checkBadProps(final String outdir) {
        // Never synthesized: nothing is written to outdir.
        App app = new App(AppProps.builder().outdir(outdir).build());
        Stack stack = new Stack(app, "BadStack", StackProps.builder().env(ENV).build());
        try {
            BackupFailureRule.Builder.create(stack, "Bad")
                    .centralBusArn(CENTRAL_BUS_ARN)
                    .jobKinds(List.of())
                    .build();
        } catch (ConsumerCheckFailed e) {
            throw e;
        } catch (RuntimeException e) {
            // jsii surfaces the JavaScript error as software.amazon.jsii.JsiiError (a RuntimeException).
            check(String.valueOf(e.getMessage()).contains("jobKinds is empty"),
                    "jobKinds(List.of()) threw, but the message does not contain 'jobKinds is empty'",
                    e.getClass().getName() + ": " + e.getMessage());
            System.out.println("java consumer: jobKinds(List.of()) threw " + e.getClass().getSimpleName() + " as expected");
            return;
        }
        check(false, "jobKinds(List.of()) did not throw", null);
    }

    private ConsumerApp() {
    }
}
