package tlsprobe

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"syscall"
)

// alertProtocolVersion is the TLS protocol_version alert (RFC 8446, section 6), which a
// server sends when it accepts none of the offered versions.
const alertProtocolVersion = 70

// transient reports whether err is worth a retry: the connection was refused, reset or
// closed early, or the attempt timed out.
func transient(err error) bool {
	for _, target := range []error{
		syscall.ECONNREFUSED,
		syscall.ECONNRESET,
		syscall.ECONNABORTED,
		syscall.EPIPE,
		io.EOF,
		io.ErrUnexpectedEOF,
		context.DeadlineExceeded,
	} {
		if errors.Is(err, target) {
			return true
		}
	}

	var netErr net.Error
	return errors.As(err, &netErr) && netErr.Timeout()
}

// versionRejected reports whether the server rejected the handshake with a
// protocol_version alert. crypto/tls reports a received alert as a *net.OpError with Op
// "remote error" that wraps an unexported type, so the alert is compared through the
// text that tls.AlertError gives the same code.
func versionRejected(err error) bool {
	var opErr *net.OpError
	if !errors.As(err, &opErr) || opErr.Op != "remote error" || opErr.Err == nil {
		return false
	}
	return opErr.Err.Error() == tls.AlertError(alertProtocolVersion).Error()
}
