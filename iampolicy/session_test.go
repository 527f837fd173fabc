package iampolicy_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantrepo/tenantrepo/entity"
	"github.com/tenantrepo/tenantrepo/iampolicy"
)

// SessionPolicy gives ForTenant's document as a string, and its errors.
func TestSessionPolicy(t *testing.T) {
	arn := "arn:aws:dynamodb:eu-west-1:123456789012:table/shop"
	fn := iampolicy.SessionPolicy(arn)
	got, err := fn("acme")
	require.NoError(t, err)
	d, err := iampolicy.ForTenant(arn, "acme")
	require.NoError(t, err)
	want, err := d.JSON()
	require.NoError(t, err)
	assert.Equal(t, string(want), got)

	_, err = fn("a#b")
	assert.ErrorIs(t, err, entity.ErrInvalidTenant)
	_, err = iampolicy.SessionPolicy("not an arn")("acme")
	assert.ErrorIs(t, err, iampolicy.ErrInvalidARN)
}
