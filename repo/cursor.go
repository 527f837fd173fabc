package repo

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"hash"
	"sync"
	"unicode/utf8"

	"github.com/tenantrepo/tenantrepo/entity"
)

// A cursor is base64url(payload || mac). The payload holds a version byte and
// the key strings of the last item a page evaluated, or of the last item it
// returned when the one evaluated was not the tenant's entity of the type
// (see scope); never the partition key, which comes from the context. The
// MAC is HMAC-SHA256 over the tenant ID, the entity prefix and the payload,
// truncated to macLen bytes: a cursor made for another tenant or type, or
// changed by a single bit, fails to verify. Tenant isolation never rests on
// the MAC: the partition, or index partition, a query reads always comes
// from the context, and every item it returns is checked to be stored in
// the context's tenant's partition (see Repository.page). The MAC keeps
// cursors opaque and makes misuse an error instead of a quiet wrong page.
const (
	cursorVersion = 1
	macLen        = 16
)

// The longest cursor the repository makes, from DynamoDB's key limits. An
// index cursor holds four key strings: the index name, at most a partition
// key long (it is part of the index partition key); the table sort key;
// the index partition key; the index sort key. Each has a length prefix of
// at most two bytes (a uvarint below 2^14). decode refuses longer cursors
// unread, and accepts every cursor encode makes for keys DynamoDB accepts.
const (
	maxLenPrefix     = 2
	maxCursorPayload = 1 + 2*(maxLenPrefix+entity.MaxPartitionKeyBytes) + 2*(maxLenPrefix+entity.MaxSortKeyBytes)
	// maxCursorLen is the base64url length (no padding) of the longest
	// payload and its MAC: 8 bits a byte, 6 a character, rounded up.
	maxCursorLen = ((maxCursorPayload+macLen)*8 + 5) / 6
)

// defaultCursorKey signs cursors when Options.CursorKey is not set. It is
// public (it is in this source), so it protects against mistakes, not
// forgery; set a secret key to make cursors unforgeable.
var defaultCursorKey = []byte("tenantrepo cursor key v1")

var errBadCursor = errors.New("cursor does not verify")

// cursorCodec signs and checks cursors for one repository.
type cursorCodec struct {
	key    []byte
	prefix string
	// macs holds HMACs keyed with key, ready to Reset and use, when set
	// (see newCursorCodec): keying one hashes the key, which need not be
	// done for every cursor.
	macs *sync.Pool
}

func newCursorCodec(key []byte, prefix string) cursorCodec {
	key = bytes.Clone(key)
	return cursorCodec{key: key, prefix: prefix, macs: &sync.Pool{
		New: func() any { return hmac.New(sha256.New, key) },
	}}
}

func (c cursorCodec) mac(tenant string, payload []byte) []byte {
	var m hash.Hash
	if c.macs != nil {
		m = c.macs.Get().(hash.Hash)
		m.Reset()
		defer c.macs.Put(m)
	} else {
		m = hmac.New(sha256.New, c.key)
	}
	var buf [256]byte
	msg := buf[:0]
	for _, part := range [...]string{tenant, c.prefix} {
		msg = binary.AppendUvarint(msg, uint64(len(part)))
		msg = append(msg, part...)
	}
	msg = append(msg, payload...)
	m.Write(msg)
	var sum [sha256.Size]byte
	return append([]byte(nil), m.Sum(sum[:0])[:macLen]...)
}

// encode returns the cursor for the key strings parts, made for tenant.
func (c cursorCodec) encode(tenant string, parts ...string) string {
	payload := []byte{cursorVersion}
	for _, p := range parts {
		payload = binary.AppendUvarint(payload, uint64(len(p)))
		payload = append(payload, p...)
	}
	return base64.RawURLEncoding.EncodeToString(append(payload, c.mac(tenant, payload)...))
}

// decode checks a cursor made by encode for the same tenant and returns its
// key strings, wantParts of them.
func (c cursorCodec) decode(tenant, cursor string, wantParts int) ([]string, error) {
	if len(cursor) > maxCursorLen {
		return nil, errors.New("cursor too long")
	}
	raw, err := base64.RawURLEncoding.DecodeString(cursor)
	if err != nil {
		return nil, errors.New("cursor is not base64url")
	}
	if len(raw) < 1+macLen {
		return nil, errors.New("cursor too short")
	}
	payload, sum := raw[:len(raw)-macLen], raw[len(raw)-macLen:]
	if !hmac.Equal(sum, c.mac(tenant, payload)) {
		return nil, errBadCursor
	}
	if payload[0] != cursorVersion {
		return nil, errors.New("unknown cursor version")
	}
	rest := payload[1:]
	parts := make([]string, 0, wantParts)
	for len(rest) > 0 {
		n, w := binary.Uvarint(rest)
		if w <= 0 || n > uint64(len(rest)-w) {
			return nil, errors.New("cursor payload is malformed")
		}
		part := rest[w : w+int(n)]
		if !utf8.Valid(part) {
			// Every key string is UTF-8; the backends refuse others.
			return nil, errors.New("cursor payload is not valid UTF-8")
		}
		parts = append(parts, string(part))
		rest = rest[w+int(n):]
	}
	if len(parts) != wantParts {
		return nil, errors.New("cursor is for another kind of query")
	}
	return parts, nil
}
