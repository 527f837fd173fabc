package repo

import (
	"bytes"
	"encoding/base64"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/tenantrepo/tenantrepo/entity"
)

// The fuzz targets of this file check the cursor codec: that decode never
// panics, accepts only what encode made for the same tenant, prefix and
// key, and that what it accepts decodes to the parts encode was given.
// Names carry "fz" so they do not collide with other tests of package repo.
//
//	go test -run='^$' -fuzz='^FuzzCursorDecode$' -fuzztime=30s ./repo

const fzB64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

// fzParts returns the number of key strings a query's cursor holds: 2 for
// table queries, 4 for index queries.
func fzParts(four bool) int {
	if four {
		return 4
	}
	return 2
}

// fzParsePayload is an independent reading of a cursor payload: the version
// byte 1, then length-prefixed strings (unsigned LEB128 lengths, as
// encoding/binary writes them) of valid UTF-8 up to its end, nothing left
// over.
func fzParsePayload(p []byte) ([]string, bool) {
	if len(p) < 1 || p[0] != 1 {
		return nil, false
	}
	p = p[1:]
	parts := []string{}
	for len(p) > 0 {
		var n uint64
		i := 0
		for ; ; i++ {
			if i == len(p) || i == 10 {
				return nil, false // truncated, or longer than any uint64
			}
			b := p[i]
			if i == 9 && b > 1 {
				return nil, false // overflows a uint64
			}
			n |= uint64(b&0x7f) << (7 * i)
			if b < 0x80 {
				break
			}
		}
		p = p[i+1:]
		if n > uint64(len(p)) {
			return nil, false
		}
		if !utf8.Valid(p[:n]) {
			return nil, false // key strings are UTF-8
		}
		parts = append(parts, string(p[:n]))
		p = p[n:]
	}
	return parts, true
}

func fzEqualParts(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// fzSeedCursors returns cursors of the shapes repositories make.
func fzSeedCursors() []string {
	c := cursorCodec{key: defaultCursorKey, prefix: "user"}
	return []string{
		c.encode("acme", "", "user#42"),
		c.encode("acme", "by-email", "user#42", "tenant#acme#user#by-email#a@b", "2024"),
		c.encode("acm", "", "euser#42"),
		c.encode("acme", "", ""),
		c.encode("acme"),
	}
}

// FuzzCursorDecode gives decode arbitrary strings, seeded with real
// cursors: it must not panic, and what it accepts must be a cursor encode
// makes for that tenant and prefix, and no other.
func FuzzCursorDecode(f *testing.F) {
	for _, c := range fzSeedCursors() {
		f.Add("acme", "user", c, false)
		f.Add("acme", "user", c, true)
		f.Add("acm", "euser", c, false) // moves a byte from the tenant to the prefix
		f.Add("acme", "users", c, false)
		f.Add("acme", "user", c+"A", false)
		f.Add("acme", "user", c[:len(c)-1], false)
	}
	f.Add("acme", "user", "", false)
	f.Add("acme", "user", "====", false)
	f.Fuzz(func(t *testing.T, tenant, prefix, cursor string, four bool) {
		c := cursorCodec{key: defaultCursorKey, prefix: prefix}
		want := fzParts(four)
		parts, err := c.decode(tenant, cursor, want)
		if err != nil {
			if parts != nil {
				t.Fatalf("decode failed (%v) and returned parts %q", err, parts)
			}
			return
		}
		if len(parts) != want {
			t.Fatalf("decode(%q) = %d parts, want %d", cursor, len(parts), want)
		}
		if len(cursor) > maxCursorLen {
			t.Fatalf("decode accepted a cursor of %d bytes", len(cursor))
		}
		again, err := c.decode(tenant, c.encode(tenant, parts...), want)
		if err != nil || !fzEqualParts(again, parts) {
			t.Fatalf("parts %q do not survive encode and decode: %q, %v", parts, again, err)
		}
		for _, other := range []cursorCodec{
			{key: defaultCursorKey, prefix: prefix + "s"},
			{key: []byte("another key"), prefix: prefix},
		} {
			if _, err := other.decode(tenant, cursor, want); err == nil {
				t.Fatalf("cursor %q of prefix %q verifies for prefix %q / another key", cursor, prefix, other.prefix)
			}
		}
		for _, tn := range []string{tenant + "x", "x" + tenant, tenant[:len(tenant)/2]} {
			if tn == tenant {
				continue
			}
			if _, err := c.decode(tn, cursor, want); err == nil {
				t.Fatalf("cursor %q of tenant %q verifies for tenant %q", cursor, tenant, tn)
			}
		}
	})
}

// FuzzCursorPayload signs arbitrary payloads with the repository's key, as
// anyone who reads the default key in this source can, to reach the payload
// parser behind the MAC: it must not panic and must agree with an
// independent reading of the format.
func FuzzCursorPayload(f *testing.F) {
	f.Add("acme", "user", []byte{1, 0, 7, 'u', 's', 'e', 'r', '#', '4', '2'}, false)
	f.Add("acme", "user", []byte{1}, false)
	f.Add("acme", "user", []byte{}, false)
	f.Add("acme", "user", []byte{2, 0, 0}, false)
	f.Add("acme", "user", []byte{1, 0x80, 0x00, 0}, false)                                              // a non-minimal varint
	f.Add("acme", "user", []byte{1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}, false) // 2^64-1
	f.Add("acme", "user", []byte{1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02}, false) // overflow
	f.Add("acme", "user", []byte{1, 5, 'a'}, false)                                                     // length past the end
	f.Add("acme", "user", []byte{1, 0, 0, 0, 0}, true)
	f.Add("acme", "user", append([]byte{1, 0x80, 0x18}, bytes.Repeat([]byte{'x'}, 3072)...), false) // a long part
	f.Add("acme", "user", append([]byte{1, 0x80, 0x38}, bytes.Repeat([]byte{'x'}, 7168)...), false) // too long a cursor
	f.Add("acme", "user", []byte{1, 0, 1, 0xff}, false)                                             // a sort key not UTF-8
	f.Add("acme", "user", []byte{1, 0, 2, 0xc3, 0x28}, false)                                       // a bad continuation byte
	f.Add("acme", "user", []byte{1, 0, 2, 0xc3, 0xa9}, false)                                       // "é"
	f.Fuzz(func(t *testing.T, tenant, prefix string, payload []byte, four bool) {
		c := cursorCodec{key: defaultCursorKey, prefix: prefix}
		want := fzParts(four)
		raw := append(append([]byte{}, payload...), c.mac(tenant, payload)...)
		cursor := base64.RawURLEncoding.EncodeToString(raw)
		parts, err := c.decode(tenant, cursor, want)
		spec, ok := fzParsePayload(payload)
		accept := ok && len(spec) == want && len(cursor) <= maxCursorLen
		if (err == nil) != accept {
			t.Fatalf("payload %x: decode error %v; the format says accept=%v (parts %q)", payload, err, accept, spec)
		}
		if err == nil && !fzEqualParts(parts, spec) {
			t.Fatalf("payload %x: decode = %q; the format says %q", payload, parts, spec)
		}
	})
}

// FuzzCursorCrossTenant makes a cursor for tenant A and type A, and gives
// it, as is and with one character changed, to tenant B and type B: it
// must verify only for the same tenant and type, and a changed cursor only
// where the change is invisible (base64's unused trailing bits, which
// decode to the same bytes).
func FuzzCursorCrossTenant(f *testing.F) {
	for _, s := range [][4]string{
		{"acme", "user", "acme", "user"},
		{"acme", "user", "acm", "user"},
		{"acme", "user", "acm", "euser"},
		{"acme", "user", "acme", "users"},
		{"a", "user", "A", "user"},
		{"acme", "user", "acme ", "user"},
		{"acme\u00e9", "user", "acme\u0065\u0301", "user"},
	} {
		f.Add(s[0], s[1], s[2], s[3], "", "user#1", false, uint16(0), byte(1))
		f.Add(s[0], s[1], s[2], s[3], "by-user", "user#1", true, uint16(40), byte(63))
	}
	f.Fuzz(func(t *testing.T, tA, pA, tB, pB, s1, s2 string, four bool, pos uint16, ch byte) {
		cA := cursorCodec{key: defaultCursorKey, prefix: pA}
		cB := cursorCodec{key: defaultCursorKey, prefix: pB}
		want := fzParts(four)
		parts := []string{s1, s2}
		if four {
			parts = append(parts, "tenant#"+tA+"#"+pA+"#"+s1+"#"+s2, s2)
		}
		cur := cA.encode(tA, parts...)
		same := tA == tB && pA == pB
		_, err := cB.decode(tB, cur, want)
		if err == nil && !same {
			t.Fatalf("a cursor of tenant %q, type %q verifies for tenant %q, type %q", tA, pA, tB, pB)
		}
		if err != nil && same && len(cur) <= maxCursorLen && utf8.ValidString(s1) && utf8.ValidString(s2) && utf8.ValidString(tA+pA) {
			t.Fatalf("a cursor does not verify for its own tenant and type: %v", err)
		}
		i := int(pos) % len(cur) // len(cur) > 0: the MAC alone takes 22 characters
		alt := fzB64[int(ch)%len(fzB64)]
		if cur[i] == alt {
			return
		}
		mut := cur[:i] + string(alt) + cur[i+1:]
		_, errA := cA.decode(tA, mut, want)
		_, errB := cB.decode(tB, mut, want)
		if errB == nil && !same {
			t.Fatalf("a changed cursor of tenant %q, type %q verifies for tenant %q, type %q", tA, pA, tB, pB)
		}
		if errA == nil {
			r1, _ := base64.RawURLEncoding.DecodeString(cur)
			r2, _ := base64.RawURLEncoding.DecodeString(mut)
			if !bytes.Equal(r1, r2) {
				t.Fatalf("cursor changed at %d to %q decodes to other bytes and still verifies", i, alt)
			}
		}
	})
}

// FuzzCursorMaxKeys makes the cursors of keys of every length DynamoDB
// takes, up to the longest (index name and index partition key of 2048
// bytes, sort keys of 1024), of one- to four-byte characters: each must be
// within maxCursorLen and decode back to its parts, so that every page's
// Next is accepted by the next call.
func FuzzCursorMaxKeys(f *testing.F) {
	f.Add("acme", uint16(2048), uint16(1024), uint16(2048), uint16(1024), "x")
	f.Add(strings.Repeat("t", entity.MaxTenantIDBytes), uint16(7), uint16(1024), uint16(2048), uint16(1024), "\u00e9")
	f.Add("acme", uint16(1), uint16(9), uint16(2048), uint16(1), "\U0001F600")
	f.Add("acme", uint16(0), uint16(1024), uint16(0), uint16(0), "\u30c6")
	f.Fuzz(func(t *testing.T, tenant string, n1, n2, n3, n4 uint16, unit string) {
		if unit == "" || !utf8.ValidString(unit) {
			return
		}
		fill := func(n uint16, max int) string {
			size := int(n) % (max + 1)
			return strings.Repeat(unit, size/len(unit))
		}
		parts := []string{fill(n1, entity.MaxPartitionKeyBytes), fill(n2, entity.MaxSortKeyBytes),
			fill(n3, entity.MaxPartitionKeyBytes), fill(n4, entity.MaxSortKeyBytes)}
		c := newCursorCodec(defaultCursorKey, "ticket")
		// An index cursor, and a table cursor ("" and the sort key).
		for _, ps := range [][]string{parts, {"", parts[1]}} {
			cur := c.encode(tenant, ps...)
			if len(cur) > maxCursorLen {
				t.Fatalf("a cursor of keys within DynamoDB's limits has %d characters, over %d", len(cur), maxCursorLen)
			}
			got, err := c.decode(tenant, cur, len(ps))
			if err != nil {
				t.Fatalf("a cursor of %d characters does not decode: %v", len(cur), err)
			}
			if !fzEqualParts(got, ps) {
				t.Fatalf("parts changed on the way back")
			}
		}
	})
}
