// Command tenantctl runs the tenant data operations of package ops from a
// shell: stats, purge, export, import, copy, reindex and tenants, on a
// DynamoDB table or, for trying it, on the in-memory backend; and policy,
// which prints the IAM policy of a tenant-scoped role (package iampolicy).
//
//	go run ./cmd/tenantctl --memory-seed demo stats --tenant acme
//	go run ./cmd/tenantctl --endpoint http://127.0.0.1:8000 --table shop \
//	    purge --tenant acme --yes
//
// Every subcommand takes the tenant from --tenant, except the operator
// commands (tenants, reindex --all), which take --operator-reason instead.
// The destructive ones (purge, import, copy, reindex) do nothing without
// --yes. Progress goes to stderr: a progress bar on a terminal, plain lines
// otherwise. With --json, stdout holds one JSON summary object at the end.
// The exit code says what happened: 0 done, 1 failed, 2 usage error,
// 3 refused (no --yes), 4 verification failed, 5 interrupted (the summary
// holds the checkpoint to resume from). `tenantctl help` lists them all,
// and `tenantctl <command> -h` shows each command's flags and an example.
//
// Flags are spelled with two dashes (--tenant), as cobra does; one dash
// works too (-tenant), as with Go's flag package.
package main
