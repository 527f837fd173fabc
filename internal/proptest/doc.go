// Package proptest holds property-based tests, written with
// pgregory.net/rapid, of package repo on both backends. It has no code of
// its own beyond this documentation: everything is in its _test.go files.
//
// # The tests
//
// TestIsolationMemory and TestIsolationDynamoDBLocal run random sequences
// of every repository operation (Create, Get, Put, Update, UpdateExpr,
// Delete, Query and List with every key condition, index Query (through
// Repository.Index), QueryAll, index All, BatchGet, BatchPut, BatchDelete
// and Transact with mixed
// actions) on three entity types, one of them with two secondary indexes,
// and the tenant operations of package ops (Purge, Copy to another of the
// sequence's tenants, Export piped into Import as another tenant, Reindex,
// Stats; tenantops_test.go), which act on whole partitions: the model
// says what each leaves in every tenant, including when renamed keys
// would break DynamoDB's limits (nothing written) and when a copy's
// destination held other items (ErrVerify).
// Each sequence has three to five tenants: "a" and others drawn from "ab",
// "A", "a ", "ä", "テナント", "tenant", the longest valid tenant ID and a
// 1000-byte prefix of it; they share entity IDs ("a", "ab", "A", "é",
// "😀", a 1000-byte ID, ...). Ops use cursors their pages returned,
// replayed as they are, under another tenant, type, index or partition,
// changed, signed by the test with the repositories' key (a forger who
// knows the key), or garbage. A model (a map per tenant and type) says
// what every step must return: entities, their order, each page's items
// and whether it has a cursor, and the kind of every error (errors.Is
// against the repo sentinels, and for a transaction each action's kind
// and cancellation code). After every step that writes (every 16th on
// DynamoDB Local) and at the end of a sequence, everything every tenant
// holds, each type and index partition, is compared with the model too.
//
// TestDifferential runs the same kind of sequences on the memory backend
// and on DynamoDB Local side by side and compares every step's results
// exactly: entities and their order, pages, cursors byte for byte (so the
// key each page stopped at), error kinds, and raw backend.Query pages of
// the table and of the indexes with their LastKey; every 16 steps and at
// the end it compares every stored item of every tenant, index keys
// included. Its sequences also write raw items through the backend
// (fidelity_test.go): numbers of every spelling, size and sign, valid or
// not, documents nested around the 32-level limit, items within bytes of
// 400 KB, names and map keys with dots, and conditions near the limits of
// expressions, so that the backends are compared at the edges of
// DynamoDB's data model too.
//
// TestCapacityDifferential runs random sequences of backend requests
// (puts of sizes around 1 KB, 2 KB, 4 KB and 8 KB with ASCII or multi-byte
// padding and numbers, index keys set, changed and removed, updates,
// deletes, gets, table and index queries with limits and filters, scans,
// batches and transactions, with conditions that hold or fail) on the
// memory backend and on DynamoDB Local, each request with a meter of its
// own, and requires the same consumed capacity, table and index by index,
// request by request (backend.Usage; see backend/capacity.go). Its test
// documentation lists what DynamoDB Local does that the rules do not, and
// how the test sets it apart. By default it runs 50 sequences of 50 steps
// on average (about 5 s).
//
// The DynamoDB Local tests need DYNAMODB_ENDPOINT (see package
// internal/dynamotest): without it they are skipped, or fail when
// CI=true. The DynamoDB Local tests use one table each, emptied after each
// sequence.
//
// # Running them
//
//	go test ./internal/proptest/                                    # memory only
//	scripts/dynamodb-local.sh with -- go test ./internal/proptest/  # and DynamoDB Local
//
// By default TestIsolationMemory runs 100 sequences of 60 steps on
// average, and at least 2,000 steps; the DynamoDB Local tests run 15
// sequences of 25 steps on average each. To run longer:
//
//	TENANTREPO_PROP_STEPS=100000 go test -run TestIsolationMemory ./internal/proptest/
//	TENANTREPO_PROP_STEPS=5000 scripts/dynamodb-local.sh with -- go test -run 'DynamoDBLocal|Differential' -timeout 1h ./internal/proptest/
//
// TENANTREPO_PROP_STEPS=n runs about n steps in each test (n divided by
// the average sequence length sequences, and more until n steps have
// run). rapid's own flags and variables work too and take precedence:
// -rapid.checks (RAPID_CHECKS) sequences, -rapid.steps (RAPID_STEPS) steps
// per sequence on average, for every test the run selects:
//
//	go test ./internal/proptest/ -run TestIsolationMemory -rapid.checks=2000 -rapid.steps=200
//
// -short divides rapid's sequences by 5 and steps by 2, and drops the
// 2,000-step minimum. The tests log how many sequences and steps ran and
// how long they took, and with -v the steps by operation and outcome (how
// many cursors of another tenant were refused, say) and the time by
// operation.
//
// # When a test fails
//
// rapid shrinks the failing sequence and prints it, one step to a line
// with its tenant, the call and what it returned, then the step that
// failed with what was expected (the model's result, or DynamoDB Local's)
// and where the two differ. It saves the failing input under
// testdata/rapid/<test>/ and replays it first on every later run until the
// file is deleted; -rapid.failfile=<file> or -rapid.seed=<n> (both
// printed) replays it alone, and -rapid.nofailfile saves nothing. On
// DynamoDB Local, shrinking stops after rapid's -rapid.shrinktime (30s by
// default): a longer one gives a shorter sequence.
//
// # What the model holds the repository to
//
// Besides package repo's documentation, the model follows DynamoDB as
// DynamoDB Local 3.3.0 behaves, which the memory backend copies (see
// package backend/memory and the conformance suite):
//
//   - a page that stops at its Limit has a cursor even when nothing
//     follows (its next page is empty, without a cursor), except a table
//     query whose last item is on the BETWEEN bound it reads towards; a
//     page cut at 1 MB (the item reaching it included) has one only when
//     more of the range follows; pages evaluate the items a > or <
//     condition excludes, so an index page can hold fewer than its limit;
//   - a cursor is refused (ErrInvalidCursor) unless it verifies for the
//     context's tenant and the type, is of the same kind of query (table or
//     index, same index and partition), and its position is in the query's
//     range, and for a table query not on the BETWEEN bound it reads
//     towards;
//   - items with equal index sort values come in DynamoDB Local's order
//     (a salted SHA-1 of their table keys; DynamoDB promises none);
//   - a transaction whose conditions fail reports every failed action; an
//     update in it that cannot be applied to its item (SET count = count +
//     1 without count) fails the whole request (ErrInvalidArgument), one
//     that makes its item too large cancels it with a ValidationError for
//     the action;
//   - an update whose values alone reach 400 KB is refused
//     (ErrItemTooLarge) before the item is read; one that makes the item
//     too large is ErrItemTooLarge once its condition holds.
//
// # Known differences of DynamoDB Local
//
// Steps that would meet a documented difference between DynamoDB Local
// and DynamoDB, where the memory backend follows DynamoDB, are not run on
// either backend (TestDifferential, TestIsolationDynamoDBLocal); they are
// listed by name, with the reason, in knownDifferences in
// differential_test.go and counted in the tests' logs. The comparison is
// never loosened. At present: local-rewrites-nested-number-sets
// (fidelity_test.go).
//
// Others cannot be met through package repo, which refuses the input
// before a backend sees it: local-keeps-number-spelling (DynamoDB Local
// stores a number as the update wrote it, "13.0", "1.3e1", "+13", "-0",
// where DynamoDB and the memory backend store a top-level number
// normalized, "13", "0"; UpdateExpr takes a number for an integer field
// such as count only spelled as DynamoDB returns it); two actions on one
// item in a transaction (DynamoDB Local cancels it with
// ConditionalCheckFailed when a condition fails, DynamoDB refuses it with
// a ValidationException), and the plain attribute names "size" and
// "convert" (the repository sends every name as a placeholder).
package proptest
