package discovery

import (
	"context"
	"crypto/tls"
	"net"
	"testing"
	"time"

	"github.com/oidc-thumbprint-remediator/remediator/sandbox/issuerfarm"
	"github.com/oidc-thumbprint-remediator/remediator/sandbox/pki"
)

// TestFetchRetriesDroppedConnections checks that connections closed before a response
// are tried again, and that the number of tries is bounded.
func TestFetchRetriesDroppedConnections(t *testing.T) {
	now := time.Now()
	root, err := pki.NewRoot("Retry Test Root", now.Add(-time.Hour), now.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := root.Leaf([]string{"flaky.test"}, now.Add(-time.Hour), now.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name      string
		dropFirst int
		attempts  int
		wantErr   bool
	}{
		{"two drops within three attempts", 2, 3, false},
		{"three drops exhaust three attempts", 3, 3, true},
		{"one drop without retries", 1, 1, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			farm := issuerfarm.New()
			t.Cleanup(farm.Close)
			srv, err := farm.Start(issuerfarm.Options{
				Name:         "flaky.test",
				Certificates: []tls.Certificate{leaf.TLSCertificate()},
				Faults:       issuerfarm.Faults{DropFirst: tt.dropFirst, Reset: true},
			})
			if err != nil {
				t.Fatal(err)
			}
			dialer := &net.Dialer{}
			client := New(Config{
				RootCAs:  pki.Pool(root.Cert),
				Attempts: tt.attempts,
				Backoff:  time.Millisecond,
				Timeout:  5 * time.Second,
				DialContext: func(ctx context.Context, network, address string) (net.Conn, error) {
					_, port, _ := net.SplitHostPort(address)
					return dialer.DialContext(ctx, network, net.JoinHostPort("127.0.0.1", port))
				},
			})

			_, err = client.Fetch(context.Background(), srv.URL())

			if tt.wantErr && err == nil {
				t.Fatalf("Fetch() error = nil, want an error after %d dropped connections", tt.dropFirst)
			}
			if !tt.wantErr && err != nil {
				t.Fatalf("Fetch() error = %v, want success after %d dropped connections", err, tt.dropFirst)
			}
			if got := srv.Connections(srv.Addrs()[0]); tt.wantErr && got != tt.attempts {
				t.Errorf("connections = %d, want %d (one per attempt)", got, tt.attempts)
			}
		})
	}
}
