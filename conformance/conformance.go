package conformance

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tenantrepo/tenantrepo/backend"
	"github.com/tenantrepo/tenantrepo/entity"
	"github.com/tenantrepo/tenantrepo/repo"
	"github.com/tenantrepo/tenantrepo/tenantctx"
)

// NewBackend makes a new, empty backend for one test, standing for a table
// of its own. It may call t.Cleanup to release the backend, and t.Fatal when
// it cannot make one. The suite calls it from parallel subtests.
type NewBackend func(t *testing.T) backend.Backend

// Capabilities are the parts of the backend contract a backend claims, as a
// set of bits. A case about a part a backend does not claim is skipped, with
// t.Skip and the reason; a backend that claims a part must pass every case
// about it.
type Capabilities uint

const (
	// Indexes: the backend keeps all backend.MaxIndexes secondary indexes
	// (GSI1 ... GSI5) and queries them (QueryInput.Index).
	Indexes Capabilities = 1 << iota
	// Batches: BatchGet and BatchWrite.
	Batches
	// Transactions: TransactWrite.
	Transactions
	// DynamoDBLocalFidelity: the backend does what DynamoDB Local 3.3.0
	// does where DynamoDB promises nothing: the order of items with equal
	// index sort keys (by SHA-1 of their table keys), whether a page that
	// stops at its Limit on the last item of its range carries a LastKey,
	// which start keys are refused, where exactly a page is cut at 1 MB,
	// and the exact byte sizes of numbers. Only this module's memory and
	// DynamoDB backends claim it: they are held to each other by it.
	DynamoDBLocalFidelity
	// Scan: the backend is a backend.Scanner (the whole table, in
	// parallel segments), which operator-scoped operations need. It is
	// optional, and not part of Contract.
	Scan
	// Capacity: the backend charges every request to the context's meter
	// (backend.Charge) with the capacity DynamoDB reports for it (table
	// and each index), by the rules of backend/capacity.go. Only this
	// module's memory and DynamoDB backends claim it.
	Capacity

	// SharedTable: the backend is one table for every tenant. A request
	// may name keys of any partition, of several tenants at once, or of
	// no tenant at all, and an index partition gathers the items of every
	// partition that name it. A router over several tables (package
	// route) does not claim it: it refuses a request whose keys are of
	// two tenants or of no tenant (backend.ErrInvalidArgument), and a
	// tenant's index partition holds only the items of that tenant's
	// partition. Cases read and write such keys only when it is claimed, and
	// else check that they are refused.
	SharedTable

	// Contract is every part of the contract: what a complete backend
	// claims. The optional parts (Scan) and DynamoDBLocalFidelity are
	// claimed on their own.
	Contract = Indexes | Batches | Transactions | SharedTable
)

// Harness says how to make the backend under test and what it claims.
type Harness struct {
	NewBackend   NewBackend
	Capabilities Capabilities
	// Select, when set, picks the cases to run by name ("Backend/Query",
	// "Isolation/Tenants", ...): the others are not run at all. A backend
	// whose cases are slow to set up runs a few in short test runs and
	// all of them in long ones. Nil runs every case.
	Select func(name string) bool
}

// Run runs every case of the contract (Contract: every capability but
// DynamoDBLocalFidelity) against backends made by newBackend. It is
// RunHarness with Harness{newBackend, Contract}.
func Run(t *testing.T, newBackend NewBackend) {
	t.Helper()
	RunHarness(t, Harness{NewBackend: newBackend, Capabilities: Contract})
}

// RunHarness runs every conformance case against backends made by
// h.NewBackend, each case as a parallel subtest with a backend of its own,
// and skips, with the reason, the cases about capabilities h does not
// claim. The whole suite is listed here, case by case.
//
// The Backend/... cases call the backend contract directly and hold it to
// DynamoDB's semantics; the others drive it through package repo, as
// applications do, and check the repository's behaviour and tenant
// isolation on it.
func RunHarness(t *testing.T, h Harness) {
	t.Helper()
	s := &suite{h: h}
	const (
		ix  = Indexes
		bat = Batches
		tx  = Transactions
		fid = DynamoDBLocalFidelity
		sc  = Scan
		cu  = Capacity
	)

	// The backend contract, called directly: single items.
	s.run(t, "Backend/PutGetRoundTrip", 0, backendPutGetRoundTrip)
	s.run(t, "Backend/PutConditions", 0, backendPutConditions)
	s.run(t, "Backend/Update", 0, backendUpdate)
	s.run(t, "Backend/UpdateNoChange", 0, backendUpdateNoChange)
	s.run(t, "Backend/UpdateInvalid", 0, backendUpdateInvalid)
	s.run(t, "Backend/Delete", 0, backendDelete)
	s.run(t, "Backend/ItemTooLarge", 0, backendItemTooLarge)
	s.run(t, "Backend/InvalidArgument", 0, backendInvalidArgument)
	s.run(t, "Backend/ContextErrors", 0, backendContextErrors)
	s.run(t, "Backend/NumbersNormalized", 0, backendNumbersNormalized)
	s.run(t, "Backend/InvalidUTF8Refused", ix|bat|tx, backendInvalidUTF8Refused)
	// Queries of the table.
	s.run(t, "Backend/Query", 0, backendQuery)
	s.run(t, "Backend/QueryPaging", 0, backendQueryPaging)
	s.run(t, "Backend/QueryLimitAtEnd", fid, backendQueryLimitAtEnd)
	s.run(t, "Backend/QueryStartKeyOutsideRange", fid, backendQueryStartKeyOutsideRange)
	s.run(t, "Backend/QueryPageOverOneMB", fid, backendQueryPageOverOneMB)
	// Batches.
	s.run(t, "Backend/BatchRoundTrip", bat, backendBatchRoundTrip)
	s.run(t, "Backend/BatchLimits", bat, backendBatchLimits)
	s.run(t, "Backend/BatchWriteInvalidItems", bat, backendBatchWriteInvalidItems)
	// Condition, update and filter expressions.
	s.run(t, "Backend/ExprConditions", 0, backendExprConditions)
	s.run(t, "Backend/ExprConditionsMissingItem", 0, backendExprConditionsMissingItem)
	s.run(t, "Backend/ExprConditionsInvalid", 0, backendExprConditionsInvalid)
	s.run(t, "Backend/ExprUpdateActions", 0, backendExprUpdateActions)
	s.run(t, "Backend/ExprUpdateCreates", 0, backendExprUpdateCreates)
	s.run(t, "Backend/ExprUpdateErrors", 0, backendExprUpdateErrors)
	s.run(t, "Backend/ExprUpdateValuesTooLarge", 0, backendExprUpdateValuesTooLarge)
	s.run(t, "Backend/ExprQueryFilter", 0, backendExprQueryFilter)
	s.run(t, "Backend/ExprQueryFilterInvalid", 0, backendExprQueryFilterInvalid)
	// DynamoDB's data model: names, numbers, nesting, limits.
	s.run(t, "Backend/FidelityDottedNames", 0, backendFidelityDottedNames)
	s.run(t, "Backend/FidelityNumberSyntax", 0, backendFidelityNumberSyntax)
	s.run(t, "Backend/FidelityNumberSizes", fid, backendFidelityNumberSizes)
	s.run(t, "Backend/FidelityNumberSizesPageCut", fid, backendFidelityNumberSizesPageCut)
	s.run(t, "Backend/FidelityNestingLevels", 0, backendFidelityNestingLevels)
	s.run(t, "Backend/FidelityExpressionLimits", 0, backendFidelityExpressionLimits)
	s.run(t, "Backend/FidelityWriteSizes", fid, backendFidelityWriteSizes)
	s.run(t, "Backend/FidelityEmptyValues", 0, backendFidelityEmptyValues)
	s.run(t, "Backend/FidelityNameLengths", 0, backendFidelityNameLengths)
	// Secondary indexes.
	s.run(t, "Backend/IndexSparse", ix, backendIndexSparse)
	s.run(t, "Backend/IndexOrder", ix, backendIndexOrder)
	s.run(t, "Backend/IndexPaging", ix|fid, backendIndexPaging)
	s.run(t, "Backend/IndexLimitAtEnd", ix|fid, backendIndexLimitAtEnd)
	s.run(t, "Backend/IndexStartKeys", ix|fid, backendIndexStartKeys)
	s.run(t, "Backend/IndexPageOverOneMB", ix|fid, backendIndexPageOverOneMB)
	s.run(t, "Backend/IndexMoves", ix, backendIndexMoves)
	s.run(t, "Backend/IndexDelete", ix|bat|tx, backendIndexDelete)
	s.run(t, "Backend/IndexBatchAndTx", ix|bat|tx, backendIndexBatchAndTx)
	s.run(t, "Backend/IndexFilter", ix, backendIndexFilter)
	s.run(t, "Backend/IndexInvalidKeys", ix|bat|tx, backendIndexInvalidKeys)
	s.run(t, "Backend/IndexInvalidQuery", ix, backendIndexInvalidQuery)
	s.run(t, "Backend/IndexKeyConditionBounds", ix|fid, backendIndexKeyConditionBounds)
	// Transactions.
	s.run(t, "Backend/TxAllOrNothing", tx, backendTxAllOrNothing)
	s.run(t, "Backend/TxReasons", tx, backendTxReasons)
	s.run(t, "Backend/TxCheck", tx, backendTxCheck)
	s.run(t, "Backend/TxInvalid", tx, backendTxInvalid)
	s.run(t, "Backend/TxUpdateErrors", tx, backendTxUpdateErrors)
	s.run(t, "Backend/TxToken", tx, backendTxToken)
	// Scans of the whole table (optional).
	s.run(t, "Backend/ScanEveryItemOnce", sc, backendScanEveryItemOnce)
	s.run(t, "Backend/ScanKeysOnly", sc, backendScanKeysOnly)
	s.run(t, "Backend/ScanResume", sc, backendScanResume)
	s.run(t, "Backend/ScanDeletedStartKey", sc, backendScanDeletedStartKey)
	s.run(t, "Backend/ScanInvalid", sc, backendScanInvalid)
	s.run(t, "Backend/ScanPageOverOneMB", sc|fid, backendScanPageOverOneMB)
	// Consumed capacity, request by request.
	s.run(t, "Capacity/SingleItems", cu, capacitySingleItems)
	s.run(t, "Capacity/IndexWrites", cu|ix, capacityIndexWrites)
	s.run(t, "Capacity/UnitsMeter", cu|ix, capacityUnitsMeter)
	s.run(t, "Capacity/Queries", cu|ix, capacityQueries)
	s.run(t, "Capacity/Batches", cu|ix|bat, capacityBatches)
	s.run(t, "Capacity/Transactions", cu|ix|tx, capacityTransactions)
	s.run(t, "Capacity/FailedConditions", cu|ix|tx, capacityFailedConditions)
	s.run(t, "Capacity/UTF8AndNumbers", cu|ix, capacityUTF8AndNumbers)
	s.run(t, "Capacity/Scan", cu|sc, capacityScan)

	// Through package repo: single entities.
	s.run(t, "Create/AssignsUUID", 0, caseCreateAssignsUUID)
	s.run(t, "Create/KeepsGivenID", 0, caseCreateKeepsGivenID)
	s.run(t, "Create/AlreadyExists", 0, caseCreateAlreadyExists)
	s.run(t, "Create/TypeWithoutSetterNeedsID", 0, caseCreateTypeWithoutSetterNeedsID)
	s.run(t, "Get/NotFound", 0, caseGetNotFound)
	s.run(t, "Put/CreatesAndReplaces", 0, casePutCreatesAndReplaces)
	s.run(t, "Put/NeedsID", 0, casePutNeedsID)
	s.run(t, "Update/ChangesOnlyNamedAttributes", 0, caseUpdateChangesOnlyNamedAttributes)
	s.run(t, "Update/EmptyOmittedValueRemoves", 0, caseUpdateEmptyOmittedValueRemoves)
	s.run(t, "Update/NeverCreates", 0, caseUpdateNeverCreates)
	s.run(t, "Update/BadAttributeNames", 0, caseUpdateBadAttributeNames)
	s.run(t, "Delete/RemovesAndIsIdempotent", 0, caseDeleteRemovesAndIsIdempotent)
	s.run(t, "InvalidIDs", 0, caseInvalidIDs)
	s.run(t, "ItemSizeLimit", 0, caseItemSizeLimit)
	s.run(t, "UpdateBeyondItemSizeLimit", 0, caseUpdateBeyondItemSizeLimit)
	s.run(t, "NoTenant", 0, caseNoTenant)
	s.run(t, "InvalidTenants", 0, caseInvalidTenants)
	s.run(t, "CancelledContext", 0, caseCancelledContext)
	s.run(t, "CallerNeverSharesMemory", 0, caseCallerNeverSharesMemory)
	s.run(t, "UnusableTypes", 0, caseUnusableTypes)
	s.run(t, "FidelityDottedAttributeNames", 0, fidelityDottedAttributeNames)
	// Conditions, updates, versions, expiry.
	s.run(t, "Conditions/EveryWrite", 0, caseConditionsEveryWrite)
	s.run(t, "Conditions/Invalid", 0, caseConditionsInvalid)
	s.run(t, "UpdateExpr/Actions", 0, caseUpdateExprActions)
	s.run(t, "UpdateExpr/RefusesEmptyForms", 0, caseUpdateExprRefusesEmptyForms)
	s.run(t, "Versioning/StaleCopiesConflict", 0, caseVersioningStaleCopiesConflict)
	s.run(t, "Versioning/ConcurrentCounter", 0, caseVersioningConcurrentCounter)
	s.run(t, "Expiry/ExpiredIsAbsent", bat, caseExpiryExpiredIsAbsent)
	s.run(t, "Expiry/NoEmptyPagesMidway", 0, caseExpiryNoEmptyPagesMidway)
	// Lists, queries, cursors.
	s.run(t, "List/OrderAndPaging", 0, caseListOrderAndPaging)
	s.run(t, "List/Empty", 0, caseListEmpty)
	s.run(t, "List/PageSizeBounds", 0, caseListPageSizeBounds)
	s.run(t, "List/OneMegabytePages", 0, caseListOneMegabytePages)
	s.run(t, "Query/Conditions", 0, caseQueryConditions)
	s.run(t, "Query/InvalidConditions", 0, caseQueryInvalidConditions)
	s.run(t, "Query/MaxSizeKeysCursorsRoundTrip", ix, caseQueryMaxSizeKeysCursorsRoundTrip)
	s.run(t, "All/IteratesEveryPage", 0, caseAllIteratesEveryPage)
	s.run(t, "Cursors/Invalid", 0, caseCursorsInvalid)
	// Batches and transactions.
	s.run(t, "Batch/RoundTripThousand", bat, caseBatchRoundTripThousand)
	s.run(t, "Batch/BadInputWritesNothing", bat, caseBatchBadInputWritesNothing)
	s.run(t, "Tx/AtomicAcrossTypes", tx, caseTxAtomicAcrossTypes)
	s.run(t, "Tx/EveryActionKind", tx, caseTxEveryActionKind)
	s.run(t, "Tx/RulesCheckedBeforeSending", tx, caseTxRulesCheckedBeforeSending)
	s.run(t, "Tx/StaysInTenant", tx, caseTxStaysInTenant)
	// Indexes through the repository.
	s.run(t, "Index/QueryOrderAndConditions", ix, caseIndexQueryOrderAndConditions)
	s.run(t, "Index/UpdateMovesBetweenPartitions", ix, caseIndexUpdateMovesBetweenPartitions)
	s.run(t, "Index/DeletesLeaveNothing", ix|bat|tx, caseIndexDeletesLeaveNothing)
	s.run(t, "Index/EveryWritePathIndexes", ix|bat|tx, caseIndexEveryWritePathIndexes)
	s.run(t, "Index/TenantsNeverMix", ix, caseIndexTenantsNeverMix)
	s.run(t, "Index/KeysThatDoNotFit", ix, caseIndexKeysThatDoNotFit)
	s.run(t, "Index/CursorsDoNotCross", ix, caseIndexCursorsDoNotCross)
	s.run(t, "Index/InvalidUse", ix, caseIndexInvalidUse)
	// Tenant isolation, interoperation, decoding, concurrency.
	s.run(t, "Isolation/Tenants", 0, caseIsolationTenants)
	s.run(t, "Isolation/WritesStayInTenant", 0, caseIsolationWritesStayInTenant)
	s.run(t, "Isolation/CursorsStayInTenant", 0, caseIsolationCursorsStayInTenant)
	s.run(t, "Isolation/EntityTypes", 0, caseIsolationEntityTypes)
	s.run(t, "Isolation/HostileContextTenant", ix|bat|tx, caseIsolationHostileContextTenant)
	s.run(t, "Isolation/IndexPlantedItems", ix, caseIsolationIndexPlantedItems)
	s.run(t, "Isolation/InvalidUTF8Inputs", ix|tx, caseIsolationInvalidUTF8Inputs)
	s.run(t, "Interop/ForeignLayout", 0, caseInteropForeignLayout)
	s.run(t, "Decode/StoredItemOfWrongShape", 0, caseDecodeStoredItemOfWrongShape)
	s.run(t, "Concurrency/ParallelWrites", 0, caseConcurrencyParallelWrites)
}

// suite runs the cases of one RunHarness.
type suite struct {
	h Harness
}

// capNames names the capabilities for skip messages.
var capNames = []struct {
	c    Capabilities
	name string
}{
	{Indexes, "Indexes"},
	{Batches, "Batches"},
	{Transactions, "Transactions"},
	{DynamoDBLocalFidelity, "DynamoDBLocalFidelity"},
	{Scan, "Scan"},
	{Capacity, "Capacity"},
	{SharedTable, "SharedTable"},
}

// run runs one case as a parallel subtest with a backend of its own, or
// skips it when the harness does not claim every capability in needs.
func (s *suite) run(t *testing.T, name string, needs Capabilities, fn func(t *testing.T, h *harness)) {
	t.Helper()
	if s.h.Select != nil && !s.h.Select(name) {
		return
	}
	t.Run(name, func(t *testing.T) {
		t.Parallel()
		if missing := needs &^ s.h.Capabilities; missing != 0 {
			var names []string
			for _, c := range capNames {
				if missing&c.c != 0 {
					names = append(names, c.name)
				}
			}
			t.Skipf("the backend does not claim %s", strings.Join(names, ", "))
		}
		fn(t, newHarness(t, s.h.NewBackend(t), s.h.Capabilities))
	})
}

// harness holds one case's backend and its repositories.
type harness struct {
	b        backend.Backend
	users    *repo.Repository[user]
	accounts *repo.Repository[account]
	orders   *repo.Repository[order]
	blobs    *repo.Repository[blob]
	counters *repo.Repository[counter]
	sessions *repo.Repository[session]
	tickets  *repo.Repository[ticket]
	notes    *repo.Repository[note]
	tenants  map[string]bool // every tenant a case used, for snapshots
	caps     Capabilities    // what the backend claims
}

func newHarness(t *testing.T, b backend.Backend, caps Capabilities) *harness {
	t.Helper()
	require.NotNil(t, b, "newBackend returned nil")
	h := &harness{b: b, tenants: map[string]bool{}, caps: caps}
	var err error
	h.users, err = repo.New[user](b)
	require.NoError(t, err)
	h.accounts, err = repo.New[account](b)
	require.NoError(t, err)
	h.orders, err = repo.New[order](b)
	require.NoError(t, err)
	h.blobs, err = repo.New[blob](b)
	require.NoError(t, err)
	h.counters, err = repo.New[counter](b)
	require.NoError(t, err)
	h.sessions, err = repo.New[session](b)
	require.NoError(t, err)
	if caps&Indexes != 0 { // types with indexes; nil otherwise
		h.tickets, err = repo.New[ticket](b)
		require.NoError(t, err)
		h.notes, err = repo.New[note](b)
		require.NoError(t, err)
	}
	return h
}

// fidelity reports whether the backend claims DynamoDBLocalFidelity: cases
// of the contract check what DynamoDB Local does where DynamoDB promises
// nothing only then.
func (h *harness) fidelity() bool { return h.caps&DynamoDBLocalFidelity != 0 }

// shared reports whether the backend claims SharedTable.
func (h *harness) shared() bool { return h.caps&SharedTable != 0 }

// ctx returns a context for tenant, failing the test if the ID is invalid.
func (h *harness) ctx(t *testing.T, tenant string) context.Context {
	t.Helper()
	ctx, err := tenantctx.WithTenant(context.Background(), tenant)
	require.NoError(t, err, "tenant %q", tenant)
	h.tenants[tenant] = true
	return ctx
}

// snapshot returns every item of every tenant the case used, read straight
// from the backend, to compare before and after a call that must change
// nothing.
func (h *harness) snapshot(t *testing.T) []string {
	t.Helper()
	var out []string
	for tenant := range h.tenants {
		pk := entity.PartitionKey(tenant)
		for _, prefix := range suitePrefixes {
			rng := backend.SortRange{Op: backend.BeginsWith, Lo: entity.SortKeyPrefix(prefix)}
			in := backend.QueryInput{PK: pk, Range: rng, Limit: 1000}
			for {
				page, err := h.b.Query(context.Background(), in)
				require.NoError(t, err)
				for _, item := range page.Items {
					out = append(out, fmt.Sprintf("%s|%v", pk, describe(item)))
				}
				if page.LastKey == nil {
					break
				}
				in.StartKey = page.LastKey
			}
		}
	}
	slicesSort(out)
	return out
}

// suitePrefixes are the sort-key prefixes of every type the suite stores.
var suitePrefixes = []string{"user", "users", "order", "blob", "fixed", "clash", "unsupported", "counter", "session", "ticket", "note", "numindex"}

// unchanged runs fn and checks that the stored items are the same after.
func (h *harness) unchanged(t *testing.T, fn func()) {
	t.Helper()
	before := h.snapshot(t)
	fn()
	require.Equal(t, before, h.snapshot(t), "a call that failed changed what is stored")
}

func ids[T entity.Entity](items []T) []string {
	out := make([]string, len(items))
	for i, v := range items {
		out[i] = v.EntityID()
	}
	return out
}

// describe renders an item deterministically.
func describe(item backend.Item) string {
	keys := make([]string, 0, len(item))
	for k := range item {
		keys = append(keys, k)
	}
	slicesSort(keys)
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, "%s=%s;", k, describeValue(item[k]))
	}
	return b.String()
}
