package directory

import (
	"context"

	"userdir/schema"
)

// Compare answers a compare request (RFC 4511 §4.10) for session s.
func (d *Directory) Compare(ctx context.Context, s *Session, dn, attr, value string) Result {
	ndn, err := schema.NormalizeDN(dn)
	if err != nil {
		return Result{Code: InvalidDNSyntax, Message: "invalid DN"}
	}
	p := d.policy.Load()
	var e *schema.Entry
	switch ndn {
	case "":
		e = p.root.entry
	case subschemaNDN:
		e = p.schema.entry
	default:
		snap := d.snap.Load()
		id, ok := snap.lookupDN(ndn)
		if !ok || !s.Role.Sees(snap.get(id).entry) {
			return Result{Code: NoSuchObject}
		}
		e = snap.get(id).entry
	}
	t := schema.LookupAttribute(attr)
	if t == nil {
		return Result{Code: UndefinedAttributeType}
	}
	if t.Equality == nil {
		return Result{Code: InappropriateMatching}
	}
	a := e.Attr(t)
	if a == nil {
		return Result{Code: NoSuchAttribute}
	}
	want, ok := t.Equality.Normalize(value)
	if !ok {
		return Result{Code: CompareFalse}
	}
	norm := a.Norm()
	for i, v := range a.Values {
		got := v
		if i < len(norm) {
			got = norm[i]
		} else if n, ok := t.Equality.Normalize(v); ok {
			got = n
		}
		if equal(t.Equality, got, want) {
			return Result{Code: CompareTrue}
		}
	}
	return Result{Code: CompareFalse}
}

func equal(rule *schema.MatchingRule, a, b string) bool {
	if rule.Equal != nil {
		return rule.Equal(a, b)
	}
	return a == b
}
