package schema

// MatchingRule compares values of one syntax (RFC 4517 §4). The phone rules
// compare digits only and the text rules fold case (docs/directory.md#matching).
type MatchingRule struct {
	OID  string
	Name string
	// Normalize maps a stored value or an assertion value to its canonical
	// form. ok is false when the assertion is not valid for the rule; the
	// filter item is then Undefined.
	Normalize func(v string) (norm string, ok bool)
	// Equal reports whether two normalized values match. Nil means a == b.
	Equal func(a, b string) bool
	// Compare orders two normalized values; set on ordering rules only.
	Compare func(a, b string) int
}

// AttributeType describes one attribute the directory serves (RFC 4512 §4.1.2).
type AttributeType struct {
	OID     string
	Name    string   // canonical name, as written in responses, e.g. "givenName"
	Aliases []string // other names, e.g. "gn"
	Desc    string
	Sup     string // name of the supertype, if any
	// Equality, Ordering and Substr are the matching rules; nil when the
	// type has none, and then that kind of filter item is Undefined.
	Equality *MatchingRule
	Ordering *MatchingRule
	Substr   *MatchingRule
	Syntax   string // syntax OID
	// SingleValue, Operational and NoUserModification are as in RFC 4512.
	SingleValue        bool
	Operational        bool
	NoUserModification bool
}

// Tri is the three-valued result of a filter (RFC 4511 §4.5.1.7).
type Tri int8

// The values of Tri.
const (
	False Tri = iota
	True
	Undefined
)

// Filter is a parsed search filter (RFC 4511 §4.5.1.7, RFC 4515). The
// concrete types are And, Or, Not, Equality, Substrings, GreaterOrEqual,
// LessOrEqual, Present, Approx and Extensible. Attribute names are kept as
// the client sent them.
type Filter interface {
	// String returns the RFC 4515 string form.
	String() string
	isFilter()
}

// And is true when every member is true (an empty And is true).
type And []Filter

// Or is true when some member is true (an empty Or is false).
type Or []Filter

// Not negates its filter; Not Undefined is Undefined.
type Not struct{ Filter Filter }

// Equality is (attr=value).
type Equality struct{ Attr, Value string }

// Substrings is (attr=initial*any*...*final); empty Initial or Final means absent.
type Substrings struct {
	Attr    string
	Initial string
	Any     []string
	Final   string
}

// GreaterOrEqual is (attr>=value).
type GreaterOrEqual struct{ Attr, Value string }

// LessOrEqual is (attr<=value).
type LessOrEqual struct{ Attr, Value string }

// Present is (attr=*).
type Present struct{ Attr string }

// Approx is (attr~=value).
type Approx struct{ Attr, Value string }

// Extensible is (attr:dn:rule:=value); Attr or Rule may be empty.
type Extensible struct {
	Rule         string
	Attr         string
	Value        string
	DNAttributes bool
}

func (And) isFilter()            {}
func (Or) isFilter()             {}
func (Not) isFilter()            {}
func (Equality) isFilter()       {}
func (Substrings) isFilter()     {}
func (GreaterOrEqual) isFilter() {}
func (LessOrEqual) isFilter()    {}
func (Present) isFilter()        {}
func (Approx) isFilter()         {}
func (Extensible) isFilter()     {}
