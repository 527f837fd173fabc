package badinput_test

import (
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/tenantrepo/tenantrepo/repo"
)

// codecCases (issue 10, items 3, 4 and 6), run by TestRepositoryBadInput on
// its fixture: conditions on names of the class of the repository's own
// placeholders, updates that create case variants of the type's or the
// library's attributes, and updates that write values that do not decode
// into their fields. Each is refused or fails, and changes nothing.
func codecCases() []badCase {
	var cases []badCase
	add := func(name string, want []error, fn func(f *fixture) error) {
		cases = append(cases, badCase{name: name, want: want, call: fn})
	}
	// Item 3: "\x000" was read as PK (and "\x001" as the next of the
	// repository's names): the condition held, and the Put wrote.
	for _, n := range []string{"\x000", "\x001", "\x002", "#0", ":0", "#c0", "#tenantrepo_version"} {
		exists := repo.WithCondition(expression.NameNoDotSplit(n).AttributeExists())
		add("placeholder name "+n+"/Put", kinds(repo.ErrConditionFailed), func(f *fixture) error {
			_, err := f.users.Put(f.ctx, user{ID: "u1", Name: "changed"}, exists)
			return err
		})
		add("placeholder name "+n+"/Put versioned", kinds(repo.ErrConditionFailed), func(f *fixture) error {
			_, err := f.accts.Put(f.ctx, acct{ID: "a1", Balance: 1, Version: 1}, exists)
			return err
		})
		add("placeholder name "+n+"/Delete", kinds(repo.ErrConditionFailed), func(f *fixture) error {
			return f.users.Delete(f.ctx, "u1", exists)
		})
		add("placeholder name "+n+"/UpdateExpr", kinds(repo.ErrConditionFailed), func(f *fixture) error {
			_, err := f.accts.UpdateExpr(f.ctx, "a1", expression.Add(expression.Name("balance"), expression.Value(1)), repo.IfVersion(1), exists)
			return err
		})
	}
	// Item 4: attributes that differ only in case from the type's
	// (user_id, user_name, tags, grp) or the library's.
	for _, n := range []string{"USER_ID", "User_Name", "TAGS", "Grp", "AT", "pk", "Sk", "gsi2pk", "Gsi1Sk"} {
		set := expression.Set(expression.Name(n), expression.Value("x"))
		add("case variant "+n+"/UpdateExpr", invalidArg, func(f *fixture) error {
			_, err := f.users.UpdateExpr(f.ctx, "u1", set)
			return err
		})
		add("case variant "+n+"/TxUpdateExpr", invalidArg, func(f *fixture) error {
			return repo.Transact(f.ctx, f.users.TxPut(user{ID: "u2", Name: "changed"}), f.users.TxUpdateExpr("u1", set))
		})
	}
	for _, n := range []string{"BALANCE", "Version", "pK", "gsi5SK"} {
		add("case variant "+n+"/UpdateExpr versioned", invalidArg, func(f *fixture) error {
			_, err := f.accts.UpdateExpr(f.ctx, "a1", expression.Add(expression.Name(n), expression.Value(1)))
			return err
		})
	}
	// Item 6: values that do not decode into their fields.
	l := func(vs ...types.AttributeValue) types.AttributeValue { return &types.AttributeValueMemberL{Value: vs} }
	for name, u := range map[string]expression.UpdateBuilder{
		"string to a float":        expression.Set(expression.Name("score"), expression.Value("abc")),
		"number to a string set":   expression.Set(expression.Name("tags"), expression.Value(7)),
		"string to a map":          expression.Set(expression.Name("attrs"), expression.Value("x")),
		"number to a map value":    expression.Set(expression.Name("attrs.k"), expression.Value(map[string]int{"a": 1})),
		"map to a string":          expression.Set(expression.Name("user_name"), expression.Value(map[string]string{"a": "b"})),
		"list to a string":         expression.Set(expression.Name("user_name"), expression.ListAppend(expression.Value(l(s2("a"))), expression.Value(l()))),
		"bool to a binary":         expression.Set(expression.Name("blob"), expression.Value(true)),
		"fallback to a float":      expression.Set(expression.Name("score"), expression.IfNotExists(expression.Name("score"), expression.Value("x"))),
		"string set to a float":    expression.Add(expression.Name("score"), expression.Value(&typesSS{Value: []string{"a"}})),
		"arithmetic to a set":      expression.Set(expression.Name("tags"), expression.Plus(expression.Value(1), expression.Value(2))),
		"number set from a string": expression.Delete(expression.Name("user_name"), expression.Value(&types.AttributeValueMemberNS{Value: []string{"1"}})),
	} {
		add("undecodable "+name+"/UpdateExpr", invalidArg, func(f *fixture) error {
			_, err := f.users.UpdateExpr(f.ctx, "u1", u)
			return err
		})
		add("undecodable "+name+"/TxUpdateExpr", invalidArg, func(f *fixture) error {
			return repo.Transact(f.ctx, f.users.TxUpdateExpr("u1", u))
		})
	}
	for name, u := range map[string]expression.UpdateBuilder{
		"a fraction to an int":      expression.Add(expression.Name("balance"), expression.Value(0.5)),
		"a fraction in a sum":       expression.Set(expression.Name("balance"), expression.Minus(expression.Name("balance"), expression.Value(1.25))),
		"past an int64's range":     expression.Add(expression.Name("balance"), expression.Value(&typesN{Value: "1e20"})),
		"a string to an int":        expression.Set(expression.Name("balance"), expression.Value("abc")),
		"a number out of int range": expression.Set(expression.Name("balance"), expression.Value(&typesN{Value: "9223372036854775808"})),
	} {
		add("undecodable "+name+"/UpdateExpr versioned", invalidArg, func(f *fixture) error {
			_, err := f.accts.UpdateExpr(f.ctx, "a1", u)
			return err
		})
	}
	return cases
}
