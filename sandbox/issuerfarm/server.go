package issuerfarm

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/netip"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// Paths the server serves by default.
const (
	DiscoveryPath = "/.well-known/openid-configuration"
	JWKSPath      = "/jwks"
)

// maxPortAttempts bounds how often start picks a new port when a second address cannot
// bind the port that the kernel chose for the first.
const maxPortAttempts = 10

// Server is one issuer, listening on one or more loopback addresses with one port.
type Server struct {
	opts      Options
	port      int
	addrs     []netip.Addr
	listeners []net.Listener
	http      *http.Server
	jwks      map[string]any
	done      chan struct{}
	closeOnce sync.Once

	nextCertificate atomic.Uint64
	nextConnection  atomic.Int64

	mu          sync.Mutex
	connections map[netip.Addr]int
	handshakes  map[netip.Addr]int
	requests    map[string]int
	serverNames []string
	stalled     []net.Conn
}

func start(opts Options) (*Server, error) {
	if len(opts.Certificates) == 0 && opts.SelectCertificate == nil {
		return nil, errors.New("issuerfarm: no certificates: set Options.Certificates or Options.SelectCertificate")
	}

	jwks, err := newJWKS()
	if err != nil {
		return nil, err
	}

	s := &Server{
		opts:        opts,
		jwks:        jwks,
		done:        make(chan struct{}),
		connections: make(map[netip.Addr]int),
		handshakes:  make(map[netip.Addr]int),
		requests:    make(map[string]int),
	}

	if err := s.listen(); err != nil {
		return nil, err
	}

	s.http = &http.Server{
		Handler:           http.HandlerFunc(s.serveHTTP),
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          log.New(io.Discard, "", 0),
	}
	tlsConfig := &tls.Config{
		MinVersion:     opts.MinVersion,
		MaxVersion:     opts.MaxVersion,
		GetCertificate: s.getCertificate,
	}
	for _, listener := range s.listeners {
		go s.http.Serve(tls.NewListener(&faultListener{Listener: listener, server: s}, tlsConfig))
	}
	return s, nil
}

// listen binds every address to one port: the kernel picks it for the first address
// and the others reuse it, so one issuer URL reaches all of them.
func (s *Server) listen() error {
	var lastErr error
	for range maxPortAttempts {
		listeners, err := listenAll(s.opts.Addrs)
		if err == nil {
			s.listeners = listeners
			s.port = listeners[0].Addr().(*net.TCPAddr).Port
			for _, listener := range listeners {
				s.addrs = append(s.addrs, listener.Addr().(*net.TCPAddr).AddrPort().Addr().Unmap())
			}
			return nil
		}
		lastErr = err
	}
	return fmt.Errorf("issuerfarm: listening on %v: %w", s.opts.Addrs, lastErr)
}

func listenAll(addrs []string) ([]net.Listener, error) {
	var listeners []net.Listener
	port := "0"
	for _, addr := range addrs {
		parsed, err := netip.ParseAddr(addr)
		if err != nil || !parsed.IsLoopback() {
			closeAll(listeners)
			return nil, fmt.Errorf("issuerfarm: %q is not a loopback address", addr)
		}

		listener, err := net.Listen("tcp", net.JoinHostPort(addr, port))
		if err != nil {
			closeAll(listeners)
			return nil, err
		}
		listeners = append(listeners, listener)
		port = strconv.Itoa(listener.Addr().(*net.TCPAddr).Port)
	}
	return listeners, nil
}

func closeAll(listeners []net.Listener) {
	for _, listener := range listeners {
		listener.Close()
	}
}

// LoopbackAvailable reports whether a listener can bind addr, such as "::1" or
// "127.0.0.2", on this machine.
func LoopbackAvailable(addr string) bool {
	listener, err := net.Listen("tcp", net.JoinHostPort(addr, "0"))
	if err != nil {
		return false
	}
	listener.Close()
	return true
}

// ByAddress returns a certificate selector for Options.SelectCertificate that sends
// certs[ip] to clients that reached the listener on ip ("127.0.0.2", "::1"). An address
// missing from certs fails the handshake.
func ByAddress(certs map[string]tls.Certificate) func(hello *tls.ClientHelloInfo) tls.Certificate {
	return func(hello *tls.ClientHelloInfo) tls.Certificate {
		return certs[localAddr(hello.Conn).String()]
	}
}

// Name returns the host name of the issuer.
func (s *Server) Name() string { return s.opts.Name }

// Port returns the port that every address listens on.
func (s *Server) Port() string { return strconv.Itoa(s.port) }

// Host returns "name:port".
func (s *Server) Host() string { return net.JoinHostPort(s.opts.Name, s.Port()) }

// URL returns the issuer URL, "https://name:port".
func (s *Server) URL() string { return "https://" + s.Host() + s.opts.Path }

// Addrs returns the addresses the server listens on, in the order of Options.Addrs.
func (s *Server) Addrs() []netip.Addr { return slices.Clone(s.addrs) }

// Connections returns how many TCP connections addr accepted, dropped ones included.
func (s *Server) Connections(addr netip.Addr) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.connections[addr]
}

// Handshakes returns how many handshakes on addr reached the point where the server
// sent its certificate, so a version the server rejects is not counted.
func (s *Server) Handshakes(addr netip.Addr) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.handshakes[addr]
}

// TotalHandshakes returns Handshakes summed over every address.
func (s *Server) TotalHandshakes() int {
	s.mu.Lock()
	defer s.mu.Unlock()

	total := 0
	for _, n := range s.handshakes {
		total += n
	}
	return total
}

// Requests returns how many HTTP requests asked for path.
func (s *Server) Requests(path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests[path]
}

// ServerNames returns the SNI name of every handshake counted by Handshakes, in order.
// A client that sent no SNI appears as "".
func (s *Server) ServerNames() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.serverNames)
}

// Close stops the listeners, open connections and pending delays. It is safe to call
// more than once.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		close(s.done)
		s.http.Close()
		closeAll(s.listeners)

		s.mu.Lock()
		stalled := s.stalled
		s.stalled = nil
		s.mu.Unlock()
		for _, conn := range stalled {
			conn.Close()
		}
	})
}

func (s *Server) getCertificate(hello *tls.ClientHelloInfo) (*tls.Certificate, error) {
	s.mu.Lock()
	s.handshakes[localAddr(hello.Conn)]++
	s.serverNames = append(s.serverNames, hello.ServerName)
	s.mu.Unlock()

	var cert tls.Certificate
	if s.opts.SelectCertificate != nil {
		cert = s.opts.SelectCertificate(hello)
	} else {
		n := s.nextCertificate.Add(1) - 1
		cert = s.opts.Certificates[n%uint64(len(s.opts.Certificates))]
	}
	if len(cert.Certificate) == 0 {
		return nil, fmt.Errorf("issuerfarm: no certificate for %s", localAddr(hello.Conn))
	}
	return &cert, nil
}

// wait pauses for d, returning false early when the server closes or cancel fires.
func (s *Server) wait(d time.Duration, cancel <-chan struct{}) bool {
	if d <= 0 {
		return true
	}
	timer := time.NewTimer(d)
	defer timer.Stop()

	select {
	case <-timer.C:
		return true
	case <-s.done:
		return false
	case <-cancel:
		return false
	}
}

func localAddr(conn net.Conn) netip.Addr {
	if conn == nil {
		return netip.Addr{}
	}
	addrPort, err := netip.ParseAddrPort(conn.LocalAddr().String())
	if err != nil {
		return netip.Addr{}
	}
	return addrPort.Addr().Unmap()
}

// faultListener applies the connection faults before the TLS layer reads a connection.
type faultListener struct {
	net.Listener
	server *Server
}

func (l *faultListener) Accept() (net.Conn, error) {
	s := l.server
	for {
		conn, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}

		n := int(s.nextConnection.Add(1))
		s.mu.Lock()
		s.connections[localAddr(conn)]++
		s.mu.Unlock()

		switch {
		case s.opts.Faults.dropped(n):
			drop(conn, s.opts.Faults.Reset)
			continue
		case s.opts.Faults.StallHandshake:
			s.mu.Lock()
			s.stalled = append(s.stalled, conn)
			s.mu.Unlock()
			continue
		case s.opts.Faults.HandshakeDelay > 0:
			return &delayedConn{Conn: conn, server: s}, nil
		}
		return conn, nil
	}
}

func drop(conn net.Conn, reset bool) {
	if tcp, ok := conn.(*net.TCPConn); ok && reset {
		// A zero linger time makes close send RST instead of FIN.
		_ = tcp.SetLinger(0)
	}
	conn.Close()
}

// delayedConn holds its first read for Faults.HandshakeDelay, which delays the TLS
// handshake because the server reads the ClientHello first.
type delayedConn struct {
	net.Conn
	server *Server
	once   sync.Once
}

func (c *delayedConn) Read(p []byte) (int, error) {
	proceed := true
	c.once.Do(func() {
		proceed = c.server.wait(c.server.opts.Faults.HandshakeDelay, nil)
	})
	if !proceed {
		return 0, net.ErrClosed
	}
	return c.Conn.Read(p)
}

func newJWKS() (map[string]any, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("issuerfarm: generating JWKS key: %w", err)
	}

	public, err := key.PublicKey.ECDH()
	if err != nil {
		return nil, fmt.Errorf("issuerfarm: encoding JWKS key: %w", err)
	}
	point := public.Bytes() // 0x04, then X and Y, 32 bytes each
	encode := base64.RawURLEncoding.EncodeToString

	return map[string]any{
		"keys": []any{map[string]any{
			"kty": "EC",
			"crv": "P-256",
			"alg": "ES256",
			"use": "sig",
			"kid": "issuerfarm-1",
			"x":   encode(point[1:33]),
			"y":   encode(point[33:65]),
		}},
	}, nil
}
