package awsconfig

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestIsLoopback(t *testing.T) {
	for ep, want := range map[string]bool{
		"http://127.0.0.1:8000": true, "http://localhost:8000": true, "http://LOCALHOST": true,
		"http://[::1]:8000": true, "http://127.9.9.9": true,
		"https://dynamodb.eu-west-1.amazonaws.com": false, "http://10.0.0.1:8000": false,
		"http://localhost.example.com": false, "::not a url": false,
	} {
		assert.Equal(t, want, IsLoopback(ep), ep)
	}
}

// clean makes the environment say nothing of AWS, and hides the machine's
// shared config files.
func clean(t *testing.T) {
	none := filepath.Join(t.TempDir(), "none")
	for _, k := range []string{"AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"} {
		t.Setenv(k, "")
	}
	t.Setenv("AWS_CONFIG_FILE", none)
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", none)
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
}

func TestStatic(t *testing.T) {
	clean(t)
	cfg := Static("http://127.0.0.1:8000")
	assert.Equal(t, DefaultRegion, cfg.Region)
	c, err := cfg.Credentials.Retrieve(t.Context())
	require.NoError(t, err)
	assert.Equal(t, "local", c.AccessKeyID)

	t.Setenv("AWS_REGION", "eu-west-1")
	t.Setenv("AWS_ACCESS_KEY_ID", "AKID")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
	cfg = Static("http://127.0.0.1:8000")
	assert.Equal(t, "eu-west-1", cfg.Region)
	c, err = cfg.Credentials.Retrieve(t.Context())
	require.NoError(t, err)
	assert.Equal(t, "AKID", c.AccessKeyID)
}

func TestLoad(t *testing.T) {
	clean(t)
	cfg, err := Load(t.Context(), "http://127.0.0.1:8000", "")
	require.NoError(t, err)
	assert.Equal(t, DefaultRegion, cfg.Region)
	assert.Equal(t, "http://127.0.0.1:8000", *cfg.BaseEndpoint)
	c, err := cfg.Credentials.Retrieve(t.Context())
	require.NoError(t, err)
	assert.Equal(t, "local", c.AccessKeyID, "a loopback endpoint without credentials gets the dummy ones")

	cfg, err = Load(t.Context(), "", "eu-central-1")
	require.NoError(t, err)
	assert.Equal(t, "eu-central-1", cfg.Region)
	assert.Nil(t, cfg.BaseEndpoint)

	_, err = Load(t.Context(), "", "")
	assert.ErrorIs(t, err, ErrNoRegion)
}
