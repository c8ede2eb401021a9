package schema

import (
	"strings"
)

// SubschemaEntry returns the subschema entry cn=Subschema (RFC 4512 §4.2):
// objectClass top, subentry and subschema, with the descriptions of every
// attribute type, object class, matching rule and syntax served in
// attributeTypes, objectClasses, matchingRules and ldapSyntaxes. Those are
// operational attributes, so they are in Operational: clients ask for them
// by name or with "+".
func SubschemaEntry() *Entry {
	ops := []Attr{
		NewAttr(AttrAttributeTypes, mapStrings(attrList, attributeTypeDescription)...),
		NewAttr(AttrObjectClasses, mapStrings(objectClassList, objectClassDescription)...),
		NewAttr(AttrMatchingRules, mapStrings(ruleList, matchingRuleDescription)...),
		NewAttr(AttrLDAPSyntaxes, mapStrings(ldapSyntaxList, syntaxDescription)...),
		NewAttr(AttrStructuralObjectClass, "subentry"),
		NewAttr(AttrEntryDN, SubschemaDN),
		NewAttr(AttrSubschemaSubentry, SubschemaDN),
		NewAttr(AttrHasSubordinates, "FALSE"),
	}
	norm, _ := NormalizeDN(SubschemaDN)
	return &Entry{
		DN: SubschemaDN, NormDN: norm,
		Attrs: []Attr{
			NewAttr(AttrObjectClass, "top", "subentry", "subschema"),
			NewAttr(AttrCN, "Subschema"),
		},
		Operational: ops,
		Active:      true, Visible: true,
	}
}

func mapStrings[T any](xs []T, f func(T) string) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = f(x)
	}
	return out
}

// descBuilder writes one RFC 4512 §4.1 description.
type descBuilder struct{ strings.Builder }

func newDesc(oid string) *descBuilder {
	b := &descBuilder{}
	b.WriteString("( " + oid)
	return b
}

func (b *descBuilder) names(names ...string) {
	switch len(names) {
	case 0:
	case 1:
		b.WriteString(" NAME " + qdstring(names[0]))
	default:
		b.WriteString(" NAME (")
		for _, n := range names {
			b.WriteString(" " + qdstring(n))
		}
		b.WriteString(" )")
	}
}

func (b *descBuilder) word(key, value string) {
	if value != "" {
		b.WriteString(" " + key + " " + value)
	}
}

func (b *descBuilder) flag(key string, on bool) {
	if on {
		b.WriteString(" " + key)
	}
}

func (b *descBuilder) oids(key string, list []string) {
	switch len(list) {
	case 0:
	case 1:
		b.WriteString(" " + key + " " + list[0])
	default:
		b.WriteString(" " + key + " ( " + strings.Join(list, " $ ") + " )")
	}
}

func (b *descBuilder) done() string {
	b.WriteString(" )")
	return b.String()
}

// qdstring quotes s, escaping ' and \ as \27 and \5C (RFC 4512 §4.1).
func qdstring(s string) string {
	return "'" + strings.NewReplacer(`\`, `\5C`, `'`, `\27`).Replace(s) + "'"
}

func ruleName(r *MatchingRule) string {
	if r == nil {
		return ""
	}
	return r.Name
}

func attributeTypeDescription(t *AttributeType) string {
	b := newDesc(t.OID)
	b.names(append([]string{t.Name}, t.Aliases...)...)
	if t.Desc != "" {
		b.word("DESC", qdstring(t.Desc))
	}
	b.word("SUP", t.Sup)
	b.word("EQUALITY", ruleName(t.Equality))
	b.word("ORDERING", ruleName(t.Ordering))
	b.word("SUBSTR", ruleName(t.Substr))
	b.word("SYNTAX", t.Syntax)
	b.flag("SINGLE-VALUE", t.SingleValue)
	b.flag("NO-USER-MODIFICATION", t.NoUserModification)
	b.word("USAGE", t.usage())
	return b.done()
}

func objectClassDescription(oc *objectClass) string {
	b := newDesc(oc.OID)
	b.names(oc.Name)
	if oc.Desc != "" {
		b.word("DESC", qdstring(oc.Desc))
	}
	b.word("SUP", oc.Sup)
	b.flag(oc.Kind, true)
	b.oids("MUST", oc.Must)
	b.oids("MAY", oc.May)
	return b.done()
}

func matchingRuleDescription(r *MatchingRule) string {
	b := newDesc(r.OID)
	b.names(r.Name)
	b.word("SYNTAX", ruleInfos[r].syntax)
	return b.done()
}

func syntaxDescription(s ldapSyntax) string {
	b := newDesc(s.OID)
	b.word("DESC", qdstring(s.Desc))
	return b.done()
}
