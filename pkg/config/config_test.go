package config

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func env(vars map[string]string) LookupFunc {
	return func(name string) (string, bool) {
		v, ok := vars[name]
		return v, ok
	}
}

func TestLoadDefaults(t *testing.T) {
	cfg, err := Load(env(nil))
	if err != nil {
		t.Fatalf("Load() error = %v", err)
	}
	if cfg.DryRun {
		t.Error("DryRun = true, want false")
	}
	if cfg.NotificationPolicy != DefaultPolicy {
		t.Errorf("NotificationPolicy = %q, want %q", cfg.NotificationPolicy, DefaultPolicy)
	}
	if cfg.Concurrency != DefaultConcurrency {
		t.Errorf("Concurrency = %d, want %d", cfg.Concurrency, DefaultConcurrency)
	}
	if cfg.ProviderTimeout != DefaultProviderTimeout {
		t.Errorf("ProviderTimeout = %v, want %v", cfg.ProviderTimeout, DefaultProviderTimeout)
	}
	if cfg.ExpiryWarning != DefaultExpiryWarning {
		t.Errorf("ExpiryWarning = %v, want %v", cfg.ExpiryWarning, DefaultExpiryWarning)
	}
	if cfg.OptOutTag != DefaultOptOutTag {
		t.Errorf("OptOutTag = %q, want %q", cfg.OptOutTag, DefaultOptOutTag)
	}
	if cfg.AllowPrivateNetworks {
		t.Error("AllowPrivateNetworks = true, want false")
	}
	if cfg.CABundle != nil {
		t.Error("CABundle is set, want nil")
	}
}

func TestLoadValues(t *testing.T) {
	cfg, err := Load(env(map[string]string{
		"TOPIC_ARN":              "arn:aws:sns:eu-west-1:123456789012:remediator",
		"DRY_RUN":                "true",
		"NOTIFICATION_POLICY":    "problems",
		"CONCURRENCY":            "4",
		"PROVIDER_TIMEOUT":       "30s",
		"SAMPLES":                "0",
		"EXPIRY_WARNING_DAYS":    "14",
		"INCLUDE_TAG":            "team:platform",
		"EXTRA_EKS_REGIONS":      "eu-west-1, us-east-2",
		"ALLOW_PRIVATE_NETWORKS": "false",
		"CA_BUNDLE":              string(testCAPEM(t)),
		"HOST_OVERRIDES":         "id.example=127.0.0.1, ID.example=::1",
	}))
	if err != nil {
		t.Fatalf("Load() error = %v", err)
	}
	if !cfg.DryRun || cfg.NotificationPolicy != "problems" || cfg.Concurrency != 4 || cfg.Samples != 0 {
		t.Errorf("Load() = %+v, want dry run, problems, concurrency 4, samples 0", cfg)
	}
	if cfg.ProviderTimeout != 30*time.Second {
		t.Errorf("ProviderTimeout = %v, want 30s", cfg.ProviderTimeout)
	}
	if cfg.ExpiryWarning != 14*24*time.Hour {
		t.Errorf("ExpiryWarning = %v, want 336h", cfg.ExpiryWarning)
	}
	if strings.Join(cfg.ExtraEKSRegions, ",") != "eu-west-1,us-east-2" {
		t.Errorf("ExtraEKSRegions = %q, want [eu-west-1 us-east-2]", cfg.ExtraEKSRegions)
	}
	if len(cfg.CABundle) != 1 {
		t.Errorf("len(CABundle) = %d, want 1", len(cfg.CABundle))
	}
	if got := fmt.Sprint(cfg.HostOverrides["id.example"]); got != "[127.0.0.1 ::1]" {
		t.Errorf("HostOverrides[id.example] = %s, want [127.0.0.1 ::1]", got)
	}
}

func TestLoadBundleFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(path, testCAPEM(t), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := Load(env(map[string]string{"CA_BUNDLE_FILE": path}))
	if err != nil {
		t.Fatalf("Load() error = %v", err)
	}
	if len(cfg.CABundle) != 1 {
		t.Errorf("len(CABundle) = %d, want 1", len(cfg.CABundle))
	}
}

// TestLoadRejects checks that each invalid value is reported with the variable name
// and the value, so an operator can find and fix it.
func TestLoadRejects(t *testing.T) {
	tests := []struct {
		name, variable, value string
	}{
		{"topic arn of a queue", "TOPIC_ARN", "arn:aws:sqs:eu-west-1:123456789012:q"},
		{"dry run word", "DRY_RUN", "maybe"},
		{"unknown policy", "NOTIFICATION_POLICY", "never"},
		{"zero concurrency", "CONCURRENCY", "0"},
		{"huge concurrency", "CONCURRENCY", "100000"},
		{"duration without unit", "PROVIDER_TIMEOUT", "30"},
		{"negative duration", "HANDSHAKE_TIMEOUT", "-1s"},
		{"samples not a number", "SAMPLES", "few"},
		{"reserved tag prefix", "OPT_OUT_TAG", "aws:skip"},
		{"region typo", "EXTRA_EKS_REGIONS", "eu-west-1,euwest2"},
		{"bundle not pem", "CA_BUNDLE", "not a certificate"},
		{"bundle file missing", "CA_BUNDLE_FILE", "/nonexistent/ca.pem"},
		{"host override without address", "HOST_OVERRIDES", "id.example"},
		{"host override with a name as address", "HOST_OVERRIDES", "id.example=other.example"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(env(map[string]string{tt.variable: tt.value}))
			if err == nil {
				t.Fatalf("Load(%s=%q) error = nil, want an error", tt.variable, tt.value)
			}
			if !strings.Contains(err.Error(), tt.variable) {
				t.Errorf("error %q does not name %s", err, tt.variable)
			}
			// PEM text can be kilobytes long, so its error names the variable only.
			if tt.variable != "CA_BUNDLE" && !strings.Contains(err.Error(), tt.value) {
				t.Errorf("error %q does not show the value %q", err, tt.value)
			}
		})
	}
}

func TestLoadReportsEveryError(t *testing.T) {
	_, err := Load(env(map[string]string{"DRY_RUN": "maybe", "CONCURRENCY": "0"}))
	if err == nil {
		t.Fatal("Load() error = nil, want two errors")
	}
	for _, name := range []string{"DRY_RUN", "CONCURRENCY"} {
		if !strings.Contains(err.Error(), name) {
			t.Errorf("error %q does not name %s", err, name)
		}
	}
}

func TestParseBundleRejects(t *testing.T) {
	leafPEM, keyPEM := testLeafAndKeyPEM(t)
	tests := []struct {
		name string
		data []byte
		want string
	}{
		{"empty", nil, "no PEM CERTIFICATE block"},
		{"private key", keyPEM, "never a private key"},
		{"leaf certificate", leafPEM, "not a CA certificate"},
		{"corrupt der", pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: []byte("junk")}), "parsing PEM block 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseBundle(tt.data)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("ParseBundle() error = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func testCAPEM(t *testing.T) []byte {
	t.Helper()
	der, _ := makeCert(t, true)
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}

func testLeafAndKeyPEM(t *testing.T) (leaf, key []byte) {
	t.Helper()
	der, k := makeCert(t, false)
	keyDER, err := x509.MarshalECPrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER})
}

func makeCert(t *testing.T, isCA bool) ([]byte, *ecdsa.PrivateKey) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "test"},
		NotBefore:             now,
		NotAfter:              now.AddDate(10, 0, 0),
		BasicConstraintsValid: true,
		IsCA:                  isCA,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return der, key
}
