package main

import (
	"encoding/json"

	"github.com/spf13/cobra"

	"github.com/tenantrepo/tenantrepo/iampolicy"
)

// policyResult is the result of the policy command in --json.
type policyResult struct {
	// Mode is "tag" (ABAC, one role for every tenant) or "tenant" (one
	// tenant written in).
	Mode     string `json:"mode"`
	TableARN string `json:"tableArn"`
	Tag      string `json:"tag,omitempty"`
	// Policy is the policy document.
	Policy json.RawMessage `json:"policy"`
}

func (a *app) policyCmd() *cobra.Command {
	var tableARN, account, partition, tag string
	cmd := &cobra.Command{
		Use:   "policy",
		Short: "Print the IAM policy of a tenant-scoped role (DynamoDB LeadingKeys)",
		Long: `policy prints the IAM identity policy that makes DynamoDB itself refuse a
request outside a tenant's partitions: the item and query actions are allowed
on the table and its indexes only when every leading key is "tenant#<id>" or
starts with "tenant#<id>#"; Scan, PartiQL, the stream actions and the
table-level actions are denied. Paste it into CloudFormation, Terraform or
the console. It reads and changes nothing, and needs no credentials.

The table: --table-arn, or --table with --region and --account (and
--partition, default aws). The tenant: --tag KEY for one role shared by
every tenant, the tenant taken from the session tag KEY given to AssumeRole
(ABAC; tenant IDs must be valid tag values), or --tenant ID for one tenant
written in (an inline session policy, or a role per tenant).

With --json, the summary's result holds mode, tableArn, tag and the policy
document.

Library call: iampolicy.ForTag(tableARN, tag) or
iampolicy.ForTenant(tableARN, tenantID), then Document.JSON().`,
		Example: `  tenantctl policy --table-arn arn:aws:dynamodb:eu-west-1:123456789012:table/shop --tag tenant
  tenantctl policy --table shop --region eu-west-1 --account 123456789012 --tenant acme`,
		Args: cobra.NoArgs,
	}
	f := cmd.Flags()
	f.StringVar(&tableARN, "table-arn", "", "the table's ARN (or --table, --region and --account)")
	f.StringVar(&account, "account", "", "the table's AWS account ID, 12 digits (with --table and --region)")
	f.StringVar(&partition, "partition", "aws", "the table's AWS partition (with --table): aws, aws-cn, aws-us-gov")
	f.StringVar(&tag, "tag", "", `the principal (session) tag holding the tenant ID, such as "tenant" (ABAC; instead of --tenant)`)
	cmd.RunE = func(*cobra.Command, []string) error {
		a.started = true
		a.sum.Op = "policy"
		g := a.g
		switch {
		case g.endpoint != "" || g.memory || g.memorySeed != "":
			return usagef("policy reads no table: it takes no --endpoint, --memory or --memory-seed")
		case (g.tenant == "") == (tag == ""):
			return usagef("give --tenant ID (one tenant written in) or --tag KEY (the tenant from a session tag), not both")
		case tableARN != "" && (g.table != "" || g.region != "" || account != ""):
			return usagef("give --table-arn or --table, --region and --account, not both")
		case tableARN == "" && (g.table == "" || g.region == "" || account == ""):
			return usagef("--table-arn is required, or --table, --region and --account")
		}
		arn := tableARN
		if arn == "" {
			var err error
			if arn, err = iampolicy.TableARN(partition, g.region, account, g.table); err != nil {
				return usageError{err}
			}
		}
		var (
			doc *iampolicy.Document
			err error
			res = policyResult{TableARN: arn}
		)
		if tag != "" {
			res.Mode, res.Tag = "tag", tag
			doc, err = iampolicy.ForTag(arn, tag)
		} else {
			res.Mode = "tenant"
			a.sum.Tenant = g.tenant
			doc, err = iampolicy.ForTenant(arn, g.tenant)
		}
		if err != nil {
			return usageError{err}
		}
		b, err := doc.JSON()
		if err != nil {
			return err
		}
		res.Policy = b
		a.sum.Result = res
		_, err = a.out().Write(b)
		return err
	}
	return cmd
}
