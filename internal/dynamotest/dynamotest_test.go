package dynamotest

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestCheckLoopback(t *testing.T) {
	for _, ep := range []string{
		"http://127.0.0.1:8000",
		"http://127.0.0.1",
		"http://127.1.2.3:9000/",
		"http://localhost:8000",
		"http://LOCALHOST:8000",
		"https://localhost",
		"http://[::1]:8000",
	} {
		assert.NoError(t, checkLoopback(ep), ep)
	}
	for _, ep := range []string{
		"",
		"127.0.0.1:8000", // no scheme
		"localhost:8000", // parses with scheme "localhost"
		"ftp://127.0.0.1:8000",
		"http://10.0.0.1:8000",
		"http://192.168.1.10:8000",
		"http://0.0.0.0:8000",
		"https://dynamodb.us-east-1.amazonaws.com",
		"http://localhost.example.com:8000",
		"http://127.0.0.1.example.com",
		"http://[::2]:8000",
		"http://[::ffff:10.0.0.1]:8000",
	} {
		assert.Error(t, checkLoopback(ep), ep)
	}
}

func TestTableName(t *testing.T) {
	a, b := TableName(t), TableName(t)
	assert.Regexp(t, `^t_[0-9a-f]{16}$`, a)
	assert.NotEqual(t, a, b)
}

func TestNewTable(t *testing.T) {
	b := NewTable(t)
	assert.Regexp(t, `^t_[0-9a-f]{16}$`, b.Table())
	// Creating the table again is fine.
	assert.NoError(t, b.EnsureTable(t.Context()))
}
