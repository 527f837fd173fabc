package iampolicy_test

import (
	"fmt"

	"github.com/tenantrepo/tenantrepo/iampolicy"
)

// One role for every tenant: the tenant is the session tag "tenant".
func ExampleForTag() {
	arn, err := iampolicy.TableARN("aws", "eu-west-1", "123456789012", "shop")
	if err != nil {
		fmt.Println(err)
		return
	}
	doc, err := iampolicy.ForTag(arn, "tenant")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(doc.Statement[0].Condition["ForAllValues:StringLike"]["dynamodb:LeadingKeys"])
	b, err := doc.JSON()
	if err != nil {
		fmt.Println(err)
		return
	}
	_ = b // the document for IAM, CloudFormation, Terraform or the console
	// Output: [tenant#${aws:PrincipalTag/tenant} tenant#${aws:PrincipalTag/tenant}#*]
}

// One tenant written in, for an inline session policy: IAM's special
// characters in the ID are escaped.
func ExampleForTenant() {
	doc, err := iampolicy.ForTenant("arn:aws:dynamodb:eu-west-1:123456789012:table/shop", "acme*")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(doc.Statement[0].Condition["ForAllValues:StringLike"]["dynamodb:LeadingKeys"])
	fmt.Println(doc.Statement[1].Effect, len(doc.Statement[1].Action), "actions, Scan and PartiQL among them")
	// Output:
	// [tenant#acme${*} tenant#acme${*}#*]
	// Deny 27 actions, Scan and PartiQL among them
}
