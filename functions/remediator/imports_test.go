package main

import (
	"errors"
	"go/build"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
)

// sandboxPath is the import path prefix of the test-only packages.
const sandboxPath = "github.com/oidc-thumbprint-remediator/remediator/sandbox"

// TestProductImportsNoSandbox checks that no non-test file under pkg/ or functions/
// imports a sandbox package, so the Lambda binary never contains test doubles. Tests
// under pkg/ may import them, and build.Package.Imports leaves test imports out.
func TestProductImportsNoSandbox(t *testing.T) {
	for _, root := range []string{"../../pkg", "../../functions"} {
		err := filepath.WalkDir(root, func(dir string, entry fs.DirEntry, err error) error {
			if err != nil || !entry.IsDir() || entry.Name() == "testdata" {
				return err
			}

			pkg, err := build.ImportDir(dir, 0)
			var noGo *build.NoGoError
			if errors.As(err, &noGo) {
				return nil
			}
			if err != nil {
				return err
			}

			for _, path := range pkg.Imports {
				if path == sandboxPath || strings.HasPrefix(path, sandboxPath+"/") {
					t.Errorf("%s imports %s outside its tests", dir, path)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatalf("walking %s: %v", root, err)
		}
	}
}
