package bench

import (
	"bytes"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/tenantrepo/tenantrepo/internal/dynamotest"
)

// localProcess returns the /proc/<pid>/stat path of the DynamoDB Local
// process that DYNAMODB_ENDPOINT names (the java process started with
// DynamoDBLocal.jar and -port <its port>), or "" when there is none to
// be found (another platform, another user's process).
func localProcess() string {
	u, err := url.Parse(os.Getenv(dynamotest.EnvEndpoint))
	if err != nil || u.Port() == "" {
		return ""
	}
	want := []byte("\x00-port\x00" + u.Port() + "\x00")
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	for _, d := range dirs {
		cmd, err := os.ReadFile(filepath.Join(d, "cmdline"))
		if err != nil || !bytes.Contains(cmd, []byte("DynamoDBLocal")) || !bytes.Contains(cmd, want) {
			continue
		}
		return filepath.Join(d, "stat")
	}
	return ""
}

// processCPU returns the CPU time (user and system) the process of the
// stat file has used, in clock ticks of 10 ms, and false when it cannot
// read it.
func processCPU(stat string) (int64, bool) {
	if stat == "" {
		return 0, false
	}
	b, err := os.ReadFile(stat)
	if err != nil {
		return 0, false
	}
	// The fields after the command name in parentheses, which may hold
	// spaces: utime and stime are the 14th and 15th fields of the line.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, false
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0, false
	}
	ut, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	return ut + st, err1 == nil && err2 == nil
}
