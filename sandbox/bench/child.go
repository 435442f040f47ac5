package bench

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"syscall"
	"time"
)

// Usage is the cost of one child process, read from its rusage after it exited.
type Usage struct {
	// Wall is the time from starting the process to its exit.
	Wall time.Duration
	// CPU is user plus system time.
	CPU time.Duration
	// MaxRSS is the peak resident set size in bytes.
	MaxRSS int64
	// ExitCode is the child's exit status.
	ExitCode int
	Stdout   []byte
	Stderr   []byte
}

// Run runs path with args and exactly env as its environment, and returns its
// output and resource usage. A non-zero exit status is not an error, because the
// function's command line exits 1 when it changed a list.
func Run(ctx context.Context, path string, args, env []string) (Usage, error) {
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, path, args...)
	cmd.Env = env
	cmd.Stdout = &stdout
	cmd.Stderr = &stderr

	started := time.Now()
	err := cmd.Run()
	wall := time.Since(started)

	var exitErr *exec.ExitError
	if err != nil && !errors.As(err, &exitErr) {
		return Usage{}, fmt.Errorf("running %s: %w", path, err)
	}

	state := cmd.ProcessState
	usage := Usage{
		Wall:     wall,
		CPU:      state.UserTime() + state.SystemTime(),
		ExitCode: state.ExitCode(),
		Stdout:   stdout.Bytes(),
		Stderr:   stderr.Bytes(),
	}
	if rusage, ok := state.SysUsage().(*syscall.Rusage); ok {
		// Linux reports ru_maxrss in kibibytes.
		usage.MaxRSS = rusage.Maxrss * 1024
	}
	return usage, nil
}

// RaiseOpenFileLimit raises the soft limit on open files to the hard limit, because
// every issuer holds a listener and every sweep connection a descriptor in this
// process. It returns the new soft limit.
func RaiseOpenFileLimit() (uint64, error) {
	var limit syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &limit); err != nil {
		return 0, fmt.Errorf("reading the open file limit: %w", err)
	}
	if limit.Cur < limit.Max {
		limit.Cur = limit.Max
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &limit); err != nil {
			return 0, fmt.Errorf("raising the open file limit to %d: %w", limit.Max, err)
		}
	}
	return limit.Cur, nil
}
