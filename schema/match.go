package schema

import "strings"

// Matcher is a compiled filter: attribute types resolved and assertion
// values normalized once, so that Match does no allocation for the usual
// filter items. A Matcher is immutable and safe for concurrent use.
type Matcher struct {
	root node
}

// op is the kind of a compiled filter node.
type op uint8

const (
	opUndefined op = iota // decided at compile time: unknown type, no rule, bad assertion
	opFalse
	opAnd
	opOr
	opNot
	opEquality
	opSubstr
	opGreater
	opLess
	opPresent
	opApprox
	opExtensible
)

// node is one compiled filter item.
type node struct {
	op     op
	kids   []node
	types  []*AttributeType // the filter's type and its subtypes that share the rule's normalization
	rule   *MatchingRule
	value  string         // normalized assertion
	sub    *substrPattern // opSubstr
	approx bool           // opApprox: compare letters and digits only
	ext    *extNode       // opExtensible
}

// substrPattern is a normalized substring assertion; empty Initial or Final means absent.
type substrPattern struct {
	initial string
	any     []string
	final   string
}

// Compile resolves f's attribute types and normalizes its assertion values.
// Items that can never be decided (unknown attribute types or rules,
// assertions that do not normalize) become Undefined. A nil f is Undefined.
func Compile(f Filter) *Matcher {
	return &Matcher{root: compileNode(f)}
}

// Match evaluates the filter on e with RFC 4511 §4.5.1.7 three-valued logic.
func (m *Matcher) Match(e *Entry) Tri {
	return m.root.eval(e)
}

func compileNode(f Filter) node {
	switch f := f.(type) {
	case And:
		return node{op: opAnd, kids: compileAll(f)}
	case Or:
		return node{op: opOr, kids: compileAll(f)}
	case Not:
		return node{op: opNot, kids: []node{compileNode(f.Filter)}}
	case Equality:
		return compileEquality(f.Attr, f.Value)
	case Substrings:
		return compileSubstrings(f)
	case GreaterOrEqual:
		return compileOrdering(opGreater, f.Attr, f.Value)
	case LessOrEqual:
		return compileOrdering(opLess, f.Attr, f.Value)
	case Present:
		return compilePresent(f.Attr)
	case Approx:
		return compileApprox(f.Attr, f.Value)
	case Extensible:
		return compileExtensible(f)
	}
	return node{op: opUndefined}
}

func compileAll(fs []Filter) []node {
	kids := make([]node, len(fs))
	for i, f := range fs {
		kids[i] = compileNode(f)
	}
	return kids
}

// resolve returns the attribute type of an attribute description. A
// description with options (cn;lang-ru) is not recognized: the directory
// holds no values with options.
func resolve(desc string) *AttributeType {
	if strings.IndexByte(desc, ';') >= 0 {
		return nil
	}
	return LookupAttribute(desc)
}

// typesFor returns t and its subtypes whose equality normalization is that of rule.
func typesFor(t *AttributeType, rule *MatchingRule) []*AttributeType {
	kind := ruleInfos[rule].norm
	all := Subtypes(t)
	out := make([]*AttributeType, 0, len(all))
	for _, s := range all {
		if s.Equality != nil && ruleInfos[s.Equality].norm == kind {
			out = append(out, s)
		}
	}
	return out
}

func compileEquality(attr, value string) node {
	t := resolve(attr)
	if t == nil || t.Equality == nil {
		return node{op: opUndefined}
	}
	v, ok := t.Equality.Normalize(value)
	if !ok {
		return node{op: opUndefined}
	}
	return node{op: opEquality, types: typesFor(t, t.Equality), rule: t.Equality, value: v}
}

func compileOrdering(o op, attr, value string) node {
	t := resolve(attr)
	if t == nil || t.Ordering == nil || t.Ordering.Compare == nil {
		return node{op: opUndefined}
	}
	v, ok := t.Ordering.Normalize(value)
	if !ok {
		return node{op: opUndefined}
	}
	return node{op: o, types: typesFor(t, t.Ordering), rule: t.Ordering, value: v}
}

func compileSubstrings(f Substrings) node {
	t := resolve(f.Attr)
	if t == nil || t.Substr == nil {
		return node{op: opUndefined}
	}
	p, ok := newSubstrPattern(t.Substr, f.Initial, f.Any, f.Final)
	if !ok {
		return node{op: opUndefined}
	}
	return node{op: opSubstr, types: typesFor(t, t.Substr), rule: t.Substr, sub: p}
}

// newSubstrPattern normalizes the pieces of a substring assertion; pieces
// that do not normalize (a phone piece without digits, white space) are
// dropped. With no piece left the assertion is not valid.
func newSubstrPattern(r *MatchingRule, initial string, anys []string, final string) (*substrPattern, bool) {
	p := &substrPattern{}
	if initial != "" {
		p.initial, _ = r.Normalize(initial)
	}
	for _, a := range anys {
		if n, ok := r.Normalize(a); ok {
			p.any = append(p.any, n)
		}
	}
	if final != "" {
		p.final, _ = r.Normalize(final)
	}
	return p, p.initial != "" || len(p.any) > 0 || p.final != ""
}

func compilePresent(attr string) node {
	t := resolve(attr)
	if t == nil { // RFC 4511 §4.5.1.7 lists present apart: the entry has no such attribute
		return node{op: opFalse}
	}
	return node{op: opPresent, types: Subtypes(t)}
}

// compileApprox compiles ~=: equality on letters and digits only for the
// text rules, the digit rule for phones, plain equality otherwise (docs/directory.md#matching).
func compileApprox(attr, value string) node {
	n := compileEquality(attr, value)
	if n.op != opEquality {
		return n
	}
	n.op = opApprox
	if ruleInfos[n.rule].norm == normText {
		n.approx = true
		n.value = alnumOnly(n.value)
		if n.value == "" {
			return node{op: opUndefined}
		}
	}
	return n
}

func (n *node) eval(e *Entry) Tri {
	switch n.op {
	case opAnd:
		return n.evalAnd(e)
	case opOr:
		return n.evalOr(e)
	case opNot:
		switch n.kids[0].eval(e) {
		case True:
			return False
		case False:
			return True
		}
		return Undefined
	case opFalse:
		return False
	case opPresent:
		return n.evalPresent(e)
	case opExtensible:
		return n.ext.eval(e)
	case opUndefined:
		return Undefined
	}
	return n.evalValues(e)
}

func (n *node) evalAnd(e *Entry) Tri {
	r := True
	for i := range n.kids {
		switch n.kids[i].eval(e) {
		case False:
			return False
		case Undefined:
			r = Undefined
		}
	}
	return r
}

func (n *node) evalOr(e *Entry) Tri {
	r := False
	for i := range n.kids {
		switch n.kids[i].eval(e) {
		case True:
			return True
		case Undefined:
			r = Undefined
		}
	}
	return r
}

func (n *node) evalPresent(e *Entry) Tri {
	for _, t := range n.types {
		if e.Attr(t) != nil {
			return True
		}
	}
	return False
}

// evalValues evaluates a value assertion against the normalized values of
// every matching type; values that did not normalize ("") never match.
func (n *node) evalValues(e *Entry) Tri {
	for _, t := range n.types {
		a := e.Attr(t)
		if a == nil {
			continue
		}
		for _, v := range a.Norm() {
			if v != "" && n.test(v) {
				return True
			}
		}
	}
	return False
}

// test compares one normalized value with the assertion.
func (n *node) test(v string) bool {
	switch n.op {
	case opEquality:
		return n.rule.equal(v, n.value)
	case opSubstr:
		return n.sub.match(v)
	case opGreater:
		return n.rule.Compare(v, n.value) >= 0
	case opLess:
		return n.rule.Compare(v, n.value) <= 0
	case opApprox:
		if n.approx {
			return approxEqual(v, n.value)
		}
		return n.rule.equal(v, n.value)
	}
	return false
}

// match reports whether s holds the pieces in order, without overlap.
func (p *substrPattern) match(s string) bool {
	if !strings.HasPrefix(s, p.initial) {
		return false
	}
	s = s[len(p.initial):]
	if !strings.HasSuffix(s, p.final) {
		return false
	}
	s = s[:len(s)-len(p.final)]
	for _, a := range p.any {
		i := strings.Index(s, a)
		if i < 0 {
			return false
		}
		s = s[i+len(a):]
	}
	return true
}
