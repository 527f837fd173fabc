// Package bench holds the project's benchmarks, which `make bench` and
// `make bench-ops` run (scripts/bench.sh; results and method in
// BENCHMARKS.md at the root of the module):
//
//   - BenchmarkCanned: Get, Put and one 100-item Query page through a
//     repository on the DynamoDB backend and through hand-written
//     aws-sdk-go-v2 code doing the same work, both over one in-process HTTP
//     transport that answers with canned DynamoDB responses (CPU cost
//     without network noise); TestCannedSameWork checks that both sides
//     send the same requests;
//   - BenchmarkCodec: Get, Put and a 100-item List page through a
//     repository with its per-type codec (internal/codec) and through one
//     made with it switched off (attributevalue only), over the canned
//     transport and on the memory backend;
//   - BenchmarkStub: the same over a stub API without the SDK, each side's
//     own work;
//   - BenchmarkLocal: the same against DynamoDB Local (DYNAMODB_ENDPOINT);
//   - BenchmarkMemory: Get, Put and List pages of 100 on the memory
//     backend at 1k, 100k and 1M items, in one tenant and spread over 1,000
//     tenants, and BenchmarkOrderedTree, its yardstick;
//   - BenchmarkLocalBatch: 10,000 items written with one Put each and with
//     BatchPut, and read back with BatchGet, against DynamoDB Local;
//   - BenchmarkLocalOps: ops.Purge and ops.Export of a tenant of 10,000
//     items against DynamoDB Local, each beside a hand-written
//     aws-sdk-go-v2 baseline doing the same work (ops_baseline_test.go),
//     in items/s; the baseline's export must give the same bytes;
//   - BenchmarkMemoryExport: ops.Export of 10,000 and 100,000 items on the
//     memory backend, with the peak heap sampled during the export.
//
// BenchmarkCanned, BenchmarkStub, BenchmarkLocal and BenchmarkCodec report,
// besides ns/op, the process's CPU time per op (cpu-ns/op; against DynamoDB
// Local, the client's alone), which other load on a shared machine changes
// less than the wall time. The package has no code of its own beyond this
// comment: the benchmarks are in its test files.
package bench
