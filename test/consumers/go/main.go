// Command consumers is the Go consumer of the cdk-backup-alarms Go module, run by test/consumers/run.sh.
// It synthesizes a small app offline (no AWS call), checks the template with the aws-cdk-lib assertions
// module, and prints "rules: N" (the number of AWS::Events::Rule logical ids) on success.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdk-backup-alarms/cdk-backup-alarms-go/cdkbackupalarms"
)

const centralBusArn = "arn:aws:events:eu-west-1:111111111111:event-bus/backup-alarms"

var env = &awscdk.Environment{Account: jsii.String("222222222222"), Region: jsii.String("eu-west-1")}

type checkFailed string

func check(ok bool, msg string, detail any) {
	if !ok {
		got, _ := json.MarshalIndent(detail, "", "  ")
		if len(got) > 4000 {
			got = got[:4000]
		}
		panic(checkFailed(msg + "\n  got: " + string(got)))
	}
}

func asMap(v any) map[string]any { m, _ := v.(map[string]any); return m }
func asList(v any) []any         { l, _ := v.([]any); return l }

// toJSON round-trips a jsii value through encoding/json, so that it can be walked as plain maps and lists.
func toJSON(v any) any {
	b, err := json.Marshal(v)
	if err != nil {
		panic(checkFailed("cannot marshal a template value: " + err.Error()))
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		panic(checkFailed("cannot unmarshal a template value: " + err.Error()))
	}
	return out
}

func checkSynthesizedRule(outdir string) int {
	app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(outdir)})
	stack := awscdk.NewStack(app, jsii.String("GoConsumerStack"), &awscdk.StackProps{Env: env})
	failures := cdkbackupalarms.NewBackupFailureRule(stack, jsii.String("Failures"), &cdkbackupalarms.BackupFailureRuleProps{
		CentralBusArn:    jsii.String(centralBusArn),
		JobKinds:         &[]cdkbackupalarms.BackupJobKind{cdkbackupalarms.BackupJobKind_RESTORE, cdkbackupalarms.BackupJobKind_BACKUP},
		RestoreJobStates: &[]cdkbackupalarms.BackupJobState{cdkbackupalarms.BackupJobState_FAILED},
		MaxEventAge:      awscdk.Duration_Hours(jsii.Number(2)),
		RetryAttempts:    jsii.Number(10),
		// The checks below read the rule's own pattern and its dead-letter alarm; the defaults are checked next.
		Heartbeat: jsii.Bool(false),
	})
	// With the defaults the rule has a heartbeat and no dead-letter alarm (it would have no topic to tell).
	defaultStack := awscdk.NewStack(app, jsii.String("GoConsumerDefaults"), &awscdk.StackProps{Env: env})
	defaults := cdkbackupalarms.NewBackupFailureRule(defaultStack, jsii.String("Failures"), &cdkbackupalarms.BackupFailureRuleProps{
		CentralBusArn: jsii.String(centralBusArn),
	})
	check(defaults.Heartbeat() != nil && defaults.DeadLetterAlarm() == nil, "with defaults, Heartbeat() returned nil or DeadLetterAlarm() did not", nil)

	check(failures.Rule() != nil && failures.DeadLetterQueue() != nil, "Rule() / DeadLetterQueue() returned nil", nil)
	check(failures.ForwarderRole() != nil && failures.DeadLetterAlarm() != nil, "ForwarderRole() / DeadLetterAlarm() returned nil", nil)
	kinds := *failures.JobKinds()
	check(reflect.DeepEqual(kinds, []cdkbackupalarms.BackupJobKind{cdkbackupalarms.BackupJobKind_RESTORE, cdkbackupalarms.BackupJobKind_BACKUP}),
		"JobKinds() is not [RESTORE, BACKUP]", kinds)
	check(*cdkbackupalarms.BackupEvents_DetailTypeOf(cdkbackupalarms.BackupJobKind_RESTORE) == "Restore Job State Change",
		"BackupEvents_DetailTypeOf(RESTORE) is wrong", nil)
	check(*cdkbackupalarms.BackupEvents_StateFieldOf(cdkbackupalarms.BackupJobKind_RESTORE) == "status",
		"BackupEvents_StateFieldOf(RESTORE) is not \"status\"", nil)
	check(*cdkbackupalarms.BackupEvents_SOURCE() == "aws.backup", "BackupEvents_SOURCE() is not \"aws.backup\"", nil)
	// An optional enum return comes back as the zero value when the JavaScript side returns undefined.
	check(cdkbackupalarms.BackupEvents_KindOfDetailType(jsii.String("Not A Backup Event")) == "",
		"BackupEvents_KindOfDetailType(unknown) is not the empty kind", nil)

	assembly := app.Synth(nil)
	_, err := os.Stat(filepath.Join(outdir, "GoConsumerStack.template.json"))
	check(err == nil, "app.Synth() wrote no GoConsumerStack.template.json in "+outdir, nil)
	check(assembly.GetStackByName(jsii.String("GoConsumerStack")).Template() != nil,
		"the cloud assembly has no template for GoConsumerStack", nil)

	template := assertions.Template_FromStack(stack, nil)
	rules := toJSON(template.FindResources(jsii.String("AWS::Events::Rule"), nil)).(map[string]any)
	check(len(rules) == 1, "expected exactly one AWS::Events::Rule", rules)
	var props map[string]any
	for _, r := range rules {
		props = asMap(asMap(r)["Properties"])
	}
	pattern := asMap(props["EventPattern"])
	check(reflect.DeepEqual(pattern["source"], []any{"aws.backup"}), "EventPattern.source is not [\"aws.backup\"]", pattern)
	branches := asList(pattern["$or"])
	check(len(branches) == 2, "EventPattern has no top-level $or with one branch per job kind", pattern)
	var restore, backup []map[string]any
	for _, b := range branches {
		switch dt := asList(asMap(b)["detail-type"]); {
		case reflect.DeepEqual(dt, []any{"Restore Job State Change"}):
			restore = append(restore, asMap(b))
		case reflect.DeepEqual(dt, []any{"Backup Job State Change"}):
			backup = append(backup, asMap(b))
		}
	}
	check(len(restore) == 1, "no $or branch for 'Restore Job State Change'", pattern)
	restoreDetail := asMap(restore[0]["detail"])
	check(reflect.DeepEqual(restoreDetail["status"], []any{"FAILED"}), "the restore branch does not match detail.status [\"FAILED\"]", restore[0])
	_, hasState := restoreDetail["state"]
	check(!hasState, "the restore branch matches detail.state (restores report detail.status)", restore[0])
	backupFailed := false
	if len(backup) == 1 {
		for _, s := range asList(asMap(backup[0]["detail"])["state"]) {
			backupFailed = backupFailed || s == "FAILED"
		}
	}
	check(backupFailed, "the backup branch does not match detail.state FAILED", pattern)

	targets := asList(props["Targets"])
	check(len(targets) == 1, "expected exactly one rule target", targets)
	target := asMap(targets[0])
	_, hasRole := target["RoleArn"]
	check(hasRole, "the rule target has no RoleArn", target)
	check(target["Arn"] == centralBusArn, "the rule target is not the central bus", target)
	check(reflect.DeepEqual(target["RetryPolicy"], map[string]any{"MaximumEventAgeInSeconds": 7200.0, "MaximumRetryAttempts": 10.0}),
		"the rule target's RetryPolicy does not carry MaxEventAge / RetryAttempts", target)
	_, hasDlq := target["DeadLetterConfig"]
	check(hasDlq, "the rule target has no DeadLetterConfig", target)

	// The assertions API itself, through jsii (it panics on a mismatch).
	template.ResourceCountIs(jsii.String("AWS::SQS::Queue"), jsii.Number(1))
	template.HasResourceProperties(jsii.String("AWS::Events::Rule"), assertions.Match_ObjectLike(&map[string]any{
		"State":   "ENABLED",
		"Targets": []any{assertions.Match_ObjectLike(&map[string]any{"Arn": centralBusArn})},
	}))
	template.ResourceCountIs(jsii.String("AWS::CloudWatch::Alarm"), jsii.Number(1))
	fmt.Println("go consumer: synthesized GoConsumerStack, rule pattern/target/queue checks passed")
	return len(rules)
}

func checkBadProps(outdir string) {
	// Never synthesized: nothing is written to outdir.
	app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(outdir)})
	stack := awscdk.NewStack(app, jsii.String("BadStack"), &awscdk.StackProps{Env: env})
	var recovered any
	func() {
		defer func() { recovered = recover() }()
		cdkbackupalarms.NewBackupFailureRule(stack, jsii.String("Bad"), &cdkbackupalarms.BackupFailureRuleProps{
			CentralBusArn: jsii.String(centralBusArn),
			JobKinds:      &[]cdkbackupalarms.BackupJobKind{},
		})
	}()
	check(recovered != nil, "JobKinds: &[]BackupJobKind{} did not panic", nil)
	if _, ours := recovered.(checkFailed); ours {
		panic(recovered)
	}
	// jsii turns the JavaScript error into a panic whose value is an error carrying the message.
	msg := fmt.Sprint(recovered)
	check(strings.Contains(msg, "jobKinds is empty"), "JobKinds: &[]BackupJobKind{} panicked, but the message does not contain 'jobKinds is empty'", msg)
	fmt.Printf("go consumer: JobKinds: &[]BackupJobKind{} panicked (%T) as expected\n", recovered)
}

func main() {
	defer jsii.Close()
	code := 0
	func() {
		defer func() {
			if r := recover(); r != nil {
				fmt.Fprintf(os.Stderr, "GO CONSUMER FAILED: %v\n", r)
				code = 1
			}
		}()
		outdir := os.Getenv("CDK_OUTDIR")
		if outdir == "" {
			var err error
			outdir, err = os.MkdirTemp("", "cdk-consumer-go-")
			check(err == nil, "cannot create a temp dir", fmt.Sprint(err))
		}
		n := checkSynthesizedRule(outdir)
		checkBadProps(outdir + "-bad")
		fmt.Printf("rules: %d\n", n)
		fmt.Println("go consumer: OK")
	}()
	if code != 0 {
		jsii.Close()
		os.Exit(code)
	}
}
