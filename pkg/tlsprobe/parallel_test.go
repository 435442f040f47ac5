package tlsprobe

import (
	"context"
	"crypto/x509"
	"net"
	"net/netip"
	"strconv"
	"sync"
	"testing"
	"time"
)

// barrierListener accepts connections and holds each open until want connections are
// open at once, then closes them all. It never completes a TLS handshake.
type barrierListener struct {
	listener net.Listener
	want     int
	reached  chan struct{}
}

func startBarrier(t *testing.T, want int) *barrierListener {
	t.Helper()
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("Listen() error = %v", err)
	}
	b := &barrierListener{listener: listener, want: want, reached: make(chan struct{})}
	t.Cleanup(func() { listener.Close() })

	go b.serve()
	return b
}

func (b *barrierListener) serve() {
	var (
		mu   sync.Mutex
		open []net.Conn
	)
	for {
		conn, err := b.listener.Accept()
		if err != nil {
			return
		}
		mu.Lock()
		open = append(open, conn)
		if len(open) == b.want {
			close(b.reached)
			for _, c := range open {
				c.Close()
			}
		}
		mu.Unlock()
	}
}

func (b *barrierListener) port() string {
	return strconv.Itoa(b.listener.Addr().(*net.TCPAddr).Port)
}

func TestProbeHandshakesInParallel(t *testing.T) {
	// A TLS 1.3-only and a TLS 1.2-only handshake plus two samples: four connections,
	// which are open at the same time only if the probe does not wait for each.
	const handshakes = 4
	barrier := startBarrier(t, handshakes)
	prober := New(Config{
		Resolve: func(context.Context, string) ([]netip.Addr, error) {
			return []netip.Addr{netip.MustParseAddr("127.0.0.1")}, nil
		},
		Roots:            x509.NewCertPool(),
		Samples:          handshakes - 2,
		HandshakeTimeout: 2 * time.Second,
		Attempts:         1,
		Now:              func() time.Time { return now },
	})

	got := prober.Probe(context.Background(), host, barrier.port())

	select {
	case <-barrier.reached:
	default:
		t.Errorf("the server never had %d connections open at once, want the handshakes to run in parallel", handshakes)
	}
	if got.Attempts != handshakes {
		t.Errorf("Attempts = %d, want %d", got.Attempts, handshakes)
	}
	if len(got.Chains) != 0 {
		t.Errorf("len(Chains) = %d, want 0 because no handshake completed", len(got.Chains))
	}
}

func TestHandshakePlan(t *testing.T) {
	v4, v6 := netip.MustParseAddr("127.0.0.1"), netip.MustParseAddr("::1")
	tests := []struct {
		name    string
		addrs   []netip.Addr
		samples int
		want    int
	}{
		{name: "one address two samples", addrs: []netip.Addr{v4}, samples: 2, want: 4},
		{name: "two addresses two samples", addrs: []netip.Addr{v4, v6}, samples: 2, want: 6},
		{name: "no samples", addrs: []netip.Addr{v4, v6}, samples: 0, want: 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			plan := handshakePlan(tt.addrs, tt.samples)

			if len(plan) != tt.want {
				t.Fatalf("len(handshakePlan()) = %d, want %d", len(plan), tt.want)
			}
			versionOnly := 0
			for _, h := range plan {
				if h.versionOnly() {
					versionOnly++
				}
			}
			if want := 2 * len(tt.addrs); versionOnly != want {
				t.Errorf("version-only handshakes = %d, want %d (two per address)", versionOnly, want)
			}
			for i, h := range plan[2*len(tt.addrs):] {
				if want := tt.addrs[i%len(tt.addrs)]; h.addr != want {
					t.Errorf("sample %d address = %s, want %s (round-robin)", i, h.addr, want)
				}
			}
		})
	}
}
