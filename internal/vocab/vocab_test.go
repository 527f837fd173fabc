package vocab_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// root is the module's root, from this package's directory.
const root = "../.."

// literals returns, for each non-test Go file under the directories dirs
// of the module, the string literals it holds (comments are not
// literals), by file path relative to the root.
func literals(t *testing.T, dirs ...string) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	fset := token.NewFileSet()
	for _, dir := range dirs {
		err := filepath.WalkDir(filepath.Join(root, dir), func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return nil
			}
			f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(root, path)
			rel = filepath.ToSlash(rel)
			ast.Inspect(f, func(n ast.Node) bool {
				if lit, ok := n.(*ast.BasicLit); ok && lit.Kind == token.STRING {
					if s, err := strconv.Unquote(lit.Value); err == nil {
						out[rel] = append(out[rel], s)
					}
				}
				return true
			})
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if len(out) == 0 {
		t.Fatal("no Go files found: is the test run from its package directory?")
	}
	return out
}

// TestDynamoDBCodesOnlyInTheDynamoDBBackend: no code of package repo or
// backend reads DynamoDB's error or cancellation codes but
// backend/dynamodb/errors.go, which maps each to a backend.ErrorKind. The
// memory backend writes the cancellation codes DynamoDB gives, for
// information (backend.TxReason.Code), in one file.
func TestDynamoDBCodesOnlyInTheDynamoDBBackend(t *testing.T) {
	codes := []string{
		"ConditionalCheckFailed", "TransactionConflict", "TransactionCanceled",
		"TransactionInProgress", "ValidationError", "ValidationException",
		"ThrottlingError", "ThrottlingException", "ProvisionedThroughputExceeded",
		"RequestLimitExceeded", "ItemCollectionSizeLimitExceeded",
		"IdempotentParameterMismatch", "ResourceNotFound", "ResourceInUse",
	}
	allowed := map[string]bool{
		"backend/dynamodb/errors.go": true, // the mapping
		"backend/memory/txreason.go": true, // the codes the memory backend reports
	}
	for file, lits := range literals(t, "repo", "backend", "tenantctx", "entity") {
		if allowed[file] {
			continue
		}
		for _, s := range lits {
			for _, c := range append(codes, "None") {
				if s == c || s == c+"Exception" {
					t.Errorf("%s: literal %q: DynamoDB's codes are read only in backend/dynamodb/errors.go", file, s)
				}
			}
		}
	}
}

// TestLayoutOnlyInEntityLayout: the key attribute names, the index names
// and the tenant prefix are written only in entity/layout.go; every other
// file of the library, of the operations (ops, internal/ddbjson), of the
// tenant guard (guard), of the change feed (changefeed) and of the commands uses its names (entity.PartitionKeyName, entity.IndexName,
// entity.IndexKeyNames, entity.TenantPrefix, entity.Tenant, ...).
func TestLayoutOnlyInEntityLayout(t *testing.T) {
	for file, lits := range literals(t, "repo", "backend", "tenantctx", "entity", "ops", "internal/ddbjson", "guard", "cmd", "changefeed") {
		if file == "entity/layout.go" {
			continue
		}
		// A command's flag may be called "tenant": that names an
		// option, not a key.
		flag := strings.HasPrefix(file, "cmd/")
		for _, s := range lits {
			if s == "PK" || s == "SK" || strings.HasPrefix(s, "GSI") || strings.HasPrefix(s, "tenant#") || s == "tenant" && !flag {
				t.Errorf("%s: literal %q: the table layout is written only in entity/layout.go", file, s)
			}
		}
	}
}

// TestOneTenantDerivation: the repository turns a context into a tenant
// and its keys in one function (tenantOf in repo/repo.go, through
// tenantctx.Tenant), and builds partition and index partition keys only
// from the entity.Tenant it returns: no other function of package repo
// reads the context's tenant, builds a partition key from a tenant ID, or
// recovers a tenant ID from a key.
func TestOneTenantDerivation(t *testing.T) {
	fset := token.NewFileSet()
	pkgs, err := parser.ParseDir(fset, filepath.Join(root, "repo"), func(fi fs.FileInfo) bool {
		return !strings.HasSuffix(fi.Name(), "_test.go")
	}, parser.SkipObjectResolution)
	if err != nil {
		t.Fatal(err)
	}
	calls := map[string]int{}
	for _, pkg := range pkgs {
		for path, f := range pkg.Files {
			for _, decl := range f.Decls {
				fn, ok := decl.(*ast.FuncDecl)
				if !ok {
					continue
				}
				ast.Inspect(fn, func(n ast.Node) bool {
					sel, ok := n.(*ast.SelectorExpr)
					if !ok {
						return true
					}
					x, ok := sel.X.(*ast.Ident)
					if !ok {
						return true
					}
					name := x.Name + "." + sel.Sel.Name
					switch name {
					case "tenantctx.Tenant", "tenantctx.FromContext":
						calls[name]++
						if fn.Name.Name != "tenantOf" {
							t.Errorf("%s: %s reads the context's tenant; only tenantOf may", filepath.Base(path), fn.Name.Name)
						}
					case "entity.PartitionKey", "entity.IndexPartitionKey", "entity.TenantPrefix", "entity.ParsePartitionKey":
						t.Errorf("%s: %s uses %s; keys come from the entity.Tenant of tenantOf", filepath.Base(path), fn.Name.Name, name)
					}
					return true
				})
			}
		}
	}
	if calls["tenantctx.Tenant"] != 1 {
		t.Errorf("tenantctx.Tenant is called %d times in package repo, want once (in tenantOf)", calls["tenantctx.Tenant"])
	}
}
