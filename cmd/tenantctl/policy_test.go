package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

const policyARN = "arn:aws:dynamodb:eu-west-1:123456789012:table/shop"

// golden reads a golden document of package iampolicy: the command prints
// the library's bytes.
func golden(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "iampolicy", "testdata", name))
	require.NoError(t, err)
	return string(b)
}

func TestPolicy(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		golden string
		args   []string
	}{
		{"inline-acme.json", []string{"policy", "--table-arn", policyARN, "--tenant", "acme"}},
		{"inline-acme.json", []string{"policy", "--table", "shop", "--region", "eu-west-1", "--account", "123456789012", "--tenant", "acme"}},
		{"inline-acme.json", []string{"--tenant", "acme", "policy", "-table-arn", policyARN}},
		{"abac-tenant.json", []string{"policy", "--table-arn", policyARN, "--tag", "tenant"}},
		{"abac-org-tenant.json", []string{"policy", "--table", "shop", "--region", "eu-west-1", "--account", "123456789012", "--tag", "org/tenant"}},
		{"inline-china.json", []string{"policy", "--table", "shop", "--region", "cn-north-1", "--account", "123456789012", "--partition", "aws-cn", "--tenant", "acme"}},
		{"inline-special.json", []string{"policy", "--table-arn", policyARN, "--tenant", "a$b*c?{x}<&>"}},
	} {
		want := golden(t, c.golden)
		o := tctl(t, c.args...)
		require.Equal(t, exitDone, o.code, "%v: %s", c.args, o.stderr)
		require.Equal(t, want, o.stdout, "%v prints %s byte for byte", c.args, c.golden)
		require.Empty(t, o.stderr)

		s := tctlJSON(t, exitDone, c.args...)
		require.Equal(t, "policy", s.Op)
		var res policyResult
		s.result(t, &res)
		var got, exp any
		require.NoError(t, json.Unmarshal(res.Policy, &got))
		require.NoError(t, json.Unmarshal([]byte(want), &exp))
		require.Equal(t, exp, got, "the summary's policy is the document")
		if strings.Contains(strings.Join(c.args, " "), "--tag") {
			require.Equal(t, "tag", res.Mode)
			require.Empty(t, s.Tenant)
		} else {
			require.Equal(t, "tenant", res.Mode)
			require.NotEmpty(t, s.Tenant)
		}
		require.True(t, strings.HasPrefix(res.TableARN, "arn:aws"), res.TableARN)
	}
}

func TestPolicyUsage(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		kind string
		args []string
	}{
		{"usage", []string{"policy", "--table-arn", policyARN}},
		{"usage", []string{"policy", "--table-arn", policyARN, "--tenant", "acme", "--tag", "tenant"}},
		{"usage", []string{"policy", "--table-arn", policyARN, "--table", "shop", "--tenant", "acme"}},
		{"usage", []string{"policy", "--table", "shop", "--region", "eu-west-1", "--tenant", "acme"}},
		{"usage", []string{"--memory", "policy", "--table-arn", policyARN, "--tenant", "acme"}},
		{"usage", []string{"--endpoint", "http://127.0.0.1:1", "policy", "--table-arn", policyARN, "--tenant", "acme"}},
		{"invalid-arn", []string{"policy", "--table-arn", "arn:aws:s3:::bucket", "--tenant", "acme"}},
		{"invalid-arn", []string{"policy", "--table-arn", policyARN + "/index/GSI1", "--tenant", "acme"}},
		{"invalid-arn", []string{"policy", "--table", "shop", "--region", "eu-west-1", "--account", "12", "--tenant", "acme"}},
		{"invalid-tenant", []string{"policy", "--table-arn", policyARN, "--tenant", "a#b"}},
		{"invalid-tag-key", []string{"policy", "--table-arn", policyARN, "--tag", "a}b"}},
	} {
		o := tctl(t, c.args...)
		require.Equal(t, exitUsage, o.code, "%v", c.args)
		require.Empty(t, o.stdout, "%v prints no document", c.args)
		require.Contains(t, o.stderr, "tenantctl: ")
		s := tctlJSON(t, exitUsage, c.args...)
		require.Equal(t, c.kind, s.Error.Kind, "%v: %s", c.args, s.Error.Message)
		require.False(t, bytes.Contains(s.Result, []byte("Statement")), "%v", c.args)
	}
}

func TestPolicyHelp(t *testing.T) {
	t.Parallel()
	o := tctl(t, "policy", "-h")
	require.Equal(t, exitDone, o.code)
	require.Contains(t, o.stdout, "Examples:\n  tenantctl policy --table-arn ")
	require.Contains(t, o.stdout, "Library call: iampolicy.ForTag")
	for _, flag := range []string{"--table-arn", "--account", "--partition", "--tag"} {
		require.Contains(t, o.stdout, flag)
	}
	o = tctl(t, "-h")
	require.Contains(t, o.stdout, "policy      Print the IAM policy")
}
