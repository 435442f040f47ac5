package thumbprint

import (
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
)

// ErrNoCertificate is returned by ParsePEM when the input contains no CERTIFICATE block.
var ErrNoCertificate = errors.New("thumbprint: no PEM CERTIFICATE block found; expected a PEM file or the output of openssl s_client -showcerts")

// BlockError reports a CERTIFICATE block that ParsePEM could not read.
type BlockError struct {
	// Block is the 1-based position of the block among the CERTIFICATE blocks.
	Block int
	// Line is the 1-based line of the block's BEGIN line.
	Line int
	Err  error
}

func (e *BlockError) Error() string {
	return fmt.Sprintf("thumbprint: certificate block %d (starting on line %d): %v", e.Block, e.Line, e.Err)
}

func (e *BlockError) Unwrap() error {
	return e.Err
}

const (
	beginCertificate = "-----BEGIN CERTIFICATE-----"
	endCertificate   = "-----END CERTIFICATE-----"
	beginPrefix      = "-----BEGIN "

	// derSequence is the first byte of a DER certificate (an ASN.1 SEQUENCE).
	derSequence = 0x30
)

// ParsePEM returns the certificates in data in the order they appear. data is a PEM
// file or a pasted `openssl s_client -showcerts` transcript: text between and around
// the blocks is ignored, and only CERTIFICATE blocks count, so a private key block in
// the same file is skipped without being decoded.
//
// Unlike encoding/pem, which skips a block it cannot decode, ParsePEM returns a
// *BlockError for a block with invalid base64 or DER, or without an END line, naming
// the block and the line it starts on. Input without any CERTIFICATE block returns
// ErrNoCertificate.
func ParsePEM(data []byte) ([]*x509.Certificate, error) {
	lines := strings.Split(string(data), "\n")
	var certs []*x509.Certificate
	block := 0
	for i := 0; i < len(lines); i++ {
		if strings.TrimSpace(lines[i]) != beginCertificate {
			continue
		}
		block++
		startLine := i + 1

		body, end, err := certificateBody(lines, i+1)
		if err != nil {
			return nil, &BlockError{Block: block, Line: startLine, Err: err}
		}
		i = end

		der, err := base64.StdEncoding.DecodeString(body)
		if err != nil {
			return nil, &BlockError{Block: block, Line: startLine, Err: fmt.Errorf("invalid base64: %w", err)}
		}
		cert, err := x509.ParseCertificate(der)
		if err != nil {
			return nil, &BlockError{Block: block, Line: startLine, Err: fmt.Errorf("invalid certificate: %w", err)}
		}
		certs = append(certs, cert)
	}

	if len(certs) == 0 {
		if len(data) > 0 && data[0] == derSequence {
			return nil, fmt.Errorf("%w (the input looks like binary DER: convert it with openssl x509 -inform der)", ErrNoCertificate)
		}
		return nil, ErrNoCertificate
	}
	return certs, nil
}

// certificateBody joins the base64 lines of a block whose BEGIN line precedes
// lines[start], and returns the index of its END line.
func certificateBody(lines []string, start int) (string, int, error) {
	var body strings.Builder
	for j := start; j < len(lines); j++ {
		line := strings.TrimSpace(lines[j])
		switch {
		case line == endCertificate:
			if body.Len() == 0 {
				return "", 0, errors.New("the block is empty")
			}
			return body.String(), j, nil
		case strings.HasPrefix(line, beginPrefix):
			return "", 0, fmt.Errorf("line %d starts a new block before %s", j+1, endCertificate)
		}
		for _, field := range strings.Fields(line) {
			body.WriteString(field)
		}
	}
	return "", 0, fmt.Errorf("missing %s line", endCertificate)
}
