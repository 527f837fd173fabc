package testfixture

// Account is a versioned entity type, stored under the prefix "acct": its
// ID is only in the sort key, and writes from stale copies fail (version
// attribute "version").
type Account struct {
	ID      string `dynamodbav:"-"`
	Balance int64  `dynamodbav:"balance"`
	Version int64  `dynamodbav:"version"`
}

// EntityPrefix returns "acct".
func (Account) EntityPrefix() string { return "acct" }

// EntityID returns a.ID.
func (a Account) EntityID() string { return a.ID }

// SetEntityID sets a.ID to id.
func (a *Account) SetEntityID(id string) { a.ID = id }

// VersionAttribute returns "version".
func (Account) VersionAttribute() string { return "version" }
