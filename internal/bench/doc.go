// Package bench holds the project's benchmarks (run by `make bench`, see
// scripts/bench.sh and BENCHMARKS.md at the root of the module):
//
//   - BenchmarkCanned: Get, Put and one 100-item Query page through a
//     repository on the DynamoDB backend and through hand-written
//     aws-sdk-go-v2 code doing the same work, both over one in-process HTTP
//     transport that answers with canned DynamoDB responses (CPU cost
//     without network noise);
//   - BenchmarkLocal: the same against DynamoDB Local (DYNAMODB_ENDPOINT);
//   - BenchmarkMemory: Get, Put and a List page of 100 on the memory
//     backend at 1k, 100k and 1M items, in one tenant and spread over 1,000
//     tenants;
//   - BenchmarkLocalBatch: 10,000 items written with BatchPut and with one
//     Put each, and read back with BatchGet, against DynamoDB Local.
//
// The package has no code of its own beyond this comment: the benchmarks
// are in its test files.
package bench
