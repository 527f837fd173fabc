package entity_test

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/tenantrepo/tenantrepo/entity"
)

// The fuzz targets of this file check the key rules against an independent
// statement of them, written out here rather than calling the package:
//
//   - a tenant ID is non-empty, valid UTF-8, without '#' or control
//     characters (C0, DEL, C1), and at most 2048-len("tenant#") bytes;
//   - a prefix follows the same rules, at most 1024-2 bytes;
//   - an entity ID is non-empty, valid UTF-8, without '#', and its sort key
//     prefix+"#"+id is at most 1024 bytes (control characters are allowed);
//   - keys built from valid parts parse back to those parts, and different
//     parts never give one key.
//
// Run one with, for example,
//
//	go test -run='^$' -fuzz='^FuzzValidateTenantID$' -fuzztime=30s ./entity
//
// Seeds are in testdata/fuzz/<target>/ as well as in f.Add calls.

const (
	specMaxPK     = 2048
	specMaxSK     = 1024
	specTenantMax = specMaxPK - len("tenant#")
	specPrefixMax = specMaxSK - 2 // room for "#" and a one-byte ID
)

// specControl reports whether r is a control character: C0, DEL or C1.
func specControl(r rune) bool {
	return r < 0x20 || (r >= 0x7f && r <= 0x9f)
}

// specNamePart is the rule shared by tenant IDs and prefixes.
func specNamePart(s string, max int) bool {
	if s == "" || len(s) > max || !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if r == '#' || specControl(r) {
			return false
		}
	}
	return true
}

func specTenant(s string) bool { return specNamePart(s, specTenantMax) }
func specPrefix(s string) bool { return specNamePart(s, specPrefixMax) }

func specID(prefix, id string) bool {
	return id != "" && utf8.ValidString(id) && !strings.Contains(id, "#") &&
		len(prefix)+1+len(id) <= specMaxSK
}

// specIndexName is the rule repo.New applies to index names.
func specIndexName(s string) bool {
	return s != "" && utf8.ValidString(s) && !strings.Contains(s, "#")
}

// checkErrMessage fails when an error message is unbounded in the input's
// length (long inputs are shortened in messages).
func checkErrMessage(t *testing.T, err error) {
	t.Helper()
	if n := len(err.Error()); n > 1024 {
		t.Fatalf("error message of %d bytes", n)
	}
}

func FuzzValidateTenantID(f *testing.F) {
	for _, s := range []string{"acme", "acme#", "#acme", "acm\x00e", "acme\u0085", "acme\u200b", "\xff",
		"ä", "a\u2028b", strings.Repeat("t", specTenantMax), strings.Repeat("t", specTenantMax+1)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		err := entity.ValidateTenantID(s)
		want := specTenant(s)
		if (err == nil) != want {
			t.Fatalf("ValidateTenantID(%q) = %v; the rules say valid=%v", s, err, want)
		}
		if err != nil {
			if !errors.Is(err, entity.ErrInvalidTenant) || errors.Is(err, entity.ErrInvalidID) || errors.Is(err, entity.ErrInvalidPrefix) {
				t.Fatalf("ValidateTenantID(%q) = %v: not exactly ErrInvalidTenant", s, err)
			}
			checkErrMessage(t, err)
			if _, ok := entity.ParsePartitionKey(entity.PartitionKey(s)); ok {
				t.Fatalf("ParsePartitionKey accepts the key of invalid tenant %q", s)
			}
			return
		}
		pk := entity.PartitionKey(s)
		if len(pk) > specMaxPK {
			t.Fatalf("partition key of %q is %d bytes", s, len(pk))
		}
		got, ok := entity.ParsePartitionKey(pk)
		if !ok || got != s {
			t.Fatalf("ParsePartitionKey(PartitionKey(%q)) = %q, %v", s, got, ok)
		}
	})
}

func FuzzValidatePrefix(f *testing.F) {
	for _, s := range []string{"user", "users", "user#", "us\ter", "\xc3\x28", strings.Repeat("p", specPrefixMax),
		strings.Repeat("p", specPrefixMax+1)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		err := entity.ValidatePrefix(s)
		if want := specPrefix(s); (err == nil) != want {
			t.Fatalf("ValidatePrefix(%q) = %v; the rules say valid=%v", s, err, want)
		}
		if err != nil {
			if !errors.Is(err, entity.ErrInvalidPrefix) {
				t.Fatalf("ValidatePrefix(%q) = %v: not ErrInvalidPrefix", s, err)
			}
			checkErrMessage(t, err)
		}
	})
}

func FuzzValidateID(f *testing.F) {
	longest := strings.Repeat("x", specMaxSK-len("user#"))
	for _, s := range [][2]string{{"user", "42"}, {"user", "4#2"}, {"user", ""}, {"user", "tab\t"}, {"user", "\x00"},
		{"user", "\xc3\x28"}, {"user", longest}, {"user", longest + "x"}, {"users", longest}, {"u", "\U0010FFFF"}} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, prefix, id string) {
		err := entity.ValidateID(prefix, id) // must not panic, whatever the prefix
		if !specPrefix(prefix) {
			return // the prefix is the caller's to have checked
		}
		want := specID(prefix, id)
		if (err == nil) != want {
			t.Fatalf("ValidateID(%q, %q) = %v; the rules say valid=%v", prefix, id, err, want)
		}
		if err != nil {
			if !errors.Is(err, entity.ErrInvalidID) || errors.Is(err, entity.ErrInvalidTenant) {
				t.Fatalf("ValidateID(%q, %q) = %v: not exactly ErrInvalidID", prefix, id, err)
			}
			checkErrMessage(t, err)
			return
		}
		sk := entity.SortKey(prefix, id)
		if len(sk) > specMaxSK {
			t.Fatalf("sort key %q is %d bytes", sk, len(sk))
		}
		p, i, ok := entity.ParseSortKey(sk)
		if !ok || p != prefix || i != id {
			t.Fatalf("ParseSortKey(%q) = %q, %q, %v", sk, p, i, ok)
		}
	})
}

// FuzzSortKeys checks, for two (prefix, ID) pairs, that their sort keys
// are equal only when the pairs are, and that the sort key of one type never
// falls in the range a query of another type reads: from prefix+"#" up to
// prefix+"$" (excluded), which is how package repo confines queries.
func FuzzSortKeys(f *testing.F) {
	for _, s := range [][4]string{
		{"user", "1", "users", "1"},
		{"user", "s#1", "users", "1"},
		{"user", "1", "user", "1"},
		{"user", "1", "use", "r#1"},
		{"a", "b", "a!", "b"},
		{"a", "\xff", "a$", "x"},
		{"user", "\x00", "user\"", "x"},
	} {
		f.Add(s[0], s[1], s[2], s[3])
	}
	f.Fuzz(func(t *testing.T, p1, id1, p2, id2 string) {
		if !specPrefix(p1) || !specPrefix(p2) || !specID(p1, id1) || !specID(p2, id2) {
			return
		}
		sk1, sk2 := entity.SortKey(p1, id1), entity.SortKey(p2, id2)
		if (sk1 == sk2) != (p1 == p2 && id1 == id2) {
			t.Fatalf("SortKey(%q, %q) = %q, SortKey(%q, %q) = %q", p1, id1, sk1, p2, id2, sk2)
		}
		lo, hi := entity.SortKeyPrefix(p1), p1+"$"
		in := lo <= sk2 && sk2 < hi
		if in != (p1 == p2) {
			t.Fatalf("sort key %q of prefix %q: in [%q, %q) is %v", sk2, p2, lo, hi, in)
		}
		if !strings.HasPrefix(sk1, lo) {
			t.Fatalf("sort key %q does not start with %q", sk1, lo)
		}
	})
}

func FuzzParseSortKey(f *testing.F) {
	for _, s := range []string{"user#42", "user#", "#42", "user#4#2", "", "#", "##", "u#\xff", "user#\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, sk string) {
		prefix, id, ok := entity.ParseSortKey(sk)
		before, after, one := strings.Cut(sk, "#")
		want := one && before != "" && after != "" && !strings.Contains(after, "#")
		if ok != want {
			t.Fatalf("ParseSortKey(%q) ok=%v; want %v", sk, ok, want)
		}
		if !ok {
			if prefix != "" || id != "" {
				t.Fatalf("ParseSortKey(%q) = %q, %q on failure", sk, prefix, id)
			}
			return
		}
		if entity.SortKey(prefix, id) != sk {
			t.Fatalf("SortKey(ParseSortKey(%q)) = %q", sk, entity.SortKey(prefix, id))
		}
	})
}

func FuzzParsePartitionKey(f *testing.F) {
	for _, s := range []string{"tenant#acme", "tenant#", "tenant#a#b", "tenantacme", "Tenant#acme", "tenant#\x7f",
		"tenant#acme#order#by-user#42", "tenant#tenant#acme"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, pk string) {
		tenant, ok := entity.ParsePartitionKey(pk)
		rest, has := strings.CutPrefix(pk, "tenant#")
		want := has && specTenant(rest)
		if ok != want {
			t.Fatalf("ParsePartitionKey(%q) ok=%v; want %v", pk, ok, want)
		}
		if ok && (tenant != rest || entity.PartitionKey(tenant) != pk) {
			t.Fatalf("ParsePartitionKey(%q) = %q", pk, tenant)
		}
		if !ok && tenant != "" {
			t.Fatalf("ParsePartitionKey(%q) = %q on failure", pk, tenant)
		}
	})
}

// FuzzIndexPartitionKey checks, for two (tenant, prefix, index, value)
// tuples, that index partition keys are unambiguous: equal only for equal
// tuples, split back into their parts, and under the tenant's key for IAM's
// dynamodb:LeadingKeys ("tenant#<id>#*" matches exactly the tenant's own
// index keys, and no index key is a table partition key).
func FuzzIndexPartitionKey(f *testing.F) {
	for _, s := range [][8]string{
		{"acme", "order", "by-user", "42", "acme", "order", "by-user", "42"},
		{"acme", "order", "by-user", "4#2", "acme", "order", "by-user#4", "2"},
		{"acme", "order", "by", "user#42", "acme", "order", "by#user", "42"},
		{"a", "b", "c", "d#e", "a#b", "c", "d", "e"},
		{"acme", "order", "by-user", "", "acm", "e#order", "by-user", ""},
		{"acme", "order", "by-user", "x", "acme#order", "by-user", "x", ""},
		{"ten", "ant", "i", "v", "tenant", "x", "i", "v"},
		{"acme", "order", "ix", "\xff", "acme", "order", "ix", "\xef\xbf\xbd"},
	} {
		f.Add(s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7])
	}
	f.Fuzz(func(t *testing.T, t1, p1, i1, v1, t2, p2, i2, v2 string) {
		k1 := entity.IndexPartitionKey(t1, p1, i1, v1) // must not panic
		if !specTenant(t1) || !specPrefix(p1) || !specIndexName(i1) {
			return
		}
		parts := strings.SplitN(k1, "#", 5)
		if len(parts) != 5 || parts[0] != "tenant" || parts[1] != t1 || parts[2] != p1 || parts[3] != i1 || parts[4] != v1 {
			t.Fatalf("IndexPartitionKey(%q, %q, %q, %q) = %q splits into %q", t1, p1, i1, v1, k1, parts)
		}
		if !specTenant(t2) {
			return
		}
		leading := strings.HasPrefix(k1, entity.PartitionKey(t2)+"#")
		if leading != (t1 == t2) {
			t.Fatalf("index key %q of tenant %q: under tenant %q's keys is %v", k1, t1, t2, leading)
		}
		if k1 == entity.PartitionKey(t2) {
			t.Fatalf("index key %q is tenant %q's table partition key", k1, t2)
		}
		if _, ok := entity.ParsePartitionKey(k1); ok {
			t.Fatalf("index key %q parses as a table partition key", k1)
		}
		if !specPrefix(p2) || !specIndexName(i2) {
			return
		}
		k2 := entity.IndexPartitionKey(t2, p2, i2, v2)
		same := t1 == t2 && p1 == p2 && i1 == i2 && v1 == v2
		if (k1 == k2) != same {
			t.Fatalf("(%q, %q, %q, %q) and (%q, %q, %q, %q) both give %q", t1, p1, i1, v1, t2, p2, i2, v2, k1)
		}
	})
}
