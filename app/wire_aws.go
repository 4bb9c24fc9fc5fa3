package app

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/ssm"

	"github.com/tocsin-dev/tocsin/dispatch"
	"github.com/tocsin-dev/tocsin/intake"
	"github.com/tocsin-dev/tocsin/playbooks"
	"github.com/tocsin-dev/tocsin/runbooks"
	"github.com/tocsin-dev/tocsin/snspage"
)

var (
	_ runbooks.SSM             = (*ssm.Client)(nil)
	_ intake.GetMetricDataAPI  = (*cloudwatch.Client)(nil)
	_ intake.DescribeAlarmsAPI = (*cloudwatch.Client)(nil)
	_ snspage.PublishAPI       = (*sns.Client)(nil)
	_ dispatch.SMS             = (*snspage.Client)(nil)
)

// awsClients are the SDK clients, built from the standard chain and
// settings, with AWS_ENDPOINT_URL[_SSM|_CLOUDWATCH|_SQS|_SNS] read through getenv
// so tests and the demo can point them at the local stand-ins.
type awsClients struct {
	ssm *ssm.Client
	cw  *cloudwatch.Client
	sqs *sqs.Client
	sns *sns.Client // one attempt: the outbox retries pages
}

// awsConfigured reports whether tocsin should talk to AWS at all: a region
// must be set.
func awsConfigured(getenv func(string) string) bool {
	return getenv("AWS_REGION") != "" || getenv("AWS_DEFAULT_REGION") != ""
}

func newAWSClients(ctx context.Context, getenv func(string) string) (*awsClients, error) {
	region := getenv("AWS_REGION")
	if region == "" {
		region = getenv("AWS_DEFAULT_REGION")
	}
	opts := []func(*awsconfig.LoadOptions) error{awsconfig.WithRegion(region)}
	if id := getenv("AWS_ACCESS_KEY_ID"); id != "" {
		opts = append(opts, awsconfig.WithCredentialsProvider(
			credentials.NewStaticCredentialsProvider(id, getenv("AWS_SECRET_ACCESS_KEY"), getenv("AWS_SESSION_TOKEN"))))
	}
	cfg, err := awsconfig.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("AWS configuration: %w", err)
	}
	endpoint := func(service string) *string {
		if v := getenv("AWS_ENDPOINT_URL_" + service); v != "" {
			return aws.String(v)
		}
		if v := getenv("AWS_ENDPOINT_URL"); v != "" {
			return aws.String(v)
		}
		return nil
	}
	return &awsClients{
		ssm: ssm.NewFromConfig(cfg, func(o *ssm.Options) { o.BaseEndpoint = endpoint("SSM") }),
		cw:  cloudwatch.NewFromConfig(cfg, func(o *cloudwatch.Options) { o.BaseEndpoint = endpoint("CLOUDWATCH") }),
		sqs: sqs.NewFromConfig(cfg, func(o *sqs.Options) { o.BaseEndpoint = endpoint("SQS") }),
		sns: sns.NewFromConfig(cfg, func(o *sns.Options) { o.BaseEndpoint, o.RetryMaxAttempts = endpoint("SNS"), 1 }),
	}, nil
}

// wireAWS builds the SSM and CloudWatch clients and the parts that use them:
// the runbook executor, the alarm reconciler and the optional SQS poller.
func (a *App) wireAWS(ctx context.Context, d Deps) error {
	if !awsConfigured(d.Getenv) {
		a.log.Info("AWS_REGION is not set: runbooks will be refused and alarm reconciliation is off")
		return nil
	}
	clients, err := newAWSClients(ctx, d.Getenv)
	if err != nil {
		return err
	}
	a.aws = clients
	a.exec.refine.Start = intake.Refiner{CW: clients.cw}
	a.exec.runs.SSM = &runbooks.Executor{SSM: clients.ssm, Now: a.now}
	a.exec.sms.SMS = &snspage.Client{API: clients.sns}
	rec := &intake.Reconciler{CW: clients.cw, Open: a.store.OpenAlarmARNs, Sink: sink{a.engine},
		Topics: a.cfg.SNSTopics, Every: a.cfg.Reconcile, Logger: a.log.With("component", "reconcile")}
	a.once("reconcile", rec.Run)
	a.tags = playbooks.NewTagSource(clients.cw, 10*time.Minute, a.now)
	a.wirePublish()
	if a.cfg.SQSQueueURL != "" {
		p := &intake.Poller{SQS: clients.sqs, QueueURL: a.cfg.SQSQueueURL, Verifier: a.verifier, Topics: a.cfg.SNSTopics,
			Sink: sink{a.engine}, Logger: a.log.With("component", "sqs"), Now: a.now}
		a.every("sqs", p.Run)
	}
	return nil
}
