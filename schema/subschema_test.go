package schema

import (
	"fmt"
	"strings"
	"testing"
)

// description is a parsed RFC 4512 §4.1 description: the OID and each
// keyword with its arguments (a qdescrs or oids list is flattened).
type description struct {
	oid  string
	keys map[string][]string
}

// parseDescription is a small reader for the descriptions in the subschema.
func parseDescription(s string) (description, error) {
	toks, err := tokenize(s)
	if err != nil {
		return description{}, err
	}
	if len(toks) < 3 || toks[0] != "(" || toks[len(toks)-1] != ")" {
		return description{}, fmt.Errorf("not parenthesized: %q", s)
	}
	toks = toks[1 : len(toks)-1]
	d := description{oid: toks[0], keys: map[string][]string{}}
	if !isNumericOID(d.oid) {
		return d, fmt.Errorf("%q does not start with a numeric OID", s)
	}
	for i := 1; i < len(toks); {
		key := toks[i]
		if !isKeyword(key) {
			return d, fmt.Errorf("%q: expected a keyword, got %q", s, key)
		}
		i++
		d.keys[key] = []string{}
		switch {
		case i < len(toks) && toks[i] == "(":
			for i++; i < len(toks) && toks[i] != ")"; i++ {
				if toks[i] != "$" {
					d.keys[key] = append(d.keys[key], unquote(toks[i]))
				}
			}
			i++
		case i < len(toks) && !isKeyword(toks[i]):
			d.keys[key] = append(d.keys[key], unquote(toks[i]))
			i++
		}
	}
	return d, nil
}

// unquote undoes a qdstring: the quotes go, \27 and \5C become ' and \.
func unquote(s string) string {
	if len(s) < 2 || s[0] != '\'' {
		return s
	}
	return strings.NewReplacer(`\27`, "'", `\5C`, `\`).Replace(s[1 : len(s)-1])
}

func isKeyword(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if !(c >= 'A' && c <= 'Z' || c == '-') {
			return false
		}
	}
	return true
}

// tokenize splits on spaces, keeping quoted strings whole.
func tokenize(s string) ([]string, error) {
	var toks []string
	for s = strings.TrimSpace(s); s != ""; s = strings.TrimSpace(s) {
		if s[0] == '\'' {
			end := strings.IndexByte(s[1:], '\'')
			if end < 0 {
				return nil, fmt.Errorf("unterminated quote in %q", s)
			}
			toks = append(toks, s[:end+2]) // quotes kept: a quoted word is never a keyword
			s = s[end+2:]
			continue
		}
		end := strings.IndexByte(s, ' ')
		if end < 0 {
			end = len(s)
		}
		toks = append(toks, s[:end])
		s = s[end:]
	}
	return toks, nil
}

func TestSubschemaEntry(t *testing.T) {
	e := SubschemaEntry()
	if e.DN != SubschemaDN || e.NormDN != "cn=subschema" {
		t.Errorf("DN %q, NormDN %q", e.DN, e.NormDN)
	}
	if got := Compile(mustParse(t, "(&(objectClass=subschema)(objectClass=subentry)(cn=subschema))")).Match(e); got != True {
		t.Errorf("subschema entry does not match its classes: %v", got)
	}
	checkNorms(t, e)

	syntaxes := map[string]bool{}
	for _, v := range e.Attr(AttrLDAPSyntaxes).Values {
		d := mustDescription(t, v)
		if len(d.keys["DESC"]) != 1 {
			t.Errorf("syntax without DESC: %s", v)
		}
		syntaxes[d.oid] = true
	}
	rules := map[string]bool{}
	for _, v := range e.Attr(AttrMatchingRules).Values {
		d := mustDescription(t, v)
		if r := LookupMatchingRule(d.oid); r == nil || r.Name != first(d.keys["NAME"]) {
			t.Errorf("matching rule %s does not resolve to its NAME", v)
		}
		if !syntaxes[first(d.keys["SYNTAX"])] {
			t.Errorf("matching rule %s: unknown SYNTAX", v)
		}
		rules[strings.ToLower(first(d.keys["NAME"]))] = true
	}
	attrs := checkAttributeTypes(t, e.Attr(AttrAttributeTypes).Values, syntaxes, rules)
	checkObjectClasses(t, e.Attr(AttrObjectClasses).Values, attrs)
	for _, at := range AttributeTypes() {
		if !attrs[strings.ToLower(at.Name)] {
			t.Errorf("attribute type %s is not in the subschema", at.Name)
		}
	}
}

func checkAttributeTypes(t *testing.T, values []string, syntaxes, rules map[string]bool) map[string]bool {
	t.Helper()
	names := map[string]bool{}
	for _, v := range values {
		d := mustDescription(t, v)
		at := LookupAttribute(d.oid)
		if at == nil {
			t.Errorf("attribute type %s: OID unknown to LookupAttribute", v)
			continue
		}
		for _, n := range d.keys["NAME"] {
			if LookupAttribute(n) != at {
				t.Errorf("attribute type %s: NAME %s resolves elsewhere", v, n)
			}
			names[strings.ToLower(n)] = true
		}
		for _, k := range []string{"EQUALITY", "ORDERING", "SUBSTR"} {
			if r, ok := d.keys[k]; ok && !rules[strings.ToLower(first(r))] {
				t.Errorf("attribute type %s: %s rule not in matchingRules", v, k)
			}
		}
		if !syntaxes[first(d.keys["SYNTAX"])] {
			t.Errorf("attribute type %s: SYNTAX not in ldapSyntaxes", v)
		}
		if sup, ok := d.keys["SUP"]; ok && LookupAttribute(first(sup)) == nil {
			t.Errorf("attribute type %s: unknown SUP", v)
		}
		if u := d.keys["USAGE"]; at.Operational != (len(u) == 1) {
			t.Errorf("attribute type %s: USAGE %v for Operational %v", v, u, at.Operational)
		}
	}
	return names
}

func checkObjectClasses(t *testing.T, values []string, attrs map[string]bool) {
	t.Helper()
	classes := map[string]bool{}
	for _, v := range values {
		d := mustDescription(t, v)
		classes[strings.ToLower(first(d.keys["NAME"]))] = true
		kinds := 0
		for _, k := range []string{"ABSTRACT", "STRUCTURAL", "AUXILIARY"} {
			if _, ok := d.keys[k]; ok {
				kinds++
			}
		}
		if kinds != 1 {
			t.Errorf("object class %s: %d kinds", v, kinds)
		}
		for _, a := range append(d.keys["MUST"], d.keys["MAY"]...) {
			if !attrs[strings.ToLower(a)] {
				t.Errorf("object class %s: attribute %s not in attributeTypes", v, a)
			}
		}
	}
	for _, v := range values {
		if sup, ok := mustDescription(t, v).keys["SUP"]; ok && !classes[strings.ToLower(first(sup))] {
			t.Errorf("object class %s: unknown SUP", v)
		}
	}
	for _, want := range []string{"top", "person", "organizationalperson", "inetorgperson", "userdirentry",
		"organization", "dcobject", "organizationalunit", "subentry", "subschema", "extensibleobject"} {
		if !classes[want] {
			t.Errorf("object class %s missing", want)
		}
	}
	want := "( " + OIDUserdirEntry + " NAME 'userdirEntry' DESC 'userdir: extension, mail server and kind of an address' " +
		"SUP top AUXILIARY MAY ( ipPhone $ mailHost $ userdirKind ) )"
	if !containsString(values, want) {
		t.Errorf("userdirEntry description missing; want %s", want)
	}
}

func mustDescription(t *testing.T, v string) description {
	t.Helper()
	d, err := parseDescription(v)
	if err != nil {
		t.Fatalf("parse description: %v", err)
	}
	return d
}

func first(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return s[0]
}

func containsString(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func TestAttributeTypeDescription(t *testing.T) {
	tests := []struct {
		at   *AttributeType
		want string
	}{
		{AttrCN, "( 2.5.4.3 NAME ( 'cn' 'commonName' ) DESC 'common name: the full name' SUP name " +
			"EQUALITY caseIgnoreMatch ORDERING caseIgnoreOrderingMatch SUBSTR caseIgnoreSubstringsMatch " +
			"SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 )"},
		{AttrEntryUUID, "( 1.3.6.1.1.16.4 NAME 'entryUUID' DESC 'UUID of the entry' EQUALITY UUIDMatch " +
			"ORDERING UUIDOrderingMatch SYNTAX 1.3.6.1.1.16.1 SINGLE-VALUE NO-USER-MODIFICATION USAGE directoryOperation )"},
		{AttrSupportedControl, "( 1.3.6.1.4.1.1466.101.120.13 NAME 'supportedControl' DESC 'supported controls' " +
			"EQUALITY objectIdentifierMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.38 NO-USER-MODIFICATION USAGE dSAOperation )"},
		{AttrUserdirKind, "( " + OIDUserdirKind + " NAME 'userdirKind' DESC 'mailbox or alias' " +
			"EQUALITY caseIgnoreIA5Match ORDERING caseIgnoreOrderingMatch SUBSTR caseIgnoreIA5SubstringsMatch " +
			"SYNTAX 1.3.6.1.4.1.1466.115.121.1.26 SINGLE-VALUE )"},
	}
	for _, tt := range tests {
		if got := attributeTypeDescription(tt.at); got != tt.want {
			t.Errorf("description of %s\n got %s\nwant %s", tt.at.Name, got, tt.want)
		}
	}
	if got := qdstring(`it's a \ test`); got != `'it\27s a \5C test'` {
		t.Errorf("qdstring = %s", got)
	}
}
