package schema

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/go-ldap/ldap/v3"
	"github.com/google/uuid"

	"userdir/mailcmd"
	"userdir/store"
)

// ErrUnknownDivision is returned for a record whose division is not configured.
var ErrUnknownDivision = errors.New("unknown division")

// Name orders of MapOptions.NameOrder (docs/directory.md#attributes).
const (
	NameOrderFamilyFirst = "family-first" // "Иванов Иван Иванович": sn, then givenName
	NameOrderGivenFirst  = "given-first"  // "John Smith": givenName, then sn (the last word)
)

// Values of userdirKind.
const (
	UserdirKindMailbox = "mailbox"
	UserdirKindAlias   = "alias"
)

// SubschemaDN is the DN of the subschema entry (RFC 4512 §4.2).
const SubschemaDN = "cn=Subschema"

// uuidNamespace is the fixed namespace of entryUUID (UUID v5, RFC 9562 §5.5):
// the same record gets the same UUID in every store.
var uuidNamespace = uuid.MustParse("92450181-87a6-469b-b335-85576b0716ad")

// DivisionInfo is what the mapping needs of one configured division. The
// division code is deliberately absent: it never reaches the directory.
type DivisionInfo struct {
	ID       string // stable key of the division's records
	Name     string // the ou of its entry and the o of its people
	MailHost string // mailHost of its people; optional
}

// MapOptions configures a Mapper. Suffix is required; the zero NameOrder is family-first.
type MapOptions struct {
	Suffix       string // DN of the suffix entry, e.g. "dc=company,dc=ru"
	Organization string // o of the suffix entry; the suffix's first RDN value when empty
	NameOrder    string // NameOrderFamilyFirst (default) or NameOrderGivenFirst
	Divisions    []DivisionInfo
}

// Mapper turns store records into directory entries (docs/directory.md#the-tree, docs/directory.md#attributes). It is
// immutable and safe for concurrent use.
type Mapper struct {
	suffix     *Entry
	divisions  []*Entry
	byID       map[string]*division
	nameOrder  string
	suffixDN   string
	suffixNorm string
}

// division is a configured division with its precomputed DN parts.
type division struct {
	info    DivisionInfo
	dn      string // ou=<Name>,<suffix>
	normDN  string
	nameVal Attr // o = Name
	host    Attr // mailHost, Type nil when unset
}

// NewMapper checks o and prepares the suffix and division entries.
func NewMapper(o MapOptions) (*Mapper, error) {
	switch o.NameOrder {
	case "":
		o.NameOrder = NameOrderFamilyFirst
	case NameOrderFamilyFirst, NameOrderGivenFirst:
	default:
		return nil, fmt.Errorf("name order %q: want %q or %q", o.NameOrder, NameOrderFamilyFirst, NameOrderGivenFirst)
	}
	suffix, err := suffixEntry(o)
	if err != nil {
		return nil, err
	}
	m := &Mapper{suffix: suffix, byID: make(map[string]*division, len(o.Divisions)),
		nameOrder: o.NameOrder, suffixDN: suffix.DN, suffixNorm: suffix.NormDN}
	seen := make(map[string]string, len(o.Divisions))
	for _, d := range o.Divisions {
		if err := m.addDivision(d, seen); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// addDivision validates one division and adds it and its entry to m.
func (m *Mapper) addDivision(d DivisionInfo, seen map[string]string) error {
	if d.ID == "" || strings.TrimSpace(d.Name) == "" {
		return fmt.Errorf("division %q: id and name are required", d.ID)
	}
	if _, dup := m.byID[d.ID]; dup {
		return fmt.Errorf("division %q: duplicate id", d.ID)
	}
	dv := &division{info: d, dn: "ou=" + EscapeDNValue(d.Name) + "," + m.suffixDN}
	norm, err := NormalizeDN(dv.dn)
	if err != nil {
		return fmt.Errorf("division %q: name %q: %w", d.ID, d.Name, err)
	}
	if other, dup := seen[norm]; dup {
		return fmt.Errorf("division %q: name %q is the same entry as division %q's", d.ID, d.Name, other)
	}
	seen[norm] = d.ID
	dv.normDN = norm
	dv.nameVal = NewAttr(AttrO, d.Name)
	if d.MailHost != "" {
		dv.host = NewAttr(AttrMailHost, d.MailHost)
	}
	m.byID[d.ID] = dv
	m.divisions = append(m.divisions, &Entry{
		DN: dv.dn, NormDN: norm, ParentDN: m.suffixNorm,
		Attrs: []Attr{
			NewAttr(AttrObjectClass, "top", "organizationalUnit"),
			NewAttr(AttrOU, d.Name),
		},
		Operational: containerOperational(norm, dv.dn),
		Active:      true, Visible: true, Division: d.ID,
	})
	return nil
}

// suffixEntry builds the suffix entry: dcObject when the suffix starts
// with dc=, organization always.
func suffixEntry(o MapOptions) (*Entry, error) {
	dn := strings.TrimSpace(o.Suffix)
	norm, err := NormalizeDN(dn)
	if err != nil {
		return nil, fmt.Errorf("suffix: %w", err)
	}
	if norm == "" {
		return nil, fmt.Errorf("suffix: %w: empty", ErrInvalidDN)
	}
	parsed, err := ldap.ParseDN(dn)
	if err != nil || len(parsed.RDNs[0].Attributes) != 1 {
		return nil, fmt.Errorf("suffix %q: %w: want a single-valued first RDN", dn, ErrInvalidDN)
	}
	first := parsed.RDNs[0].Attributes[0]
	org := o.Organization
	if org == "" {
		org = first.Value
	}
	attrs := []Attr{NewAttr(AttrObjectClass, "top", "dcObject", "organization")}
	switch LookupAttribute(first.Type) {
	case AttrDC:
		attrs = append(attrs, NewAttr(AttrDC, first.Value), NewAttr(AttrO, org))
	case AttrO:
		attrs[0] = NewAttr(AttrObjectClass, "top", "organization")
		attrs = append(attrs, NewAttr(AttrO, uniq(first.Value, org)...))
	default:
		return nil, fmt.Errorf("suffix %q: %w: the first RDN must be dc= or o=", dn, ErrInvalidDN)
	}
	return &Entry{DN: dn, NormDN: norm, Attrs: attrs, Operational: containerOperational(norm, dn),
		Active: true, Visible: true}, nil
}

func uniq(a, b string) []string {
	na, _ := prepText(a)
	nb, _ := prepText(b)
	if na == nb {
		return []string{a}
	}
	return []string{a, b}
}

// containerOperational returns the operational attributes of the suffix and division entries.
func containerOperational(normDN, dn string) []Attr {
	return []Attr{
		NewAttr(AttrEntryUUID, uuid.NewSHA1(uuidNamespace, []byte(normDN)).String()),
		NewAttr(AttrEntryDN, dn),
		NewAttr(AttrSubschemaSubentry, SubschemaDN),
		NewAttr(AttrHasSubordinates, "TRUE"),
	}
}

// SuffixDN returns the suffix DN as configured.
func (m *Mapper) SuffixDN() string { return m.suffixDN }

// SuffixEntry returns the suffix entry: objectClass top, dcObject and
// organization; dc is the first RDN value and o the Organization.
func (m *Mapper) SuffixEntry() *Entry { return m.suffix }

// DivisionEntries returns one organizationalUnit entry per division, in
// configuration order, with DN ou=<Name>,<suffix>.
func (m *Mapper) DivisionEntries() []*Entry {
	return append([]*Entry(nil), m.divisions...)
}

// Entry maps one record to its person entry (docs/directory.md#attributes). A tombstone is
// mapped too, with Active false. A record of a division that is not
// configured gives an error wrapping ErrUnknownDivision.
func (m *Mapper) Entry(r *store.Record) (*Entry, error) {
	dv := m.byID[r.Division]
	if dv == nil {
		return nil, fmt.Errorf("record %s: division %q: %w", r.Eml, r.Division, ErrUnknownDivision)
	}
	mail, ok := RuleCaseIgnoreIA5.Normalize(r.Eml)
	if !ok {
		return nil, fmt.Errorf("record of division %q: %w: empty address", r.Division, ErrInvalidDN)
	}
	dn := "mail=" + EscapeDNValue(r.Eml) + "," + dv.dn
	normDN := "mail=" + EscapeDNValue(mail) + "," + dv.normDN
	e := &Entry{
		DN: dn, NormDN: normDN, ParentDN: dv.normDN,
		Attrs:       m.personAttrs(r, dv),
		Operational: personOperational(r, dn, normDN),
		Active:      r.Exists && r.Active(), Visible: r.Visible(), Kind: r.Kind(), Division: r.Division,
	}
	return e, nil
}

// personAttrs returns the user attributes of a record's entry in output order.
func (m *Mapper) personAttrs(r *store.Record, dv *division) []Attr {
	v := &r.Values
	name := strings.TrimSpace(v[mailcmd.FieldName])
	sn, given := SplitName(name, m.nameOrder)
	if r.Kind() == mailcmd.KindAlias { // "Отдел продаж" is no person's name: not split
		sn, given = name, ""
	}
	cn := name
	if name == "" {
		local, _, _ := strings.Cut(r.Eml, "@")
		cn, sn = local, local
	}
	var b attrBuilder
	b.shared(personClasses)
	b.add(AttrCN, cn)
	b.add(AttrSN, sn)
	b.add(AttrGivenName, given)
	b.add(AttrDisplayName, name)
	b.add(AttrMail, r.Eml)
	b.add(AttrTelephoneNumber, v[mailcmd.FieldGor], v[mailcmd.FieldMer])
	b.add(AttrIPPhone, v[mailcmd.FieldMer])
	b.add(AttrMobile, v[mailcmd.FieldSot])
	b.add(AttrRoomNumber, v[mailcmd.FieldOf])
	b.add(AttrOffice, v[mailcmd.FieldOf])
	b.add(AttrTitle, v[mailcmd.FieldPost])
	b.add(AttrOU, v[mailcmd.FieldSdiv])
	b.add(AttrDepartmentNumber, v[mailcmd.FieldSdiv])
	b.shared(dv.nameVal)
	if dv.host.Type != nil {
		b.shared(dv.host)
	}
	if r.Kind() == mailcmd.KindAlias {
		b.shared(aliasKindAttr)
	} else {
		b.shared(mailboxKindAttr)
	}
	return b.attrs()
}

// attrBuilder collects the attributes of one entry and then allocates them
// compactly: one slice of exactly the attributes, and one arena for all
// their values and normalized values. Snapshots hold 100,000s of entries,
// so this halves the memory of the small slices it replaces.
type attrBuilder struct {
	types  [24]*AttributeType
	shares [24]*Attr // set for attributes shared between entries
	counts [24]int
	values [32]string
	n, nv  int
}

// add adds an attribute with the non-blank values among values.
func (b *attrBuilder) add(t *AttributeType, values ...string) {
	k := 0
	for _, v := range values {
		if strings.TrimSpace(v) != "" && b.nv < len(b.values) {
			b.values[b.nv] = v
			b.nv++
			k++
		}
	}
	if k > 0 && b.n < len(b.types) {
		b.types[b.n], b.counts[b.n] = t, k
		b.n++
	}
}

// shared adds an attribute whose slices are shared by many entries.
func (b *attrBuilder) shared(a Attr) {
	if b.n < len(b.types) {
		b.types[b.n], b.shares[b.n] = a.Type, &a
		b.n++
	}
}

func (b *attrBuilder) attrs() []Attr {
	out := make([]Attr, b.n)
	arena := make([]string, 2*b.nv)
	vi, ai := 0, 0
	for i := 0; i < b.n; i++ {
		if b.shares[i] != nil {
			out[i] = *b.shares[i]
			continue
		}
		k := b.counts[i]
		vals := arena[ai : ai+k : ai+2*k] // the normalized forms follow (Attr.Norm)
		norm := arena[ai+k : ai+2*k]
		ai += 2 * k
		copy(vals, b.values[vi:vi+k])
		vi += k
		t := b.types[i]
		if t.Equality != nil {
			for j, v := range vals {
				if n, ok := t.Equality.Normalize(v); ok {
					norm[j] = n
				}
			}
		}
		out[i] = Attr{Type: t, Values: vals}
	}
	return out
}

func userdirKind(kind string) string {
	if kind == mailcmd.KindMailbox {
		return UserdirKindMailbox
	}
	return kind
}

// Attributes that are the same in every person entry; set by init once
// the attribute index exists, since normalizing them needs it.
var personClasses, subschemaSubentryAttr, noSubordinatesAttr, mailboxKindAttr, aliasKindAttr Attr

func initSharedAttrs() {
	personClasses = NewAttr(AttrObjectClass, "top", "person", "organizationalPerson", "inetOrgPerson", "userdirEntry")
	subschemaSubentryAttr = NewAttr(AttrSubschemaSubentry, SubschemaDN)
	noSubordinatesAttr = NewAttr(AttrHasSubordinates, "FALSE")
	mailboxKindAttr = NewAttr(AttrUserdirKind, UserdirKindMailbox)
	aliasKindAttr = NewAttr(AttrUserdirKind, UserdirKindAlias)
}

// personOperational returns the operational attributes of a record's entry.
func personOperational(r *store.Record, dn, normDN string) []Attr {
	var b attrBuilder
	id := uuid.NewSHA1(uuidNamespace, []byte(r.Division+"\x00"+r.Eml))
	b.add(AttrEntryUUID, id.String())
	created := r.Created
	if created.IsZero() {
		created = r.Modified
	}
	if !created.IsZero() {
		b.add(AttrCreateTimestamp, GeneralizedTime(created))
	}
	if !r.Modified.IsZero() {
		b.add(AttrModifyTimestamp, GeneralizedTime(r.Modified))
	}
	b.shared(MakeAttr(AttrEntryDN, []string{dn}, []string{normDN}))
	b.shared(subschemaSubentryAttr)
	b.shared(noSubordinatesAttr)
	return b.attrs()
}

// GeneralizedTime formats t as an LDAP GeneralizedTime in UTC, "YYYYMMDDHHMMSSZ".
func GeneralizedTime(t time.Time) string {
	return t.UTC().Format("20060102150405Z")
}

// appendAttr appends an attribute of type t with the non-empty values, if any.
func appendAttr(attrs []Attr, t *AttributeType, values ...string) []Attr {
	n := 0
	for _, v := range values {
		if strings.TrimSpace(v) != "" {
			n++
		}
	}
	if n == 0 {
		return attrs
	}
	if n < len(values) {
		kept := make([]string, 0, n)
		for _, v := range values {
			if strings.TrimSpace(v) != "" {
				kept = append(kept, v)
			}
		}
		values = kept
	}
	return append(attrs, NewAttr(t, values...))
}

// NewAttr returns an attribute of type t with values, their equality
// normalizations filled in (Norm[i] is "" when values[i] does not
// normalize or t has no equality rule). The values slice is kept.
func NewAttr(t *AttributeType, values ...string) Attr {
	norm := make([]string, len(values))
	if t.Equality != nil {
		for i, v := range values {
			if n, ok := t.Equality.Normalize(v); ok {
				norm[i] = n
			}
		}
	}
	return MakeAttr(t, values, norm)
}

// SplitName splits a full name into sn and givenName by order
// (NameOrderFamilyFirst, the default for any other value, or
// NameOrderGivenFirst). Family-first takes the first word as sn and the
// second as givenName; given-first the first as givenName and the last as
// sn. A single word is sn only.
func SplitName(name, order string) (sn, givenName string) {
	words := strings.Fields(name)
	switch {
	case len(words) == 0:
		return "", ""
	case len(words) == 1:
		return words[0], ""
	case order == NameOrderGivenFirst:
		return words[len(words)-1], words[0]
	}
	return words[0], words[1]
}
