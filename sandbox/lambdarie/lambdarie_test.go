package lambdarie

import (
	"testing"
	"time"
)

func TestEmulatorInitDuration(t *testing.T) {
	const prefix = "04 Dec 2026 20:37:30,210 [INFO] (rapid) INIT START(type: on-demand, phase: init)\n" +
		"04 Dec 2026 20:37:30,225 [INFO] (rapid) INIT RTDONE(status: success)\n"
	const report = "REPORT RequestId: e47e65e7-1138-4d93-a880-dbd037ca8a09\tInit Duration: 0.03 ms\tDuration: 79.64 ms\n"

	tests := []struct {
		name   string
		logs   string
		want   time.Duration
		wantOK bool
	}{
		{"fractional milliseconds", prefix + "04 Dec 2026 20:37:30,225 [INFO] (rapid) INIT REPORT(durationMs: 14.861000)\n" + report, 14861 * time.Microsecond, true},
		{"whole milliseconds", "INIT REPORT(durationMs: 250)\n", 250 * time.Millisecond, true},
		{"first report of several", "INIT REPORT(durationMs: 3.5)\nINIT REPORT(durationMs: 900)\n", 3500 * time.Microsecond, true},
		{"REPORT line only", prefix + report, 0, false},
		{"no output yet", "", 0, false},
		{"malformed number", "INIT REPORT(durationMs: 1.2.3)\n", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := &Emulator{logs: &lockedBuffer{}}
			if _, err := e.logs.Write([]byte(tt.logs)); err != nil {
				t.Fatal(err)
			}

			got, ok := e.InitDuration()

			if got != tt.want || ok != tt.wantOK {
				t.Errorf("InitDuration() = %v, %v, want %v, %v", got, ok, tt.want, tt.wantOK)
			}
		})
	}
}
