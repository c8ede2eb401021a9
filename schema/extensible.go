package schema

import "strings"

// extNode is a compiled extensible match (RFC 4511 §4.5.1.7.7).
type extNode struct {
	rule     *MatchingRule
	use      ruleUse
	types    []*AttributeType // the attributes the rule applies to
	sameNorm []bool           // per type: Attr.Norm is already normalized the rule's way
	value    string
	sub      *substrPattern // use == useSubstr
	dn       bool           // also match the AVAs of the entry's DN
}

// compileExtensible resolves the rule (the type's equality rule when
// absent) and the attributes it applies to: the named type and its
// subtypes, or every type whose syntax fits the rule when none is named.
func compileExtensible(f Extensible) node {
	var t *AttributeType
	if f.Attr != "" {
		if t = resolve(f.Attr); t == nil {
			return node{op: opUndefined}
		}
	}
	r := LookupMatchingRule(f.Rule)
	switch {
	case f.Rule == "" && t != nil:
		r = t.Equality
	case f.Rule == "":
		return node{op: opUndefined}
	}
	if r == nil || (t != nil && !fits(r, t)) {
		return node{op: opUndefined}
	}
	x := &extNode{rule: r, use: ruleInfos[r].use, dn: f.DNAttributes}
	if !x.setValue(f.Value) {
		return node{op: opUndefined}
	}
	candidates := attrList
	if t != nil {
		candidates = Subtypes(t)
	}
	for _, c := range candidates {
		if fits(r, c) {
			x.types = append(x.types, c)
			x.sameNorm = append(x.sameNorm, c.Equality != nil && ruleInfos[c.Equality].norm == ruleInfos[r].norm)
		}
	}
	return node{op: opExtensible, ext: x}
}

// setValue normalizes the assertion; a substrings rule takes the
// Substring Assertion syntax "initial*any*final" (RFC 4517 §3.3.30).
func (x *extNode) setValue(v string) bool {
	if x.use != useSubstr {
		n, ok := x.rule.Normalize(v)
		x.value = n
		return ok
	}
	pieces := splitSubstringAssertion(v)
	if len(pieces) < 2 {
		return false
	}
	p, ok := newSubstrPattern(x.rule, pieces[0], pieces[1:len(pieces)-1], pieces[len(pieces)-1])
	x.sub = p
	return ok
}

// splitSubstringAssertion splits at the unescaped '*'s, undoing the \2A
// and \5C escapes of RFC 4517 §3.3.30 in each piece.
func splitSubstringAssertion(v string) []string {
	parts := strings.Split(v, "*")
	r := strings.NewReplacer(`\2A`, "*", `\2a`, "*", `\5C`, `\`, `\5c`, `\`)
	for i, p := range parts {
		parts[i] = r.Replace(p)
	}
	return parts
}

// fits reports whether rule r can compare values of type t: it is one of
// t's rules, or normalizes the same way, or has t's syntax, or is a text
// rule and t holds strings.
func fits(r *MatchingRule, t *AttributeType) bool {
	if r == t.Equality || r == t.Ordering || r == t.Substr {
		return true
	}
	info := ruleInfos[r]
	if t.Equality != nil && ruleInfos[t.Equality].norm == info.norm {
		return true
	}
	if info.syntax == t.Syntax {
		return true
	}
	return info.norm == normText && (t.Syntax == syntaxDirectoryString || t.Syntax == syntaxIA5String)
}

func (x *extNode) eval(e *Entry) Tri {
	for i, t := range x.types {
		a := e.Attr(t)
		if a == nil {
			continue
		}
		norm := a.Norm()
		for j, v := range a.Values {
			n := v
			if j < len(norm) {
				n = norm[j]
			}
			if x.test(v, n, x.sameNorm[i]) {
				return True
			}
		}
	}
	if x.dn && x.matchDN(e.NormDN) {
		return True
	}
	return False
}

// matchDN tries the AVAs of a normalized DN; their values carry the
// equality normalization of their types.
func (x *extNode) matchDN(dn string) bool {
	for dn != "" {
		typ, raw, rest, ok := nextAVA(dn)
		if !ok {
			return false
		}
		dn = rest
		i := x.typeIndex(LookupAttribute(typ))
		if i < 0 {
			continue
		}
		v := unescapeDNValue(raw)
		if x.test(v, v, x.sameNorm[i]) {
			return true
		}
	}
	return false
}

func (x *extNode) typeIndex(t *AttributeType) int {
	for i, c := range x.types {
		if c == t {
			return i
		}
	}
	return -1
}

// test compares one value (raw, and normalized by its type's equality) with the assertion.
func (x *extNode) test(raw, norm string, sameNorm bool) bool {
	if !sameNorm {
		var ok bool
		if norm, ok = x.rule.Normalize(raw); !ok {
			return false
		}
	}
	if norm == "" {
		return false
	}
	switch x.use {
	case useSubstr:
		return x.sub.match(norm)
	case useOrdering: // X.520: an ordering rule is true when the value is less than the assertion
		return x.rule.Compare(norm, x.value) < 0
	}
	return x.rule.equal(norm, x.value)
}
