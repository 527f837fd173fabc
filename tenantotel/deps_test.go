package tenantotel_test

import (
	"os/exec"
	"strings"
	"testing"
)

// The core packages do not import OpenTelemetry: only this package does,
// so a program that does not use it does not build it in.
func TestOnlyTenantotelImportsOpenTelemetry(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	goList := func(args ...string) string {
		t.Helper()
		cmd := exec.Command("go", append([]string{"list"}, args...)...)
		cmd.Dir = ".." // the module's root
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("go list %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	deps := goList("-deps", "./repo", "./backend/...", "./tenantctx", "./entity")
	if !strings.Contains(deps, "github.com/tenantrepo/tenantrepo/repo\n") {
		t.Fatalf("go list -deps lists no package repo:\n%s", deps)
	}
	for _, line := range strings.Split(deps, "\n") {
		if strings.HasPrefix(line, "go.opentelemetry.io/") {
			t.Errorf("the core packages depend on %s", line)
		}
	}
	// And across the module: the packages (tests left out) that depend on
	// OpenTelemetry are this one alone.
	for _, line := range strings.Split(goList("-f", "{{.ImportPath}} {{join .Deps \" \"}}", "./..."), "\n") {
		pkg, deps, _ := strings.Cut(line, " ")
		if pkg != "github.com/tenantrepo/tenantrepo/tenantotel" && strings.Contains(deps, "go.opentelemetry.io/") {
			t.Errorf("%s depends on OpenTelemetry", pkg)
		}
	}
}
