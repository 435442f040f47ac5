// Command remediator is the oidc-thumbprint-remediator Lambda function. Run outside
// Lambda, the same binary is the command-line tool (see "remediator help").
package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"

	"github.com/oidc-thumbprint-remediator/remediator/pkg/cli"
	"github.com/oidc-thumbprint-remediator/remediator/pkg/config"
	"github.com/oidc-thumbprint-remediator/remediator/pkg/handler"
	"github.com/oidc-thumbprint-remediator/remediator/pkg/setup"
)

func main() {
	if _, inLambda := os.LookupEnv("AWS_LAMBDA_RUNTIME_API"); !inLambda {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		status := cli.Run(ctx, os.Args[1:], cli.Env{
			Stdin:      os.Stdin,
			Stdout:     os.Stdout,
			Stderr:     os.Stderr,
			Lookup:     os.LookupEnv,
			IsTerminal: isTerminal,
		})
		stop()
		os.Exit(status)
	}

	logger := lambdacontext.NewLogger()
	h, err := newHandler(logger)
	if err != nil {
		// Configuration errors stop the function at start-up; Lambda reports the
		// init failure with this message.
		logger.Error("invalid configuration", "error", err)
		os.Exit(1)
	}
	lambda.Start(h.Invoke)
}

func newHandler(logger *slog.Logger) (*handler.Handler, error) {
	cfg, err := config.Load(os.LookupEnv)
	if err != nil {
		return nil, err
	}
	awsCfg, err := awsconfig.LoadDefaultConfig(context.Background())
	if err != nil {
		return nil, fmt.Errorf("loading AWS configuration: %w", err)
	}
	trust, err := setup.LoadTrust(cfg.CABundle)
	if err != nil {
		return nil, err
	}

	sweeper := setup.NewSweeper(cfg, awsCfg, setup.NewObservers(cfg, trust, nil))
	return setup.NewHandler(cfg, awsCfg, sweeper, setup.HandlerOptions{
		Logger:  logger,
		Metrics: os.Stdout,
		LogHint: "log group " + lambdacontext.LogGroupName,
	})
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	info, err := f.Stat()
	return err == nil && info.Mode()&os.ModeCharDevice != 0
}
