package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// Paths of the binaries TestMain builds.
var (
	bootstrapPath string
	emulatorPath  string
)

func TestMain(m *testing.M) {
	os.Exit(buildAndRun(m))
}

func buildAndRun(m *testing.M) int {
	dir, err := os.MkdirTemp("", "remediator-e2e-")
	if err != nil {
		fmt.Fprintf(os.Stderr, "e2e: creating build folder: %v\n", err)
		return 1
	}
	defer os.RemoveAll(dir)

	bootstrapPath = filepath.Join(dir, "bootstrap")
	emulatorPath = filepath.Join(dir, "aws-lambda-rie")
	builds := [][]string{
		// The flags of "make build", so the test runs what Lambda runs.
		{"build", "-tags", "lambda.norpc", "-trimpath", "-ldflags", "-s -w", "-o", bootstrapPath, "./functions/remediator"},
		// The emulator at the version go.mod pins.
		{"build", "-o", emulatorPath, "github.com/aws/aws-lambda-runtime-interface-emulator/cmd/aws-lambda-rie"},
	}
	for _, args := range builds {
		cmd := exec.Command("go", args...)
		cmd.Dir = filepath.Join("..", "..")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			fmt.Fprintf(os.Stderr, "e2e: go %v: %v\n%s", args, err, out)
			return 1
		}
	}
	return m.Run()
}
