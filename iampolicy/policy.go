package iampolicy

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/tenantrepo/tenantrepo/entity"
)

// Errors of the generator. Every error a function of this package returns
// wraps one of them (or entity.ErrInvalidTenant for a bad tenant ID).
var (
	// ErrInvalidARN: a table ARN, or its parts (partition, region, account,
	// table name), that is not well formed.
	ErrInvalidARN = errors.New("iampolicy: invalid table ARN")
	// ErrInvalidTagKey: a tag key STS would not accept as a session tag key.
	ErrInvalidTagKey = errors.New("iampolicy: invalid tag key")
	// ErrInvalidTagValue: a tenant ID that STS would not accept as a session
	// tag value, so that it cannot be used with a ForTag policy.
	ErrInvalidTagValue = errors.New("iampolicy: tenant ID is not a valid session tag value")
)

// PolicyVersion is the policy language version of every document: the one
// in which policy variables (${...}) are substituted.
const PolicyVersion = "2012-10-17"

// DefaultTagKey is the principal tag ForTag reads the tenant from when it is
// given "".
const DefaultTagKey = "tenant"

// ItemActions returns the actions a tenant-scoped role is allowed, each only on
// keys of its tenant. TransactGetItems and TransactWriteItems have no action
// of their own: DynamoDB authorizes each item of a transaction by the action
// of its kind (GetItem, PutItem, UpdateItem, DeleteItem, ConditionCheckItem),
// see https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/transaction-apis-iam.html
func ItemActions() []string { return append([]string(nil), itemActions...) }

var itemActions = []string{
	"dynamodb:BatchGetItem",
	"dynamodb:BatchWriteItem",
	"dynamodb:ConditionCheckItem",
	"dynamodb:DeleteItem",
	"dynamodb:GetItem",
	"dynamodb:PutItem",
	"dynamodb:Query",
	"dynamodb:UpdateItem",
}

// DeniedActions returns the actions denied explicitly on the table, its indexes and its
// streams, so that no other policy of the role can grant them: Scan and
// PartiQL read or write any partition (their requests carry no leading
// keys), the stream actions read every tenant's changes, and the
// table-level actions change or copy the whole table.
func DeniedActions() []string { return append([]string(nil), deniedActions...) }

var deniedActions = []string{
	"dynamodb:CreateBackup",
	"dynamodb:CreateTable",
	"dynamodb:CreateTableReplica",
	"dynamodb:DeleteResourcePolicy",
	"dynamodb:DeleteTable",
	"dynamodb:DeleteTableReplica",
	"dynamodb:DescribeStream",
	"dynamodb:DisableKinesisStreamingDestination",
	"dynamodb:EnableKinesisStreamingDestination",
	"dynamodb:ExportTableToPointInTime",
	"dynamodb:GetRecords",
	"dynamodb:GetShardIterator",
	"dynamodb:ImportTable",
	"dynamodb:PartiQLDelete",
	"dynamodb:PartiQLInsert",
	"dynamodb:PartiQLSelect",
	"dynamodb:PartiQLUpdate",
	"dynamodb:PutResourcePolicy",
	"dynamodb:RestoreTableFromBackup",
	"dynamodb:RestoreTableToPointInTime",
	"dynamodb:Scan",
	"dynamodb:TagResource",
	"dynamodb:UntagResource",
	"dynamodb:UpdateContinuousBackups",
	"dynamodb:UpdateKinesisStreamingDestination",
	"dynamodb:UpdateTable",
	"dynamodb:UpdateTimeToLive",
}

// Document is an IAM policy document. Its JSON (see JSON) is what IAM,
// CloudFormation, Terraform and the console take.
type Document struct {
	Version   string      `json:"Version"`
	Statement []Statement `json:"Statement"`
}

// Statement is a statement of a Document.
type Statement struct {
	Sid      string   `json:"Sid"`
	Effect   string   `json:"Effect"`
	Action   []string `json:"Action"`
	Resource []string `json:"Resource"`
	// Condition maps a condition operator to its keys and their values.
	// Its JSON lists the keys in sorted order (encoding/json sorts maps).
	Condition map[string]map[string][]string `json:"Condition,omitempty"`
}

// JSON returns the document as pretty-printed JSON (two spaces, a final
// newline), the same bytes for the same document.
func (d *Document) JSON() ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(d); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

var (
	partitionRe = regexp.MustCompile(`^aws(-[a-z]+)*$`)
	regionRe    = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]+$`)
	accountRe   = regexp.MustCompile(`^[0-9]{12}$`)
	tableRe     = regexp.MustCompile(`^[a-zA-Z0-9_.-]{3,255}$`)
	tagKeyRe    = regexp.MustCompile(`^[\p{L}\p{Z}\p{N}_.:/=+\-@]{1,128}$`)
	tagValueRe  = regexp.MustCompile(`^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$`)
)

// TableARN returns the ARN of a DynamoDB table:
// arn:<partition>:dynamodb:<region>:<account>:table/<table>. partition ""
// is "aws". The error wraps ErrInvalidARN.
func TableARN(partition, region, account, table string) (string, error) {
	if partition == "" {
		partition = "aws"
	}
	switch {
	case !partitionRe.MatchString(partition):
		return "", fmt.Errorf("%w: partition %q", ErrInvalidARN, partition)
	case !regionRe.MatchString(region):
		return "", fmt.Errorf("%w: region %q", ErrInvalidARN, region)
	case !accountRe.MatchString(account):
		return "", fmt.Errorf("%w: account %q is not 12 digits", ErrInvalidARN, account)
	case !tableRe.MatchString(table):
		return "", fmt.Errorf("%w: table name %q (3-255 of a-z A-Z 0-9 _ . -)", ErrInvalidARN, table)
	}
	return "arn:" + partition + ":dynamodb:" + region + ":" + account + ":table/" + table, nil
}

// checkTableARN reports whether arn is a table ARN as TableARN makes them.
func checkTableARN(arn string) error {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[2] != "dynamodb" {
		return fmt.Errorf("%w: %q is not arn:<partition>:dynamodb:<region>:<account>:table/<name>", ErrInvalidARN, arn)
	}
	name, ok := strings.CutPrefix(parts[5], "table/")
	if !ok {
		return fmt.Errorf("%w: %q does not name a table", ErrInvalidARN, arn)
	}
	_, err := TableARN(parts[1], parts[3], parts[4], name)
	return err
}

// ValidateTagValue reports whether tenantID can be a session tag value, as
// STS requires (https://docs.aws.amazon.com/STS/latest/APIReference/API_Tag.html:
// at most 256 characters of letters, numbers, spaces and _ . : / = + - @).
// A tenant whose ID is not cannot be given credentials for a ForTag policy.
// Such values hold none of the characters IAM gives a meaning in policies
// ('*', '?', '$', '{', '}'), so the tag cannot widen the policy's match.
// The error wraps ErrInvalidTagValue, or entity.ErrInvalidTenant.
func ValidateTagValue(tenantID string) error {
	if err := entity.ValidateTenantID(tenantID); err != nil {
		return err
	}
	if utf8.RuneCountInString(tenantID) > 256 || !tagValueRe.MatchString(tenantID) {
		return fmt.Errorf("%w: %q (at most 256 letters, numbers, spaces and _ . : / = + - @)", ErrInvalidTagValue, tenantID)
	}
	return nil
}

// ValidateTagKey reports whether tagKey can be a session tag key, as STS
// requires (1 to 128 letters, numbers, spaces and _ . : / = + - @, not
// starting with the reserved "aws:"). The error wraps ErrInvalidTagKey.
func ValidateTagKey(tagKey string) error {
	if !tagKeyRe.MatchString(tagKey) || strings.HasPrefix(strings.ToLower(tagKey), "aws:") {
		return fmt.Errorf("%w: %q (1-128 letters, numbers, spaces and _ . : / = + - @, not starting with aws:)", ErrInvalidTagKey, tagKey)
	}
	return nil
}

// ForTag returns the policy of a role shared by every tenant (ABAC): the
// tenant is the value of the principal tag tagKey ("" is DefaultTagKey),
// a session tag given to AssumeRole. A request is allowed only when that
// tag is present and not empty, and every leading key is
// "tenant#${aws:PrincipalTag/<tagKey>}" or starts with it and '#'. The
// error wraps ErrInvalidARN or ErrInvalidTagKey.
func ForTag(tableARN, tagKey string) (*Document, error) {
	if tagKey == "" {
		tagKey = DefaultTagKey
	}
	if err := checkTableARN(tableARN); err != nil {
		return nil, err
	}
	if err := ValidateTagKey(tagKey); err != nil {
		return nil, err
	}
	tagCond := "aws:PrincipalTag/" + tagKey
	d := build(tableARN, "${"+tagCond+"}")
	allow := d.Statement[0].Condition
	allow["Null"][tagCond] = []string{"false"}
	// An empty tag value is a valid session tag: require one character.
	allow["StringLike"] = map[string][]string{tagCond: {"?*"}}
	return d, nil
}

// ForTenant returns the policy for one tenant, its ID written in: for an
// inline session policy passed to AssumeRole, or a role per tenant. A
// request is allowed only when every leading key is "tenant#<id>" or
// starts with "tenant#<id>#". The characters IAM gives a meaning to in
// StringLike values ('$', '*', '?') are written as ${$}, ${*} and ${?},
// so an ID holding them matches only itself. The error wraps
// entity.ErrInvalidTenant or ErrInvalidARN.
func ForTenant(tableARN, tenantID string) (*Document, error) {
	t, err := entity.NewTenant(tenantID)
	if err != nil {
		return nil, err
	}
	if err := checkTableARN(tableARN); err != nil {
		return nil, err
	}
	return build(tableARN, EscapeLike(t.ID())), nil
}

// EscapeLike returns s written for a StringLike value (or any value where
// IAM substitutes policy variables) so that it matches s itself: '$', '*'
// and '?' become ${$}, ${*} and ${?}, the special characters of
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html.
// Braces need nothing: only "${" starts a variable, and '$' is escaped.
func EscapeLike(s string) string {
	if !strings.ContainsAny(s, "$*?") {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '$', '*', '?':
			b.WriteString("${" + string(r) + "}")
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// build returns the document for the tenant ID written as tenant (escaped,
// or a policy variable).
func build(tableARN, tenant string) *Document {
	pk := entity.TenantPrefix + tenant
	return &Document{
		Version: PolicyVersion,
		Statement: []Statement{
			{
				Sid:      "TenantItems",
				Effect:   "Allow",
				Action:   ItemActions(),
				Resource: []string{tableARN, tableARN + "/index/*"},
				Condition: map[string]map[string][]string{
					// One ForAllValues:StringLike with both values: two
					// operators would both have to hold for every key.
					"ForAllValues:StringLike": {"dynamodb:LeadingKeys": {pk, pk + entity.Separator + "*"}},
					// ForAllValues holds for a request without leading
					// keys: require them.
					"Null": {"dynamodb:LeadingKeys": {"false"}},
				},
			},
			{
				Sid:      "DenyUnscoped",
				Effect:   "Deny",
				Action:   DeniedActions(),
				Resource: []string{tableARN, tableARN + "/index/*", tableARN + "/stream/*"},
			},
		},
	}
}

// SessionPolicy returns a function that gives, for a tenant ID, the
// inline session policy of that tenant on the table (ForTenant, as JSON):
// what tenantcreds.Options.SessionPolicy takes, so that each tenant's STS
// session is limited to its own keys even if the role allows more.
func SessionPolicy(tableARN string) func(tenantID string) (string, error) {
	return func(tenantID string) (string, error) {
		d, err := ForTenant(tableARN, tenantID)
		if err != nil {
			return "", err
		}
		b, err := d.JSON()
		if err != nil {
			return "", err
		}
		return string(b), nil
	}
}
