package schema

import "userdir/mailcmd"

// Entry kinds: the Kind of a person entry, or "" for the suffix and division entries.
const (
	KindMailbox = mailcmd.KindMailbox
	KindAlias   = mailcmd.KindAlias
)

// Entry is one LDAP entry as the directory serves it. Entries are built once
// per snapshot and never changed afterwards, so they may be shared freely.
type Entry struct {
	DN       string // as served, e.g. "mail=ivanov@company.ru,ou=Тюмень,dc=company,dc=ru"
	NormDN   string // normalized (see NormalizeDN); unique key of the entry
	ParentDN string // NormDN of the parent entry; "" for the suffix
	// Attrs are the user attributes in output order, objectClass first.
	Attrs []Attr
	// Operational are entryUUID, createTimestamp, modifyTimestamp, entryDN,
	// subschemaSubentry and hasSubordinates.
	Operational []Attr
	Active      bool   // act is not 0 (always true for suffix and divisions)
	Visible     bool   // vis is not 0 (always true for suffix and divisions)
	Kind        string // KindMailbox or KindAlias; "" for the suffix and divisions
	Division    string // division id; "" for the suffix
}

// Attr is one attribute of an entry with its values and their normalized
// forms. The normalized forms are stored in the same array as the values,
// right after them (see Norm): snapshots hold millions of attributes, and
// one slice header instead of two saves a fifth of their memory.
type Attr struct {
	Type   *AttributeType
	Values []string
}

// MakeAttr returns an attribute of type t with values and their
// normalized forms norm (same length, same order).
func MakeAttr(t *AttributeType, values, norm []string) Attr {
	both := make([]string, 2*len(values))
	copy(both, values)
	copy(both[len(values):], norm)
	return Attr{Type: t, Values: both[:len(values):len(both)]}
}

// Norm returns Type's equality normalization of each value (same order as
// Values); a value that does not normalize is "". It is nil for an Attr
// built without MakeAttr or NewAttr.
func (a *Attr) Norm() []string {
	n := len(a.Values)
	if cap(a.Values) < 2*n {
		return nil
	}
	return a.Values[n : 2*n : 2*n]
}

// Attr returns e's attribute of type t (user or operational), or nil.
func (e *Entry) Attr(t *AttributeType) *Attr {
	for i := range e.Attrs {
		if e.Attrs[i].Type == t {
			return &e.Attrs[i]
		}
	}
	for i := range e.Operational {
		if e.Operational[i].Type == t {
			return &e.Operational[i]
		}
	}
	return nil
}
