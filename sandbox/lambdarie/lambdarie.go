// Package lambdarie runs a built Lambda bootstrap under the AWS Lambda Runtime
// Interface Emulator, the program that SAM runs inside its container, and invokes it
// over HTTP on loopback.
//
// It is test and demo code: nothing under pkg/ or functions/ imports it. It does not
// build binaries; callers pass the paths of a built bootstrap and emulator.
package lambdarie

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// Emulator is a running emulator with one function.
type Emulator struct {
	// URL is the invoke endpoint.
	URL  string
	cmd  *exec.Cmd
	logs *lockedBuffer
	done chan struct{}
}

// Options describe how to start the emulator.
type Options struct {
	// Emulator is the path of the aws-lambda-rie binary.
	Emulator string
	// Bootstrap is the path of the function's bootstrap binary.
	Bootstrap string
	// Env is the function's environment, "NAME=value" entries, on top of PATH and HOME.
	Env []string
	// Timeout is the function timeout the emulator enforces. Default 120s.
	Timeout time.Duration
	// Logs, when set, also receives the emulator's and the function's output.
	Logs io.Writer
}

// Start starts the emulator on two free loopback ports and waits until it accepts
// connections. The emulator takes fixed addresses rather than port 0, so the ports are
// found by binding port 0 and releasing it just before the start.
func Start(ctx context.Context, opts Options) (*Emulator, error) {
	invokeAddr, err := freeLoopbackAddr()
	if err != nil {
		return nil, err
	}
	runtimeAddr, err := freeLoopbackAddr()
	if err != nil {
		return nil, err
	}
	timeout := opts.Timeout
	if timeout == 0 {
		timeout = 120 * time.Second
	}

	logs := &lockedBuffer{}
	var out io.Writer = logs
	if opts.Logs != nil {
		out = io.MultiWriter(logs, opts.Logs)
	}

	cmd := exec.Command(opts.Emulator,
		"--runtime-interface-emulator-address", invokeAddr,
		"--runtime-api-address", runtimeAddr,
		// At info level the emulator's core logs "INIT REPORT(durationMs: ...)",
		// which InitDuration reads.
		"--log-level", "info",
		opts.Bootstrap,
	)
	cmd.Env = append([]string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + os.Getenv("HOME"),
		"AWS_LAMBDA_FUNCTION_TIMEOUT=" + strconv.Itoa(int(timeout.Seconds())),
		"AWS_LAMBDA_FUNCTION_NAME=oidc-thumbprint-remediator",
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE=256",
	}, opts.Env...)
	cmd.Stdout = out
	cmd.Stderr = out
	// A process group of its own lets Close stop the emulator and the function it
	// started together.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting emulator %s: %w", opts.Emulator, err)
	}

	e := &Emulator{
		URL:  "http://" + invokeAddr + "/2015-03-31/functions/function/invocations",
		cmd:  cmd,
		logs: logs,
		done: make(chan struct{}),
	}
	go func() {
		_ = cmd.Wait()
		close(e.done)
	}()

	if err := e.waitReady(ctx, invokeAddr); err != nil {
		e.Close()
		return nil, err
	}
	return e, nil
}

func (e *Emulator) waitReady(ctx context.Context, addr string) error {
	deadline := time.Now().Add(15 * time.Second)
	for {
		conn, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err == nil {
			conn.Close()
			return nil
		}
		select {
		case <-e.done:
			return fmt.Errorf("emulator exited before it was ready:\n%s", e.Logs())
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("emulator did not listen on %s within 15s:\n%s", addr, e.Logs())
		}
	}
}

// Invoke sends one event and returns the function's response body. A function error
// comes back as the emulator's JSON error document with status 200, as Lambda's
// synchronous invoke does; the caller inspects the body.
func (e *Emulator) Invoke(ctx context.Context, payload []byte) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, e.URL, bytes.NewReader(payload))
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("invoking the function: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("reading the invoke response: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return body, fmt.Errorf("invoke returned HTTP %d: %s", resp.StatusCode, body)
	}
	return body, nil
}

// Logs returns everything the emulator and the function wrote so far.
func (e *Emulator) Logs() string {
	return e.logs.String()
}

var initDuration = regexp.MustCompile(`INIT REPORT\(durationMs: ([0-9.]+)\)`)

// InitDuration returns the cold start that the emulator's core reported in its
// INIT REPORT line: the time from starting the bootstrap process to the runtime's
// first request for an event. The "Init Duration" in the emulator's REPORT line is not
// used because it times only the start of an asynchronous init and stays near 0 ms
// (aws-lambda-runtime-interface-emulator, internal/lambda/rie/handlers.go).
func (e *Emulator) InitDuration() (time.Duration, bool) {
	m := initDuration.FindStringSubmatch(e.Logs())
	if m == nil {
		return 0, false
	}
	ms, err := strconv.ParseFloat(m[1], 64)
	if err != nil {
		return 0, false
	}
	return time.Duration(ms * float64(time.Millisecond)), true
}

// Close stops the emulator and the function, waiting at most five seconds before
// killing them.
func (e *Emulator) Close() {
	pgid := -e.cmd.Process.Pid
	_ = syscall.Kill(pgid, syscall.SIGTERM)
	select {
	case <-e.done:
	case <-time.After(5 * time.Second):
		_ = syscall.Kill(pgid, syscall.SIGKILL)
		<-e.done
	}
	// The function may outlive the emulator by a moment; make sure it is gone.
	_ = syscall.Kill(pgid, syscall.SIGKILL)
}

func freeLoopbackAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("finding a free loopback port: %w", err)
	}
	addr := l.Addr().String()
	if err := l.Close(); err != nil {
		return "", err
	}
	return addr, nil
}

// lockedBuffer collects output written from the emulator's goroutines.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
